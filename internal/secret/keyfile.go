package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreateKeyFile reads the key stored in the file at path (standard base64 of 32 bytes,
// surrounding white space ignored) or, if there is no such file, creates it with a new random key
// and mode 0600 (its directory, if missing, with mode 0700).
//
// Creation is atomic: the key is written to a temporary file in the same directory and linked
// into place only when complete, so that several processes starting together (relmongo dev and a
// test, two workers) end up with the same key and never read a half-written file.
//
// The permissions of an existing file are not checked: operators often provide the key through
// a secret mount (Kubernetes mounts secrets 0644 by default) or a group-readable file, and
// refusing those would push them towards worse places. Keep the file readable only by the
// relmongo processes; anyone who can read it can decrypt every saved connection password.
//
// Deleting or replacing the file makes every secret sealed with the old key unreadable (saved
// connections, schedules, jobs in flight).
func LoadOrCreateKeyFile(path string) (Key, error) {
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our link: use its key.
		return readKeyFile(path)
	}
	return key, err
}

// readKeyFile reads and parses a key file; a missing file's error matches fs.ErrNotExist.
func readKeyFile(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("reading the secret key file: %w", err)
	}
	defer clear(data)
	key, err := ParseKey(string(data))
	if err != nil {
		// ParseKey never quotes the key; the path tells the operator which file to fix.
		return Key{}, fmt.Errorf("secret key file %s: %w (or delete the file to have a new key generated, "+
			"which makes every secret sealed with the old key unreadable)", path, err)
	}
	return key, nil
}

// createKeyFile writes a new random key to path, failing with fs.ErrExist if path exists.
func createKeyFile(path string) (Key, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, fmt.Errorf("creating the directory of the secret key file: %w", err)
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, fmt.Errorf("generating a secret key: %w", err)
	}
	encoded := []byte(base64.StdEncoding.EncodeToString(raw) + "\n")
	defer clear(encoded)

	// os.CreateTemp creates the file with mode 0600.
	tmp, err := os.CreateTemp(dir, ".relmongo-key-*")
	if err != nil {
		clear(raw)
		return Key{}, fmt.Errorf("creating the secret key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful link, only the temporary name goes
	_, err = tmp.Write(encoded)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		clear(raw)
		return Key{}, fmt.Errorf("writing the secret key file: %w", err)
	}
	// Link, unlike rename, fails when path exists, so a concurrent creator's key is never
	// replaced under it.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			clear(raw)
			return Key{}, err
		}
		// Some file systems (FAT, some network and container mounts) have no hard links: fall
		// back to exclusive creation, where a concurrent reader could see a partial file.
		if err := writeExclusive(path, encoded); err != nil {
			clear(raw)
			if errors.Is(err, fs.ErrExist) {
				return Key{}, err
			}
			return Key{}, fmt.Errorf("creating the secret key file: %w", err)
		}
	}
	syncDir(dir)
	return newKey(raw)
}

// writeExclusive creates path with mode 0600 and writes data, failing if path exists.
func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a partial key file would make every later start fail
	}
	return err
}

// syncDir makes the new directory entry durable where the platform allows it; failure only
// weakens durability across a power loss, so it is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
