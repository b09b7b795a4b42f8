package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// testKeyText is a valid key in its written form.
var testKeyText = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, KeySize))

func mustKey(t *testing.T) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatalf("NewKey: %v", err)
	}
	return k
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // substring; empty means success
	}{
		{name: "valid", in: testKeyText},
		{name: "valid with trailing newline and spaces", in: "  " + testKeyText + "\n"},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "blank", in: " \n", wantErr: "empty"},
		{name: "not base64", in: "not a key at all!", wantErr: "not standard base64"},
		{name: "URL-safe alphabet", in: base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, KeySize)), wantErr: "not standard base64"},
		{name: "16 bytes", in: base64.StdEncoding.EncodeToString(make([]byte, 16)), wantErr: "16 bytes long"},
		{name: "33 bytes", in: base64.StdEncoding.EncodeToString(make([]byte, 33)), wantErr: "33 bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseKey: %v", err)
				}
				if _, err := k.Seal([]byte("x")); err != nil {
					t.Errorf("Seal with parsed key: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseKey succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "openssl rand -base64 32") {
				t.Errorf("error %q should contain %q and how to make a key", err, tt.wantErr)
			}
			if strings.TrimSpace(tt.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
				t.Errorf("error repeats the key text: %q", err)
			}
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := mustKey(t)
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"empty", []byte{}},
		{"password", []byte("Zq9secretPW")},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe}},
		{"large", bytes.Repeat([]byte("abc"), 100000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := k.Seal(tt.plaintext)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if !strings.HasPrefix(sealed, "v1:") {
				t.Errorf("sealed value %q lacks the v1: prefix", sealed)
			}
			if len(tt.plaintext) > 3 && strings.Contains(sealed, string(tt.plaintext)) {
				t.Errorf("sealed value contains the plaintext")
			}
			again, err := k.Seal(tt.plaintext)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if again == sealed {
				t.Errorf("sealing twice gave the same string: the nonce is not fresh")
			}
			got, err := k.Open(sealed)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open returned %d bytes, want the %d sealed", len(got), len(tt.plaintext))
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	k := mustKey(t)
	sealed, err := k.Seal([]byte("Zq9secretPW"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil {
		t.Fatalf("decoding own output: %v", err)
	}
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return "v1:" + base64.StdEncoding.EncodeToString(b)
	}
	other := mustKey(t)
	otherSealed, err := other.Seal([]byte("Zq9secretPW"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}

	tests := []struct {
		name      string
		key       Key
		in        string
		wantErr   string
		wantWrong bool // errors.Is(err, ErrWrongKey)
	}{
		{name: "wrong key", key: k, in: otherSealed, wantErr: "the secret key differs from the one that sealed it", wantWrong: true},
		{name: "nonce altered", key: k, in: flip(0), wantErr: "altered", wantWrong: true},
		{name: "ciphertext altered", key: k, in: flip(13), wantErr: "altered", wantWrong: true},
		{name: "tag altered", key: k, in: flip(len(raw) - 1), wantErr: "altered", wantWrong: true},
		{name: "cut short", key: k, in: "v1:" + base64.StdEncoding.EncodeToString(raw[:20]), wantErr: "too short"},
		{name: "extended", key: k, in: "v1:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0)), wantErr: "altered", wantWrong: true},
		{name: "not base64", key: k, in: "v1:***", wantErr: "not valid base64"},
		{name: "no prefix", key: k, in: strings.TrimPrefix(sealed, "v1:"), wantErr: "not a sealed secret"},
		{name: "plaintext", key: k, in: "Zq9secretPW", wantErr: "not a sealed secret"},
		{name: "future version", key: k, in: "v2:" + strings.TrimPrefix(sealed, "v1:"), wantErr: "(v2)"},
		{name: "empty", key: k, in: "", wantErr: "empty"},
		{name: "zero key", key: Key{}, in: sealed, wantErr: "no secret key is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.key.Open(tt.in)
			if err == nil {
				t.Fatalf("Open succeeded with %d bytes, want an error", len(got))
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrWrongKey) != tt.wantWrong {
				t.Errorf("errors.Is(err, ErrWrongKey) = %v, want %v", !tt.wantWrong, tt.wantWrong)
			}
			if strings.Contains(err.Error(), "Zq9secretPW") {
				t.Errorf("error contains the plaintext")
			}
		})
	}
}

func TestZeroKeyDoesNotPanic(t *testing.T) {
	var k Key
	if _, err := k.Seal([]byte("x")); err == nil {
		t.Error("Seal with a zero Key succeeded")
	}
	if _, err := k.SealJSON("x"); err == nil {
		t.Error("SealJSON with a zero Key succeeded")
	}
	var s string
	if err := k.OpenJSON(Sealed{Ciphertext: "v1:AAAA"}, &s); err == nil {
		t.Error("OpenJSON with a zero Key succeeded")
	}
}

// connectionSecret stands for what callers seal: a struct with a password.
type connectionSecret struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func TestSealJSON(t *testing.T) {
	k := mustKey(t)
	in := connectionSecret{User: "sa", Password: "Zq9secretPW"}
	s, err := k.SealJSON(in)
	if err != nil {
		t.Fatalf("SealJSON: %v", err)
	}
	if s.IsZero() {
		t.Fatal("SealJSON returned a zero Sealed")
	}

	// What travels through Temporal: only the ciphertext.
	wire, err := json.Marshal(struct {
		Source Sealed `json:"source"`
	}{s})
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if want := `{"source":{"ciphertext":"` + s.Ciphertext + `"}}`; string(wire) != want {
		t.Errorf("wire form %s, want %s", wire, want)
	}
	if bytes.Contains(wire, []byte("Zq9secretPW")) || bytes.Contains(wire, []byte(`"sa"`)) {
		t.Errorf("wire form reveals the plaintext: %s", wire)
	}
	var back struct {
		Source Sealed `json:"source"`
	}
	if err := json.Unmarshal(wire, &back); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}

	var out connectionSecret
	if err := k.OpenJSON(back.Source, &out); err != nil {
		t.Fatalf("OpenJSON: %v", err)
	}
	if out != in {
		t.Errorf("OpenJSON gave %+v, want the sealed value", out.User)
	}

	tests := []struct {
		name    string
		key     Key
		s       Sealed
		into    any
		wantErr string
	}{
		{name: "wrong key", key: mustKey(t), s: s, into: &out, wantErr: "differs"},
		{name: "zero Sealed", key: k, s: Sealed{}, into: &out, wantErr: "empty"},
		{name: "wrong target type", key: k, s: s, into: new(int), wantErr: "decoding a sealed secret into *int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.key.OpenJSON(tt.s, tt.into)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("OpenJSON error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "Zq9secretPW") {
				t.Errorf("error contains the plaintext: %v", err)
			}
		})
	}

	if _, err := k.SealJSON(func() {}); err == nil || !strings.Contains(err.Error(), "encoding a func()") {
		t.Errorf("SealJSON of a func: %v, want an encoding error", err)
	}
}

func TestNothingPrintsSecrets(t *testing.T) {
	k := mustKey(t)
	s, err := k.SealJSON(connectionSecret{Password: "Zq9secretPW"})
	if err != nil {
		t.Fatalf("SealJSON: %v", err)
	}
	keyFromText, err := ParseKey(testKeyText)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	type holder struct {
		Secret Sealed
		Key    Key
	}
	h := holder{Secret: s, Key: keyFromText}
	forbidden := []string{s.Ciphertext, strings.TrimPrefix(s.Ciphertext, "v1:")[:16], testKeyText, "0707070707", "7 7 7 7"}

	var printed []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		printed = append(printed,
			fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, keyFromText),
			fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	printed = append(printed, fmt.Sprint(s, keyFromText), fmt.Sprintln(h))

	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("starting", "source", s, "key", keyFromText)
	textLogger := slog.New(slog.NewTextHandler(&logged, nil))
	textLogger.Info("starting", "source", s, "key", keyFromText, slog.Any("sealedPtr", &s))
	printed = append(printed, logged.String())

	for _, p := range printed {
		for _, f := range forbidden {
			if strings.Contains(p, f) {
				t.Errorf("printed form %q reveals %q", p, f)
			}
		}
	}
	if got := s.String(); got != "[sealed]" {
		t.Errorf("Sealed.String() = %q", got)
	}
	if got := fmt.Sprintf("%v", h); got != "{[sealed] [secret key]}" {
		t.Errorf("%%v of a struct holding secrets = %q", got)
	}
	if !strings.Contains(logged.String(), `"source":"[sealed]"`) || !strings.Contains(logged.String(), `"key":"[secret key]"`) {
		t.Errorf("slog output lacks the placeholders: %s", logged.String())
	}
}
