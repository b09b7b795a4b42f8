package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds what differs between SQL backends. Queries in this package are
// written once with "?" placeholders and standard SQL; a backend contributes
// its placeholder syntax, its schema migrations and its constraint error
// classification (typed codes, never message text).
type dialect struct {
	name string
	// rebind rewrites "?" placeholders into the backend's syntax.
	rebind func(query string) string
	// migrations is the ordered schema history; migration i brings the schema
	// to version i+1. Entries are only ever appended, never edited.
	migrations [][]string
	// isUniqueViolation reports a primary-key or unique-index violation.
	isUniqueViolation func(err error) bool
	// isForeignKeyViolation reports a reference to a missing parent row.
	isForeignKeyViolation func(err error) bool
	// limitOffset renders the paging clause; limit <= 0 means no limit.
	limitOffset func(limit, offset int) string
	// readTx are the options of read transactions: read-only, and on one
	// snapshot for all their statements.
	readTx *sql.TxOptions
	// lockSQL takes a transaction-scoped lock on (class, key), two int32
	// arguments; empty when the backend already serializes every write
	// transaction (SQLite), so there is nothing to lock.
	lockSQL string
	// isRetryable reports an error after which the whole write transaction
	// may simply run again (serialization failure, deadlock); nil when the
	// backend has none.
	isRetryable func(err error) bool
}

// sqliteDialect is the embedded default backend.
var sqliteDialect = dialect{
	name:       "sqlite",
	rebind:     func(q string) string { return q },
	migrations: sqliteMigrations,
	isUniqueViolation: func(err error) bool {
		return sqliteCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	isForeignKeyViolation: func(err error) bool { return sqliteCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) },
	// SQLite transactions are SERIALIZABLE; a read transaction is a snapshot.
	readTx: &sql.TxOptions{ReadOnly: true},
	// The busy timeout covers lock waits, except where SQLite does not call
	// its busy handler: processes opening a new file at once race to switch
	// it to WAL and the losers get SQLITE_BUSY at once.
	isRetryable: func(err error) bool { return sqliteCode(err, sqlite3.SQLITE_BUSY) },
	limitOffset: func(limit, offset int) string {
		// SQLite needs a LIMIT before an OFFSET; -1 means "no limit".
		switch {
		case limit > 0 && offset > 0:
			return " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(offset)
		case limit > 0:
			return " LIMIT " + strconv.Itoa(limit)
		case offset > 0:
			return " LIMIT -1 OFFSET " + strconv.Itoa(offset)
		}
		return ""
	},
}

// sqliteCode reports whether err is a SQLite error with one of the given
// extended result codes (the driver enables extended codes on every conn).
func sqliteCode(err error, codes ...int) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Code() == c {
			return true
		}
	}
	return false
}

// rebindDollar rewrites "?" into "$1", "$2", ... for PostgreSQL. The queries
// of this package never contain "?" inside string literals, so a plain scan
// is enough. Kept here, tested, so the PostgreSQL backend only has to wire it.
func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
