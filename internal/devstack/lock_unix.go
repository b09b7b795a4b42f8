//go:build unix

package devstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive advisory lock on dir/lockFile so that two
// stacks (two `relmongo dev` processes, or two stacks in one process) never
// run Temporal on the same database file, which would corrupt shard
// ownership. The lock dies with the process, so a crash leaves nothing stale.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s is in use by another running dev stack: stop it or pass another --data-dir", dir)
		}
		return nil, fmt.Errorf("locking the data directory %s: %w", dir, err)
	}
	return func() {
		// Closing the descriptor releases the flock.
		_ = f.Close()
	}, nil
}
