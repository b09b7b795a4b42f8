// Package store keeps relmongo's metadata: projects, saved connections (as
// opaque ciphertext), job records, per-collection and per-chunk progress, and
// job events.
//
// The default backend is one SQLite file (modernc.org/sqlite, pure Go) in WAL
// mode. Writes go through a single connection that opens every transaction
// with BEGIN IMMEDIATE, so concurrent activities queue in Go instead of
// failing with SQLITE_BUSY, and a busy_timeout covers other processes that
// share the file. Reads use a separate pool of query-only connections, which
// WAL lets run alongside the writer.
//
// The SQL is portable (plain types, "?" placeholders rewritten per dialect,
// INSERT ... ON CONFLICT upserts, timestamps as unix milliseconds in BIGINT
// columns, JSON as TEXT), so the PostgreSQL backend (OpenPostgres; Open picks
// the backend from the spec) only brings its dialect: placeholders, migrations,
// error codes and advisory locks. PostgreSQL lets api and worker processes on
// several hosts share one store; postgres.go explains how each
// read-modify-write transaction stays correct when they write at once.
//
// Every error that callers must react to wraps ErrNotFound, ErrConflict or
// ErrInvalid; test with errors.Is.
package store
