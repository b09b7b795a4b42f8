package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestReopenKeepsDataAndMigrationsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	for round := 0; round < 3; round++ {
		s, err := OpenSQLite(ctx, path)
		if err != nil {
			t.Fatalf("round %d: OpenSQLite: %v", round, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(sqliteMigrations) {
			t.Fatalf("round %d: schema version %d, want %d", round, v, len(sqliteMigrations))
		}
		var rows int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != len(sqliteMigrations) {
			t.Fatalf("round %d: %d schema_version rows, want %d (a migration ran twice)", round, rows, len(sqliteMigrations))
		}
		// Each round adds one project and finds all earlier ones.
		id := fmt.Sprintf("p%d", round)
		if err := s.CreateProject(ctx, Project{ID: id, Name: id, Document: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		ps, err := s.ListProjects(ctx, "name,ASC", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != round+1 {
			t.Fatalf("round %d: %d projects after reopen, want %d", round, len(ps), round+1)
		}
		var mode string
		if err := s.r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" {
			t.Fatalf("journal_mode = %q, want wal", mode)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := OpenSQLite(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("OpenSQLite on a newer schema: got %v, want a 'newer' error", err)
	}
}

func TestOpenBadPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, []byte(strings.Repeat("not a database\n", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		invalid    bool
		wantMsg    string
	}{
		{"empty", "", true, ""},
		{"memory", ":memory:", true, ""},
		{"uri", "file:" + filepath.Join(dir, "a.db"), true, ""},
		{"question mark", filepath.Join(dir, "a?b.db"), true, ""},
		{"missing directory", filepath.Join(dir, "missing", "a.db"), false, "create it first"},
		{"parent is a file", filepath.Join(file, "a.db"), true, ""},
		{"not a database", file, false, "not a SQLite database"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenSQLite(ctx, tc.path)
			if err == nil {
				_ = s.Close()
				t.Fatalf("OpenSQLite(%q) succeeded, want an error", tc.path)
			}
			if tc.invalid && !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("got %v, want a message containing %q", err, tc.wantMsg)
			}
		})
	}
}

// TestTwoStoresOneFile covers the API server and a worker sharing one file
// (two processes in production, two Store values here): the busy timeout and
// IMMEDIATE transactions must keep either from failing with SQLITE_BUSY.
func TestTwoStoresOneFile(t *testing.T) {
	ctx := context.Background()
	a, path := openTest(t)
	b, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustCreateJob(t, a, Job{ID: "j1"})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func(i int, s *Store) {
			defer wg.Done()
			for seq := 0; seq < 50; seq++ {
				c := ChunkProgress{JobID: "j1", Collection: fmt.Sprintf("c%d", i), Seq: int64(seq), RowsRead: 1, Done: true}
				if err := s.PutChunk(ctx, c); err != nil {
					errs <- err
					return
				}
				if err := s.UpdateJob(ctx, "j1", JobUpdate{EstimatedRows: ptr(int64(seq))}); err != nil {
					errs <- err
					return
				}
			}
		}(i, s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("shared file: %v", err)
	}
	tot, err := b.JobTotals(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if tot.RowsRead != 200 {
		t.Fatalf("RowsRead = %d, want 200", tot.RowsRead)
	}
}

func TestPingAndCancelledContext(t *testing.T) {
	s, _ := openTest(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.GetJob(ctx, "x"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("GetJob with cancelled context: got %v, want a context error", err)
	}
	if err := s.CreateJob(ctx, Job{ID: "x"}); err == nil {
		t.Fatalf("CreateJob with cancelled context succeeded")
	}
	// The writer connection is still usable afterwards.
	mustCreateJob(t, s, Job{ID: "y"})
}

func TestReadersAreQueryOnly(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.r.ExecContext(context.Background(), `DELETE FROM jobs`); err == nil {
		t.Fatal("a write through the read pool succeeded")
	}
}

func TestDialectHelpers(t *testing.T) {
	rebindTests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
	}
	for _, tc := range rebindTests {
		if got := rebindDollar(tc.in); got != tc.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	limitTests := []struct {
		limit, offset int
		want          string
	}{
		{0, 0, ""},
		{5, 0, " LIMIT 5"},
		{5, 10, " LIMIT 5 OFFSET 10"},
		{0, 10, " LIMIT -1 OFFSET 10"},
	}
	for _, tc := range limitTests {
		if got := sqliteDialect.limitOffset(tc.limit, tc.offset); got != tc.want {
			t.Errorf("limitOffset(%d, %d) = %q, want %q", tc.limit, tc.offset, got, tc.want)
		}
	}
	if sqliteDialect.isUniqueViolation(sql.ErrNoRows) || sqliteDialect.isForeignKeyViolation(nil) {
		t.Error("non-SQLite errors classified as constraint violations")
	}
}
