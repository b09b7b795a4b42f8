package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Methods wrap them with context; test with errors.Is.
var (
	// ErrNotFound means the addressed record (project, job, connection) does
	// not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write clashes with existing state: a duplicate id
	// or project name, a project with jobs in progress, or a job whose status
	// is not the one a conditional update expected.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means an argument was malformed (empty id, unknown status,
	// bad sort expression, negative limit); it is a caller bug or bad user input.
	ErrInvalid = errors.New("invalid argument")
)

const (
	// busyTimeout bounds how long a connection waits for a lock held by
	// another process sharing the file (within one process the writer pool
	// already serializes writes).
	busyTimeout = 10 * time.Second
	// readConns is the size of the read pool; WAL lets readers run while the
	// single writer commits.
	readConns = 4
)

// Store is the metadata store. It is safe for concurrent use.
type Store struct {
	d dialect
	// w carries every write, on one connection whose transactions begin
	// IMMEDIATE: writers queue in database/sql instead of racing for the lock.
	w *sql.DB
	// r carries reads, on query-only connections.
	r *sql.DB
}

// OpenSQLite opens (creating if needed) the SQLite store file at path and
// brings its schema up to date. The parent directory must exist.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if err := checkSQLitePath(path); err != nil {
		return nil, err
	}
	pragmas := url.Values{}
	pragmas.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	pragmas.Add("_pragma", "foreign_keys(1)")
	common := pragmas.Encode()

	wq := url.Values{}
	wq.Add("_pragma", "journal_mode(WAL)")
	// FULL: a job status or counter that was committed survives a power loss.
	wq.Add("_pragma", "synchronous(FULL)")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+common+"&"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening metadata store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{d: sqliteDialect, w: w}
	// Migrate through the writer before any reader opens, so readers always
	// find a WAL-mode file with the current schema.
	if err := s.migrate(ctx); err != nil {
		_ = w.Close()
		if sqliteCode(err, sqlite3.SQLITE_NOTADB) {
			return nil, fmt.Errorf("opening metadata store %s: the file is not a SQLite database: give the path of relmongo's metadata file or of a new file: %w", path, err)
		}
		return nil, fmt.Errorf("opening metadata store %s: %w", path, err)
	}

	rq := url.Values{}
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", path+"?"+common+"&"+rq.Encode())
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("opening metadata store %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	s.r = r
	if err := r.PingContext(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("opening metadata store %s for reading: %w", path, err)
	}
	return s, nil
}

// checkSQLitePath rejects paths the store cannot use, with a message that
// says what to pass instead.
func checkSQLitePath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("metadata store path is empty: give the path of a SQLite file: %w", ErrInvalid)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		// Readers and the writer use separate connections, which would each
		// see a different in-memory database.
		return fmt.Errorf("metadata store path %q is not supported: give the path of a SQLite file: %w", path, ErrInvalid)
	case strings.ContainsAny(path, "?#"):
		return fmt.Errorf("metadata store path %q contains '?' or '#': choose a path without them: %w", path, ErrInvalid)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("metadata store directory %s: %w (create it first)", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("metadata store directory %s is not a directory: %w", dir, ErrInvalid)
	}
	return nil
}

// Close releases the store's connections.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		if err := s.r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing metadata store readers: %w", err))
		}
	}
	if s.w != nil {
		if err := s.w.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing metadata store writer: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Ping checks that the store answers reads and that the writer connection is
// usable (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging metadata store readers: %w", err)
	}
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging metadata store writer: %w", err)
	}
	return nil
}

// migrate applies the dialect's missing migrations, each in its own
// transaction together with its schema_version row, so a crash leaves the
// store at a known version and a rerun is a no-op.
func (s *Store) migrate(ctx context.Context) error {
	for {
		applied, err := s.migrateOne(ctx)
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

// migrateOne applies the next missing migration, if any. Several processes
// may start at once on one store: the transaction first takes the migration
// lock (PostgreSQL; SQLite's IMMEDIATE transaction already excludes other
// writers), and only then creates schema_version and reads the version, so
// no two processes apply the same migration or race to create the table.
func (s *Store) migrateOne(ctx context.Context) (applied bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, lockMigrate, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version    INTEGER PRIMARY KEY,
			applied_at BIGINT NOT NULL
		)`); err != nil {
			return fmt.Errorf("creating schema_version table: %w", err)
		}
		var cur int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&cur); err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		if cur > len(s.d.migrations) {
			return fmt.Errorf("metadata store schema version %d is newer than this relmongo supports (%d): run a newer relmongo or use another data directory",
				cur, len(s.d.migrations))
		}
		if cur == len(s.d.migrations) {
			return nil
		}
		for i, stmt := range s.d.migrations[cur] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("applying schema migration %d, statement %d: %w", cur+1, i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`),
			cur+1, toMillis(time.Now())); err != nil {
			return fmt.Errorf("recording schema migration %d: %w", cur+1, err)
		}
		applied = true
		return nil
	})
	return applied, err
}

// SchemaVersion returns the schema version recorded in the store.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}

// maxWriteAttempts bounds how often write runs a transaction that the
// backend aborted as retryable (a deadlock on PostgreSQL).
const maxWriteAttempts = 5

// write runs fn in a write transaction: on SQLite on the single writer
// connection, on PostgreSQL at READ COMMITTED (see postgres.go for how each
// read-modify-write stays correct across processes). A transaction that the
// backend aborts as retryable runs again from the start, so fn must set its
// results only from what it read in the attempt that commits. fn must not
// call other Store methods (on SQLite the writer would wait for itself).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, fn)
		if err == nil || s.d.isRetryable == nil || !s.d.isRetryable(err) || attempt == maxWriteAttempts {
			return err
		}
		// Jittered so that two transactions that deadlocked do not meet again.
		pause := time.Duration(attempt)*20*time.Millisecond + time.Duration(rand.Int64N(int64(20*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning write transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing write transaction: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction, so its queries see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, s.d.readTx)
	if err != nil {
		return fmt.Errorf("beginning read transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// lock takes the transaction-scoped lock (class, name) where the backend
// needs one (PostgreSQL); it is released when tx ends. See postgres.go.
func (s *Store) lock(ctx context.Context, tx *sql.Tx, class int32, name string) error {
	if s.d.lockSQL == "" {
		return nil
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(name)) // a hash never fails to write
	if _, err := tx.ExecContext(ctx, s.d.rebind(s.d.lockSQL), class, int32(h.Sum32())); err != nil {
		return fmt.Errorf("taking lock %#x on %q: %w", class, name, err)
	}
	return nil
}

// jobExists reports ErrNotFound when the job is missing; used by the methods
// that list a job's children so an unknown id is not mistaken for "no data".
func (s *Store) jobExists(ctx context.Context, q querier, jobID string) error {
	var one int
	err := q.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM jobs WHERE id = ?`), jobID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("job %q: %w", jobID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("looking up job %q: %w", jobID, err)
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// toMillis is the one time encoding of the store: unix milliseconds, UTC.
func toMillis(t time.Time) int64 { return t.UTC().UnixMilli() }

// fromMillis decodes toMillis.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nowIfZero lets callers leave a time unset to mean "now".
func nowIfZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// optMillis encodes an optional time as NULL or unix milliseconds.
func optMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return toMillis(*t)
}

// optTime decodes optMillis.
func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMillis(v.Int64)
	return &t
}

// optText stores a JSON blob as TEXT, nil as NULL.
func optText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// textBytes decodes optText; NULL and "" both read back as nil.
func textBytes(v sql.NullString) []byte {
	if !v.Valid || v.String == "" {
		return nil
	}
	return []byte(v.String)
}

// boolInt encodes a boolean as INTEGER 0/1, portable across backends.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// oneOf reports whether v is in set.
func oneOf(v string, set ...string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
