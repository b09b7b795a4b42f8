// Package chinook ships the Chinook sample database (version 1.4.5, MIT licence: LICENSE.md) and
// relmongo's demo projects for it, and loads it into a PostgreSQL database that relmongo owns or
// builds it as a SQLite file (sqlite.go), which lets the demo run without any database server.
package chinook

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed Chinook_PostgreSql.sql
var postgresScript string

//go:embed project_postgres.json
var postgresProject []byte

// Tables are Chinook's eleven tables (PostgreSQL names).
var Tables = []string{"album", "artist", "customer", "employee", "genre", "invoice", "invoice_line", "media_type", "playlist", "playlist_track", "track"}

// PostgresProject returns the demo project document for Chinook on PostgreSQL.
func PostgresProject() []byte { return append([]byte(nil), postgresProject...) }

// OwnedPrefix is the prefix of every database relmongo's demo and tests create; LoadPostgres
// refuses any other name so it can never drop a user's database.
const OwnedPrefix = "relmongo_"

// LoadPostgres (re)creates database dbName on the server that adminConnString reaches (any
// existing database, e.g. postgres) and loads Chinook into it. dbName must start with
// OwnedPrefix: the database is dropped first.
func LoadPostgres(ctx context.Context, adminConnString, dbName string) error {
	if !strings.HasPrefix(dbName, OwnedPrefix) || strings.ContainsAny(dbName, `"`) {
		return fmt.Errorf("refusing to load Chinook into %q: relmongo only (re)creates databases named %s*", dbName, OwnedPrefix)
	}
	cfg0, err := pgx.ParseConfig(adminConnString)
	if err != nil {
		return fmt.Errorf("invalid PostgreSQL connection string (use postgres://user:pw@host:5432/postgres): %w", err)
	}
	if cfg0.ConnectTimeout == 0 {
		// A server that accepts connections but never answers must not hang the demo.
		cfg0.ConnectTimeout = 10 * time.Second
	}
	admin, err := pgx.ConnectConfig(ctx, cfg0)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL to create %s: %w", dbName, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{dbName}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping the previous %s: %w", dbName, err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("creating database %s: %w", dbName, err)
	}
	cfg := admin.Config().Copy()
	cfg.Database = dbName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", dbName, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	body, err := scriptBody(postgresScript)
	if err != nil {
		return err
	}
	// Without arguments pgx uses the simple protocol, which runs the whole multi-statement script.
	if _, err := conn.Exec(ctx, body); err != nil {
		return fmt.Errorf("loading Chinook into %s: %w", dbName, err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyzing %s: %w", dbName, err)
	}
	return nil
}

// scriptBody drops the script's own DROP/CREATE DATABASE and \c lines: the tables go into the
// database relmongo created, never into one named chinook.
func scriptBody(script string) (string, error) {
	const marker = `\c chinook;`
	i := strings.Index(script, marker)
	if i < 0 {
		return "", fmt.Errorf("the embedded Chinook script has no %q line", marker)
	}
	return script[i+len(marker):], nil
}
