// Package secret seals connection secrets with AES-256-GCM, so that passwords travel through
// Temporal (workflow inputs and history) and rest in the metadata store only as ciphertext.
//
// A sealed string is "v1:" followed by the standard base64 of nonce||ciphertext, with a fresh
// random 96-bit nonce per seal; the version prefix is also bound as additional authenticated
// data, so that a later format cannot be confused with this one. Random nonces make one key good
// for about 2^32 seals, far more than relmongo's connection secrets will ever need.
//
// Neither Key nor Sealed ever prints its content: both implement fmt.Formatter, fmt.Stringer,
// fmt.GoStringer and slog.LogValuer.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// KeySize is the length in bytes of an AES-256 key.
const KeySize = 32

// version prefixes every sealed string and is bound into the authentication tag.
const version = "v1:"

// ErrWrongKey is wrapped by Open when authentication fails: the key is not the one that sealed
// the value, or the value was altered. AES-GCM cannot tell the two apart.
var ErrWrongKey = errors.New("cannot decrypt: the secret key differs from the one that sealed it")

// errNoKey is returned by the methods of a zero Key rather than panicking.
var errNoKey = errors.New("no secret key is configured: load one with secret.ParseKey or secret.LoadOrCreateKeyFile")

// keyHint tells an operator how to make a valid key.
const keyHint = "give 32 random bytes in standard base64, for example the output of `openssl rand -base64 32`"

// Key is an AES-256-GCM key. The zero Key is not usable: its methods return an error. A Key is
// safe for concurrent use and never prints its bytes.
type Key struct {
	aead cipher.AEAD
}

// NewKey returns a new random key, for tests and for LoadOrCreateKeyFile.
func NewKey() (Key, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, fmt.Errorf("generating a secret key: %w", err)
	}
	return newKey(raw)
}

// ParseKey parses a key written as the standard base64 of 32 bytes. Surrounding white space (a
// trailing newline in a file or an environment variable) is ignored. Errors never contain the
// input.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Key{}, errors.New("the secret key is empty: " + keyHint)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return Key{}, errors.New("the secret key is not standard base64 (A-Z a-z 0-9 + / with = padding): " + keyHint)
	}
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("the secret key is %d bytes long, an AES-256 key is %d: %s", len(raw), KeySize, keyHint)
	}
	return newKey(raw)
}

// newKey builds the AEAD and wipes raw, so that the key bytes live only in the cipher.
func newKey(raw []byte) (Key, error) {
	defer clear(raw)
	block, err := aes.NewCipher(raw)
	if err != nil {
		return Key{}, fmt.Errorf("creating the AES cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("creating the GCM mode: %w", err)
	}
	return Key{aead: aead}, nil
}

// Seal encrypts plaintext and returns "v1:" + base64(nonce||ciphertext), with a fresh random
// nonce, so that sealing the same plaintext twice gives different strings.
func (k Key) Seal(plaintext []byte) (string, error) {
	if k.aead == nil {
		return "", errNoKey
	}
	nonceSize := k.aead.NonceSize()
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generating a nonce: %w", err)
	}
	buf = k.aead.Seal(buf, buf[:nonceSize], plaintext, []byte(version))
	return version + base64.StdEncoding.EncodeToString(buf), nil
}

// Open decrypts a string made by Seal. Its errors say whether the value is not a sealed secret,
// is damaged, or was sealed with another key (errors.Is(err, ErrWrongKey)).
func (k Key) Open(sealed string) ([]byte, error) {
	if k.aead == nil {
		return nil, errNoKey
	}
	if sealed == "" {
		return nil, errors.New("cannot decrypt: the sealed value is empty")
	}
	if !strings.HasPrefix(sealed, version) {
		if v, _, ok := strings.Cut(sealed, ":"); ok && len(v) <= 4 && strings.HasPrefix(v, "v") {
			return nil, errors.New("cannot decrypt: the value was sealed in a format (" + v + ") that this relmongo version does not know; upgrade relmongo")
		}
		return nil, errors.New("cannot decrypt: the value is not a sealed secret (it lacks the v1: prefix)")
	}
	raw, err := base64.StdEncoding.DecodeString(sealed[len(version):])
	if err != nil {
		return nil, errors.New("cannot decrypt: the sealed value is not valid base64; it was altered or cut")
	}
	nonceSize := k.aead.NonceSize()
	if len(raw) < nonceSize+k.aead.Overhead() {
		return nil, errors.New("cannot decrypt: the sealed value is too short; it was cut")
	}
	plaintext, err := k.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], []byte(version))
	if err != nil {
		return nil, fmt.Errorf("%w (or the sealed value was altered): configure the key that sealed it", ErrWrongKey)
	}
	return plaintext, nil
}

// Sealed is the field-level secret type that travels through Temporal and the store: only the
// ciphertext is ever serialized, and printing or logging it shows "[sealed]" so that even the
// ciphertext stays out of logs.
type Sealed struct {
	// Ciphertext is the output of Key.Seal.
	Ciphertext string `json:"ciphertext"`
}

// SealJSON encodes v as JSON and seals it.
func (k Key) SealJSON(v any) (Sealed, error) {
	if k.aead == nil {
		return Sealed{}, errNoKey
	}
	plaintext, err := json.Marshal(v)
	if err != nil {
		return Sealed{}, fmt.Errorf("encoding a %T for sealing: %w", v, err)
	}
	defer clear(plaintext)
	ciphertext, err := k.Seal(plaintext)
	if err != nil {
		return Sealed{}, fmt.Errorf("sealing a %T: %w", v, err)
	}
	return Sealed{Ciphertext: ciphertext}, nil
}

// OpenJSON opens s and decodes its JSON into v, which must be a pointer.
func (k Key) OpenJSON(s Sealed, v any) error {
	plaintext, err := k.Open(s.Ciphertext)
	if err != nil {
		return err
	}
	defer clear(plaintext)
	if err := json.Unmarshal(plaintext, v); err != nil {
		// json's errors name types and offsets, never the decoded values.
		return fmt.Errorf("decoding a sealed secret into %T: %w", v, err)
	}
	return nil
}

// IsZero reports whether s holds nothing, as for an optional secret that was not given.
func (s Sealed) IsZero() bool { return s.Ciphertext == "" }

// String returns "[sealed]", so that %v and %s never print the ciphertext.
func (Sealed) String() string { return "[sealed]" }

// GoString returns a placeholder, so that %#v never prints the ciphertext.
func (Sealed) GoString() string { return "secret.Sealed{[sealed]}" }

// Format prints "[sealed]" for every verb, including %x and %d, which would otherwise print the
// field's content.
func (Sealed) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[sealed]") }

// LogValue makes slog print "[sealed]".
func (Sealed) LogValue() slog.Value { return slog.StringValue("[sealed]") }

// String returns "[secret key]", never the key.
func (Key) String() string { return "[secret key]" }

// GoString returns a placeholder, never the key.
func (Key) GoString() string { return "secret.Key{[secret key]}" }

// Format prints "[secret key]" for every verb.
func (Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[secret key]") }

// LogValue makes slog print "[secret key]".
func (Key) LogValue() slog.Value { return slog.StringValue("[secret key]") }
