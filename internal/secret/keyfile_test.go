package secret

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// sameKey reports whether a and b are the same key: what one seals, the other opens.
func sameKey(t *testing.T, a, b Key) bool {
	t.Helper()
	sealed, err := a.Seal([]byte("probe"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	_, err = b.Open(sealed)
	return err == nil
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "nested", "secret.key")

	created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("creating: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if runtime.GOOS != "windows" {
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %o, want 600", perm)
		}
		dirInfo, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatalf("stat dir: %v", err)
		}
		if perm := dirInfo.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("created directory mode %o, want no group/other access", perm)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if !strings.HasSuffix(string(data), "\n") {
		t.Errorf("key file does not end with a newline")
	}
	fromText, err := ParseKey(string(data))
	if err != nil {
		t.Fatalf("the file is not a valid key: %v", err)
	}
	if !sameKey(t, created, fromText) {
		t.Error("the returned key is not the one written to the file")
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatalf("reading dir: %v", err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (temporary file left behind?)", len(entries))
	}

	reloaded, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("reloading: %v", err)
	}
	if !sameKey(t, created, reloaded) || !sameKey(t, reloaded, created) {
		t.Error("reloading gave a different key")
	}
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(data) {
		t.Errorf("reloading changed the file (err %v)", err)
	}
}

func TestLoadOrCreateKeyFileExisting(t *testing.T) {
	tests := []struct {
		name    string
		content string
		perm    os.FileMode
		wantErr string // empty: loads
	}{
		{name: "operator-provided key", content: testKeyText + "\n", perm: 0o600},
		{name: "wider permissions are accepted (documented)", content: testKeyText, perm: 0o644},
		{name: "garbage", content: "hunter2-not-a-key", perm: 0o600, wantErr: "not standard base64"},
		{name: "empty", content: "", perm: 0o600, wantErr: "empty"},
		{name: "short key", content: "AAAA", perm: 0o600, wantErr: "3 bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secret.key")
			if err := os.WriteFile(path, []byte(tt.content), tt.perm); err != nil {
				t.Fatalf("writing: %v", err)
			}
			k, err := LoadOrCreateKeyFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadOrCreateKeyFile: %v", err)
				}
				want, _ := ParseKey(testKeyText)
				if !sameKey(t, k, want) {
					t.Error("loaded key differs from the file's")
				}
				return
			}
			if err == nil {
				t.Fatal("LoadOrCreateKeyFile succeeded, want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) || !strings.Contains(msg, path) || !strings.Contains(msg, "delete the file") {
				t.Errorf("error %q should contain %q, the path and the way out", msg, tt.wantErr)
			}
			if tt.content != "" && strings.Contains(msg, tt.content) {
				t.Errorf("error repeats the file's content: %q", msg)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Error("a bad key file was overwritten")
			}
		})
	}
}

func TestLoadOrCreateKeyFileCannotCreate(t *testing.T) {
	// A regular file where the directory should be: fails for root too, unlike permissions.
	parent := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(parent, nil, 0o600); err != nil {
		t.Fatalf("writing: %v", err)
	}
	_, err := LoadOrCreateKeyFile(filepath.Join(parent, "secret.key"))
	if err == nil || !strings.Contains(err.Error(), "secret key file") {
		t.Errorf("creating under a regular file: %v, want an error about the key file", err)
	}
}

func TestLoadOrCreateKeyFileIsADirectory(t *testing.T) {
	path := t.TempDir()
	if _, err := LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "reading the secret key file") {
		t.Errorf("loading a directory: %v, want a read error", err)
	}
}

// TestLoadOrCreateKeyFileConcurrent starts several creators at once, as relmongo dev and a
// worker might: all must end up with the one key in the file.
func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	const n = 8
	keys := make([]Key, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], errs[i] = LoadOrCreateKeyFile(path)
		}()
	}
	close(start)
	wg.Wait()
	final, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("loading after the race: %v", err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("creator %d: %v", i, errs[i])
			continue
		}
		if !sameKey(t, keys[i], final) {
			t.Errorf("creator %d got a key other than the file's", i)
		}
	}
}
