//go:build !unix

package devstack

// lockDataDir does nothing where flock is unavailable: two stacks on one data
// directory are then not detected (the fixed ports usually clash first).
func lockDataDir(string) (unlock func(), err error) {
	return func() {}, nil
}
