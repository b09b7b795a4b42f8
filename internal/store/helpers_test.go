package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// backend is a store backend the tests run against. fresh returns the spec (file path or URL) of
// a new, empty store that nothing else uses.
type backend struct {
	name  string
	fresh func(t *testing.T) string
}

// backends are all the backends; every test that is not about one backend's specifics runs on
// each of them, in a subtest named after it.
var backends = []backend{
	{name: "sqlite", fresh: freshSQLite},
	{name: "postgres", fresh: freshPostgres},
}

// forEachBackend runs fn once per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// open opens a fresh store of this backend and closes it at the end of the test.
func (b backend) open(t *testing.T) *Store {
	t.Helper()
	s, _ := b.openSpec(t)
	return s
}

// openSpec is open that also returns the store's spec, for tests that open it again.
func (b backend) openSpec(t *testing.T) (*Store, string) {
	t.Helper()
	spec := b.fresh(t)
	return openAt(t, spec), spec
}

// openAt opens the store at spec and closes it at the end of the test.
func openAt(t *testing.T, spec string) *Store {
	t.Helper()
	s, err := Open(context.Background(), spec)
	if err != nil {
		t.Fatalf("Open(%s): %v", Describe(spec), err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func freshSQLite(t *testing.T) string { return filepath.Join(t.TempDir(), "meta.db") }

// The PostgreSQL tests share one database per run of the package, created on first use and
// dropped by TestMain; each test gets its own schema in it (a schema is far cheaper than a
// database). PostgreSQL is mandatory, as for the end-to-end tests: without it the PostgreSQL
// subtests fail, they are never skipped.
var pgTest struct {
	once  sync.Once
	admin string // URL of the admin database
	db    string // the package's database
	url   string // URL of db, without a search_path
	err   error
	mu    sync.Mutex
	n     int // schemas created
}

func pgAdminURL() string {
	if u := os.Getenv("RELMONGO_TEST_PG_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func randomHex() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pgDatabase creates the package's test database on first use.
func pgDatabase(t *testing.T) string {
	t.Helper()
	pgTest.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pgTest.admin = pgAdminURL()
		conn, err := pgx.Connect(ctx, pgTest.admin)
		if err != nil {
			pgTest.err = fmt.Errorf("PostgreSQL is required for the store tests (set RELMONGO_TEST_PG_URL): %w", err)
			return
		}
		defer conn.Close(ctx)
		name := "relmongo_test_store_" + randomHex()
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			pgTest.err = fmt.Errorf("creating the test database: %w", err)
			return
		}
		cfg := conn.Config()
		pgTest.db = name
		pgTest.url = fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	})
	if pgTest.err != nil {
		t.Fatal(pgTest.err)
	}
	return pgTest.url
}

// freshPostgres creates a new schema in the package's database and returns a URL whose
// search_path selects it.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := pgDatabase(t)
	pgTest.mu.Lock()
	pgTest.n++
	schema := fmt.Sprintf("t%d_%s", pgTest.n, randomHex())
	pgTest.mu.Unlock()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return base + "&search_path=" + schema
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pgTest.db != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if conn, err := pgx.Connect(ctx, pgTest.admin); err == nil {
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{pgTest.db}.Sanitize()+" WITH (FORCE)"); err != nil {
				fmt.Fprintln(os.Stderr, "dropping the test database:", err)
			}
			conn.Close(ctx)
		}
		cancel()
	}
	os.Exit(code)
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
