// Package postgres is the PostgreSQL source: catalog introspection, keyset chunk planning and
// chunk reads inside read-only REPEATABLE READ transactions, decoding every value exactly.
package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/relmongo/relmongo/internal/source"
)

// Source is a PostgreSQL connection pool.
type Source struct {
	pool *pgxpool.Pool
}

var _ source.Source = (*Source)(nil)

// Option tunes Open.
type Option func(*pgxpool.Config)

// WithTracer traces every query of the pool (tests count statements with it).
func WithTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

// Open connects to PostgreSQL with the given pgx connection string and checks that it answers.
// maxConns bounds the pool (the job's maxSourceConnections).
func Open(ctx context.Context, connString string, maxConns int, opts ...Option) (*Source, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("parsing the PostgreSQL connection settings: %w", redact(err))
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	// Every session reads and prints times in UTC: the job's sourceTimeZone, not the server's,
	// decides how wall times are interpreted.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["application_name"] = "relmongo"
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s:%d (database %q, user %q): %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User, err)
	}
	return &Source{pool: pool}, nil
}

// Pool exposes the underlying pool (for tests and tracing).
func (s *Source) Pool() *pgxpool.Pool { return s.pool }

// Close releases the pool.
func (s *Source) Close() { s.pool.Close() }

// redact drops the text of a parse error, which may echo the connection string and its password.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(strings.ToLower(msg), "password") || strings.Contains(msg, "@") {
		return fmt.Errorf("invalid connection string (details hidden because they may contain a password)")
	}
	return err
}

// quoteIdent quotes one identifier for PostgreSQL.
func quoteIdent(name string) string {
	return pgx.Identifier{name}.Sanitize()
}

// quoteTable quotes schema.table.
func quoteTable(schemaName, name string) string {
	return pgx.Identifier{schemaName, name}.Sanitize()
}
