package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// openTest opens a fresh store in the test's temporary directory and closes
// it at the end of the test.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// mustCreateJob creates a job with sensible defaults overridden by j.
func mustCreateJob(t *testing.T, s *Store, j Job) {
	t.Helper()
	if j.ProjectID == "" {
		j.ProjectID = "p1"
	}
	if err := s.CreateJob(context.Background(), j); err != nil {
		t.Fatalf("CreateJob(%s): %v", j.ID, err)
	}
}

// at returns a fixed UTC instant offset by minutes, at millisecond precision
// (the store's time precision).
func at(min int) time.Time {
	return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
}

func ptr[T any](v T) *T { return &v }
