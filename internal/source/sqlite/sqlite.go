// Package sqlite is the SQLite source (modernc.org/sqlite, pure Go): introspection through the
// PRAGMA table-valued functions, keyset chunks on the primary key (or the rowid), and reads in
// read-only transactions that decode every value by its own storage class (TYPES.md).
//
// # Opening
//
// The file is always opened read-only: the URI carries mode=ro and every connection runs
// PRAGMA query_only=ON, so neither relmongo nor a table filter can change it. Of the URL's
// parameters only immutable=1 (read a file on read-only media without locking) is honoured;
// writer settings such as journal_mode are ignored because a reader must not change them.
//
// # Schemas and tables
//
// A SQLite database has one schema, "main" (attached databases are not read). Projects name
// tables as {"schema": "main", "name": "Album"}; an empty source.schemas means ["main"].
//
// # Keys
//
// A table's key is its declared primary key (WITHOUT ROWID tables always have one). A rowid
// table without a declared primary key and without a unique index on NOT NULL columns is keyed
// by its rowid: the catalog lists a pseudo column "rowid" (or "_rowid_"/"oid" when a real column
// takes the name) of type INTEGER as its primary key. Like every key column it is read and
// becomes the _id (SINGLE/WRAPPED) but is not a document field; under GENERATED key handling it
// is a field unless the mapping excludes it. Note that VACUUM may renumber the rowids of such
// tables, so re-running a job after a VACUUM writes documents under new _ids (use
// dropCollections).
//
// A primary key that is not an INTEGER PRIMARY KEY may hold NULL in an ordinary SQLite table;
// keyset chunks cannot place such rows, so planning fails with a message naming the table
// rather than skipping them.
//
// Key values travel as text (chunk boundaries, link columns) in a form that keeps their storage
// class: integers in decimal, reals in their shortest round-trip form, text as is, blobs and
// the rare ambiguous text marked with a NUL prefix (keys.go). They are bound back as typed
// values, so comparisons are exact.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/relmongo/relmongo/internal/source"
)

// Source is a pool of read-only connections to one SQLite database file.
type Source struct {
	db   *sql.DB
	path string
}

var _ source.Source = (*Source)(nil)

// busyTimeoutMillis is how long a read waits for a writer's lock before SQLITE_BUSY.
const busyTimeoutMillis = 10000

// Open opens the SQLite database file at path read-only and checks that it is a database.
// params are the URL's parameters (see the package comment); maxConns bounds the pool.
func Open(ctx context.Context, path string, params map[string]string, maxConns int) (*Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving the SQLite path %q: %w", path, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("the SQLite database file %s does not exist (the path is read on the worker's machine; give an absolute path)", abs)
	case err != nil:
		return nil, fmt.Errorf("opening the SQLite database file %s: %w", abs, err)
	case st.IsDir():
		return nil, fmt.Errorf("the SQLite path %s is a directory; give the path of a database file", abs)
	}
	db, err := sql.Open("sqlite", dsn(abs, params))
	if err != nil {
		return nil, fmt.Errorf("opening the SQLite database file %s: %w", abs, err)
	}
	if maxConns > 0 {
		db.SetMaxOpenConns(maxConns)
		db.SetMaxIdleConns(maxConns)
	}
	// Reading sqlite_schema proves the file is a database (a text file fails here, not later).
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM main.sqlite_schema").Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening the SQLite database file %s (is it an SQLite 3 database?): %w", abs, err)
	}
	return &Source{db: db, path: abs}, nil
}

// dsn builds the driver's URI filename: read-only, query_only on every connection, a busy
// timeout, and immutable when asked.
func dsn(abs string, params map[string]string) string {
	q := []string{"mode=ro", "_pragma=busy_timeout(" + fmt.Sprint(busyTimeoutMillis) + ")", "_pragma=query_only(1)"}
	for k, v := range params {
		if strings.EqualFold(k, "immutable") && (v == "1" || strings.EqualFold(v, "true")) {
			q = append(q, "immutable=1")
		}
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/dir/x.db
	}
	return "file:" + escapePath(p) + "?" + strings.Join(q, "&")
}

// escapePath percent-encodes what a URI filename cannot hold literally ('?', '#', '%', spaces
// and control characters); everything else, '/' and UTF-8 included, stays as it is.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '?' || c == '#' || c == '%' || c <= ' ' || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Path returns the absolute path of the database file.
func (s *Source) Path() string { return s.path }

// Close releases the pool.
func (s *Source) Close() { _ = s.db.Close() }

// quoteIdent quotes an identifier with backticks. Double quotes would be safer in standard SQL,
// but SQLite reads a double-quoted name that matches no column as a string literal, which would
// turn a dropped column into a column of constant text; a backtick-quoted name never does.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// quoteTable quotes schema.table.
func quoteTable(schemaName, name string) string {
	if schemaName == "" {
		schemaName = mainSchema
	}
	return quoteIdent(schemaName) + "." + quoteIdent(name)
}
