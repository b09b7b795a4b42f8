package chinook

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

//go:embed Chinook_Sqlite.sql
var sqliteScript string

//go:embed project_sqlite.json
var sqliteProject []byte

// SQLiteTables are Chinook's eleven tables as the SQLite script names them.
var SQLiteTables = []string{"Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine", "MediaType", "Playlist", "PlaylistTrack", "Track"}

// SQLiteProject returns the demo project document for Chinook on SQLite: the PostgreSQL project's
// mapping with SQLite's PascalCase table and column names (project_sqlite_test.go keeps the two
// in step). Both use CAMEL_CASE, which turns "InvoiceLineId" and "invoice_line_id" alike into
// "invoiceLineId", so both sources produce the same documents.
func SQLiteProject() []byte { return append([]byte(nil), sqliteProject...) }

// EnsureSQLite makes path a Chinook SQLite database: it builds one from the shipped script when
// the file does not exist (created reports that), and otherwise checks that the file holds
// Chinook's eleven tables, refusing any other database rather than touching it.
func EnsureSQLite(ctx context.Context, path string) (created bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return true, LoadSQLite(ctx, path)
	} else if err != nil {
		return false, fmt.Errorf("checking the Chinook SQLite database %s: %w", path, err)
	}
	tables, err := sqliteTables(ctx, path)
	if err != nil {
		return false, fmt.Errorf("%s is not a readable SQLite database (%w); remove it, or pass another path, and the demo builds Chinook there", path, err)
	}
	for _, want := range SQLiteTables {
		if !slices.Contains(tables, want) {
			return false, fmt.Errorf("%s exists but is not the Chinook database (table %s is missing); remove it, or pass another path, and the demo builds Chinook there", path, want)
		}
	}
	return false, nil
}

// LoadSQLite builds the Chinook SQLite database at path, which must not exist yet. It writes a
// temporary file next to it and renames it into place, so an interrupted load leaves nothing
// that looks like a finished database.
func LoadSQLite(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("refusing to build Chinook into %s: the file exists", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".chinook-*.db")
	if err != nil {
		return fmt.Errorf("creating a temporary database in %s: %w", dir, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath) //nolint:errcheck // gone after the rename
	db, err := sql.Open("sqlite", "file:"+uriPath(tmpPath)+"?_pragma=foreign_keys(1)")
	if err != nil {
		return fmt.Errorf("opening %s: %w", tmpPath, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// One transaction: the script's 24 statements load in well under a second.
	if _, err := db.ExecContext(ctx, "BEGIN;\n"+sqliteScript+"\nCOMMIT;"); err != nil {
		return fmt.Errorf("loading Chinook into %s: %w", path, err)
	}
	// Statistics give the source's row estimates without counting.
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyzing %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmpPath, err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("moving the Chinook database into place at %s: %w", path, err)
	}
	return nil
}

// sqliteTables lists the tables of the database at path, opened read-only.
func sqliteTables(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name FROM main.sqlite_schema WHERE type = 'table'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// uriPath percent-encodes what an SQLite URI filename cannot hold literally.
func uriPath(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		if abs, err := filepath.Abs(p); err == nil {
			p = filepath.ToSlash(abs)
		}
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // Windows drive letter
		}
	}
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
