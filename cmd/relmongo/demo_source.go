package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/connstr"
)

// defaultDemoPostgres is the PostgreSQL server of `--source postgres` when RELMONGO_PG_URL is unset.
const defaultDemoPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// demoSource is the database the demo job reads, with Chinook loaded.
type demoSource struct {
	typ     string         // jdbcConnectionDetails.type
	url     string         // jdbcConnectionDetails.url
	conn    connstr.Source // the same, parsed, for counting rows
	project []byte         // the Chinook project for this source type
}

// prepareDemoSource loads Chinook into the database that spec names (see `relmongo demo --help`):
// by default a SQLite file in dataDir, built from the shipped script when it is absent, so the
// demo needs no database server at all.
func prepareDemoSource(ctx context.Context, out io.Writer, spec, dataDir string) (*demoSource, error) {
	spec = strings.TrimSpace(spec)
	lower := strings.ToLower(spec)
	switch {
	case spec == "" || lower == "sqlite":
		return prepareSQLite(ctx, out, filepath.Join(dataDir, "chinook.db"))
	case lower == "postgres" || lower == "postgresql":
		return preparePostgres(ctx, out, envOr("RELMONGO_PG_URL", defaultDemoPostgres))
	case hasAnyPrefix(lower, "postgres://", "postgresql://", "jdbc:postgresql:"):
		return preparePostgres(ctx, out, spec)
	case hasAnyPrefix(lower, "sqlite:", "jdbc:sqlite:", "file:"):
		cs, err := connstr.ParseSource(connstr.TypeSQLite, spec, "", "")
		if err != nil {
			return nil, fmt.Errorf("--source: %w", err)
		}
		return prepareSQLite(ctx, out, cs.Path)
	case strings.Contains(spec, "://") || strings.HasPrefix(lower, "jdbc:"):
		return nil, fmt.Errorf("--source: the demo loads Chinook into SQLite or PostgreSQL; give sqlite, a SQLite URL or path, postgres, or a PostgreSQL URL (postgres://user:password@host:5432/postgres)")
	}
	return prepareSQLite(ctx, out, spec) // a plain file path
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// prepareSQLite builds Chinook at path unless it is there already.
func prepareSQLite(ctx context.Context, out io.Writer, path string) (*demoSource, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", path, err)
	}
	created, err := chinook.EnsureSQLite(ctx, abs)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(out, "Built the Chinook SQLite database at %s.\n", abs)
	} else {
		fmt.Fprintf(out, "Using the Chinook SQLite database at %s.\n", abs)
	}
	// sqlite:// + an absolute path, percent-encoded so that '?', '#' and '%' in it stay literal.
	u := "sqlite://" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
	cs, err := connstr.ParseSource(connstr.TypeSQLite, u, "", "")
	if err != nil {
		return nil, fmt.Errorf("the demo's SQLite URL %s: %w", u, err)
	}
	return &demoSource{typ: connstr.TypeSQLite, url: u, conn: cs, project: chinook.SQLiteProject()}, nil
}

// preparePostgres (re)creates the database relmongo_demo on the server of adminURL and loads
// Chinook into it.
func preparePostgres(ctx context.Context, out io.Writer, adminURL string) (*demoSource, error) {
	admin, err := connstr.ParseSource(connstr.TypePostgreSQL, adminURL, "", "")
	if err != nil {
		return nil, fmt.Errorf("--source: %w", err)
	}
	fmt.Fprintf(out, "Loading Chinook into PostgreSQL database %s on %s…\n", demoDatabase, admin.Masked())
	if err := chinook.LoadPostgres(ctx, admin.PgxConnString(), demoDatabase); err != nil {
		return nil, fmt.Errorf("%w (is PostgreSQL running? point --source at it, or run the demo without --source: it then needs no database server)", err)
	}
	u, err := withDatabase(admin.PgxConnString(), demoDatabase)
	if err != nil {
		return nil, err
	}
	cs, err := connstr.ParseSource(connstr.TypePostgreSQL, u, "", "")
	if err != nil {
		return nil, fmt.Errorf("the demo's PostgreSQL URL: %w", err)
	}
	return &demoSource{typ: connstr.TypePostgreSQL, url: u, conn: cs, project: chinook.PostgresProject()}, nil
}

// withDatabase returns connString with its database replaced, as a postgres:// URL.
func withDatabase(connString, db string) (string, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return "", fmt.Errorf("invalid PostgreSQL connection settings: %w", err)
	}
	host := cfg.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", host, cfg.Port), Path: "/" + db}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{}
	if cfg.TLSConfig == nil {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
