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
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestReopenKeepsDataAndMigrationsAreIdempotent(t *testing.T) {
	forEachBackend(t, testReopenKeepsDataAndMigrationsAreIdempotent)
}

func testReopenKeepsDataAndMigrationsAreIdempotent(t *testing.T, b backend) {
	ctx := context.Background()
	spec := b.fresh(t)
	for round := 0; round < 3; round++ {
		s, err := Open(ctx, spec)
		if err != nil {
			t.Fatalf("round %d: Open: %v", round, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(s.d.migrations) || v != len(sqliteMigrations) {
			t.Fatalf("round %d: schema version %d, want %d on both backends", round, v, len(s.d.migrations))
		}
		var rows int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != len(s.d.migrations) {
			t.Fatalf("round %d: %d schema_version rows, want %d (a migration ran twice)", round, rows, len(s.d.migrations))
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
		if b.name == "sqlite" {
			var mode string
			if err := s.r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" {
				t.Fatalf("journal_mode = %q, want wal", mode)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSchemasAgree checks that the backends' migration histories have the same shape, so one
// schema version means the same tables on both.
func TestSchemasAgree(t *testing.T) {
	if len(pgMigrations) != len(sqliteMigrations) {
		t.Fatalf("%d PostgreSQL migrations, %d SQLite ones", len(pgMigrations), len(sqliteMigrations))
	}
	for i := range pgMigrations {
		if len(pgMigrations[i]) != len(sqliteMigrations[i]) {
			t.Errorf("migration %d: %d PostgreSQL statements, %d SQLite ones", i+1, len(pgMigrations[i]), len(sqliteMigrations[i]))
		}
	}
}

// TestConcurrentMigration opens one new store from several handles at once, as several processes
// starting together: every open succeeds and each migration is applied once.
func TestConcurrentMigration(t *testing.T) { forEachBackend(t, testConcurrentMigration) }

func testConcurrentMigration(t *testing.T, b backend) {
	ctx := context.Background()
	spec := b.fresh(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctx, spec)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var rows int
	if err := stores[0].r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(sqliteMigrations) {
		t.Fatalf("%d schema_version rows, want %d", rows, len(sqliteMigrations))
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) { forEachBackend(t, testOpenRefusesNewerSchema) }

func testOpenRefusesNewerSchema(t *testing.T, b backend) {
	ctx := context.Background()
	s, spec := b.openSpec(t)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, spec)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open on a newer schema: got %v, want a 'newer' error", err)
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

// TestTwoStoresOneStore covers the API server and a worker sharing one store (two processes in
// production, two Store values here): on SQLite the busy timeout and IMMEDIATE transactions must
// keep either from failing with SQLITE_BUSY; on PostgreSQL neither may see a lost update.
func TestTwoStoresOneStore(t *testing.T) { forEachBackend(t, testTwoStoresOneStore) }

func testTwoStoresOneStore(t *testing.T, bk backend) {
	ctx := context.Background()
	a, spec := bk.openSpec(t)
	b := openAt(t, spec)
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
		t.Errorf("shared store: %v", err)
	}
	tot, err := b.JobTotals(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if tot.RowsRead != 200 {
		t.Fatalf("RowsRead = %d, want 200", tot.RowsRead)
	}
}

func TestPingAndCancelledContext(t *testing.T) { forEachBackend(t, testPingAndCancelledContext) }

func testPingAndCancelledContext(t *testing.T, b backend) {
	s := b.open(t)
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

func TestReadersAreQueryOnly(t *testing.T) { forEachBackend(t, testReadersAreQueryOnly) }

func testReadersAreQueryOnly(t *testing.T, b backend) {
	s := b.open(t)
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
		d             dialect
		limit, offset int
		want          string
	}{
		{sqliteDialect, 0, 0, ""},
		{sqliteDialect, 5, 0, " LIMIT 5"},
		{sqliteDialect, 5, 10, " LIMIT 5 OFFSET 10"},
		{sqliteDialect, 0, 10, " LIMIT -1 OFFSET 10"},
		{pgDialect, 0, 0, ""},
		{pgDialect, 5, 0, " LIMIT 5"},
		{pgDialect, 5, 10, " LIMIT 5 OFFSET 10"},
		{pgDialect, 0, 10, " OFFSET 10"},
	}
	for _, tc := range limitTests {
		if got := tc.d.limitOffset(tc.limit, tc.offset); got != tc.want {
			t.Errorf("%s limitOffset(%d, %d) = %q, want %q", tc.d.name, tc.limit, tc.offset, got, tc.want)
		}
	}
	for _, d := range []dialect{sqliteDialect, pgDialect} {
		if d.isUniqueViolation(sql.ErrNoRows) || d.isForeignKeyViolation(nil) {
			t.Errorf("%s: foreign errors classified as constraint violations", d.name)
		}
	}
	pgTests := []struct {
		code                      string
		unique, foreign, retrying bool
	}{
		{"23505", true, false, false},
		{"23503", false, true, false},
		{"40001", false, false, true},
		{"40P01", false, false, true},
		{"23502", false, false, false},
	}
	for _, tc := range pgTests {
		err := fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: tc.code})
		if got := pgDialect.isUniqueViolation(err); got != tc.unique {
			t.Errorf("isUniqueViolation(%s) = %v", tc.code, got)
		}
		if got := pgDialect.isForeignKeyViolation(err); got != tc.foreign {
			t.Errorf("isForeignKeyViolation(%s) = %v", tc.code, got)
		}
		if got := pgDialect.isRetryable(err); got != tc.retrying {
			t.Errorf("isRetryable(%s) = %v", tc.code, got)
		}
	}
}

func TestIsPostgresURLAndDescribe(t *testing.T) {
	tests := []struct {
		spec     string
		postgres bool
		describe string
	}{
		{"relmongo.db", false, "relmongo.db"},
		{"/var/lib/relmongo/meta.db", false, "/var/lib/relmongo/meta.db"},
		{"postgres://u:Zq9secret@db.example:5432/meta", true, "jdbc:postgresql://db.example:5432/meta?user=u&password=*****"},
		{"PostgreSQL://u@db/meta?sslmode=require", true, "jdbc:postgresql://db:5432/meta?user=u&sslmode=require"},
		{"postgres://u:Zq9secret@[bad", true, "(an invalid PostgreSQL URL)"},
	}
	for _, tc := range tests {
		if got := IsPostgresURL(tc.spec); got != tc.postgres {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", tc.spec, got, tc.postgres)
		}
		if got := Describe(tc.spec); got != tc.describe {
			t.Errorf("Describe(%q) = %q, want %q", tc.spec, got, tc.describe)
		}
	}
}

// TestOpenPostgresErrors: a bad URL or an unreachable server is an error that says what is wrong
// and never shows the password.
func TestOpenPostgresErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const pw = "Zq9secretPW"
	tests := []struct {
		name, url string
		invalid   bool
		wantMsg   string
	}{
		{"bad host", "postgres://u:" + pw + "@[bad/meta", true, "metadata store URL"},
		{"forbidden passfile", "postgres://u:" + pw + "@127.0.0.1/meta?passfile=/etc/x", true, "metadata store URL"},
		{"closed port", "postgres://u:" + pw + "@127.0.0.1:1/meta?connect_timeout=5", false, "jdbc:postgresql://127.0.0.1:1/meta?user=u&password=*****"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.url)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%s) succeeded, want an error", tc.name)
			}
			if tc.invalid != errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(ErrInvalid) = %v, want %v: %v", !tc.invalid, tc.invalid, err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("got %v, want a message containing %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
