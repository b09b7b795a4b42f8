package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/relmongo/relmongo/internal/connstr"
)

// PostgreSQL is the backend for several processes on several hosts: `relmongo api` and any
// number of `relmongo worker`s share one database. Unlike SQLite it does not serialize writers,
// so every read-modify-write transaction of this package says how it stays correct when another
// process runs the same transaction at once. The rule used throughout: write transactions run at
// READ COMMITTED, and a transaction whose decision depends on rows that another transaction may
// be changing first takes a transaction-scoped advisory lock naming what it decides about (a
// job's reports, job admission, the schema). READ COMMITTED takes a new snapshot for every
// statement, so once the lock is granted the transaction sees everything its predecessors
// committed. Single-statement updates (upserts, conditional UPDATE ... WHERE status IN) and
// unique constraints need no lock: PostgreSQL re-checks an UPDATE's condition on the newest row
// version and a unique index refuses the second insert. SERIALIZABLE with retries was the
// alternative; it was not chosen because chunk reports of one job all read the same summary rows,
// so concurrent workers would mostly abort and retry each other instead of queueing.
const (
	// pgWriteConns bounds one process's concurrent write transactions.
	pgWriteConns = 8
	// pgReadConns is the size of the read pool.
	pgReadConns = 4
)

// Advisory lock classes: the first argument of pg_advisory_xact_lock(int, int). "rm" in the high
// bytes keeps them apart from the locks of other software sharing the database; the second
// argument is a hash of the locked name (a collision only makes two names queue, never wrong).
const (
	// lockMigrate serializes schema migrations of processes starting at once.
	lockMigrate int32 = 0x726d0001
	// lockAdmission serializes the decisions that depend on the set of jobs in progress
	// (CreateJobAdmitted's limits, DeleteProject's refusal).
	lockAdmission int32 = 0x726d0002
	// lockJobReports serializes, per job, the writes that read the job's events and tallies
	// before changing them (SaveChunkReport, AppendEventsOnce).
	lockJobReports int32 = 0x726d0003
)

// pgDialect is the multi-node backend.
var pgDialect = dialect{
	name:       "postgres",
	rebind:     rebindDollar,
	migrations: pgMigrations,
	isUniqueViolation: func(err error) bool {
		return pgCode(err, "23505") // unique_violation
	},
	isForeignKeyViolation: func(err error) bool {
		return pgCode(err, "23503") // foreign_key_violation
	},
	limitOffset: func(limit, offset int) string {
		var s string
		if limit > 0 {
			s += " LIMIT " + strconv.Itoa(limit)
		}
		if offset > 0 {
			s += " OFFSET " + strconv.Itoa(offset)
		}
		return s
	},
	// READ COMMITTED would give each statement of a read its own snapshot; a read-only
	// REPEATABLE READ transaction sees one and never fails with a serialization error.
	readTx:  &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	lockSQL: `SELECT pg_advisory_xact_lock(?, ?)`,
	isRetryable: func(err error) bool {
		return pgCode(err, "40001", "40P01") // serialization_failure, deadlock_detected
	},
}

// pgCode reports whether err is a PostgreSQL error with one of the given SQLSTATEs.
func pgCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// IsPostgresURL reports whether a store spec names a PostgreSQL database rather than a SQLite file.
func IsPostgresURL(spec string) bool {
	l := strings.ToLower(strings.TrimSpace(spec))
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Describe renders a store spec for logs and messages: a PostgreSQL URL with its password
// masked, a SQLite path as it is.
func Describe(spec string) string {
	if !IsPostgresURL(spec) {
		return spec
	}
	src, err := connstr.ParseSource(connstr.TypePostgreSQL, spec, "", "")
	if err != nil {
		return "(an invalid PostgreSQL URL)"
	}
	return src.Masked()
}

// Open opens the metadata store that spec names: a postgres:// or postgresql:// URL opens a
// PostgreSQL store, which processes on several hosts can share; anything else is the path of a
// SQLite file (OpenSQLite).
func Open(ctx context.Context, spec string) (*Store, error) {
	if IsPostgresURL(spec) {
		return OpenPostgres(ctx, spec)
	}
	return OpenSQLite(ctx, spec)
}

// OpenPostgres opens the PostgreSQL store at rawURL (postgres://user:password@host:5432/database,
// options such as sslmode or search_path as query parameters) and brings its schema up to date.
// The database must exist; a dedicated one is best. Several processes may open it at once.
// Errors never contain the password.
func OpenPostgres(ctx context.Context, rawURL string) (*Store, error) {
	src, err := connstr.ParseSource(connstr.TypePostgreSQL, rawURL, "", "")
	if err != nil {
		return nil, fmt.Errorf("metadata store URL: %v: %w", err, ErrInvalid)
	}
	masked := src.Masked()
	wcfg, err := pgx.ParseConfig(src.PgxConnString())
	if err != nil {
		// pgx's message may quote the connection string: say what is wrong without it.
		return nil, fmt.Errorf("metadata store %s: the URL's options are not valid for PostgreSQL: check them against postgres://user:password@host:5432/database?sslmode=require: %w", masked, ErrInvalid)
	}
	rcfg := wcfg.Copy()
	// The read pool cannot write by mistake, as SQLite's query_only readers.
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"

	w := stdlib.OpenDB(*wcfg)
	w.SetMaxOpenConns(pgWriteConns)
	w.SetMaxIdleConns(pgWriteConns)
	s := &Store{d: pgDialect, w: w}
	if err := s.migrate(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("opening metadata store %s: %w", masked, err)
	}
	r := stdlib.OpenDB(*rcfg)
	r.SetMaxOpenConns(pgReadConns)
	r.SetMaxIdleConns(pgReadConns)
	s.r = r
	if err := r.PingContext(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("opening metadata store %s for reading: %w", masked, err)
	}
	return s, nil
}
