// Package source defines what relmongo needs from a relational database — introspection, key-range
// planning and consistent chunk reads — independently of the dialect. Dialects live in
// subpackages (postgres, later sqlserver and sqlite) and never import Temporal.
package source

import (
	"context"
	"errors"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
)

// ErrBadFilter marks a whereClause that a dialect refuses before running it (a second statement,
// unbalanced parentheses, an unterminated literal): a setup error that retrying cannot fix.
var ErrBadFilter = errors.New("invalid whereClause")

// Source is an open connection pool to one relational database.
type Source interface {
	// Introspect describes the tables of the given schemas.
	Introspect(ctx context.Context, schemas []string) (*schema.Catalog, error)
	// CountRows counts the rows of a table that its filter selects (exact; used for small
	// tables and verification) — the catalog estimate is in schema.Table.EstimatedRows.
	CountRows(ctx context.Context, t project.TablePlan) (int64, error)
	// PlanChunks returns up to max exclusive-lower/inclusive-upper boundaries after `after`
	// (nil = start), each chunkRows rows apart in key order among the rows the filter selects.
	// done reports that the table ends before another full chunk: the last chunk is open-ended.
	PlanChunks(ctx context.Context, t project.TablePlan, after []string, chunkRows int64, max int) (uppers [][]string, done bool, err error)
	// Snapshot opens a read-only, consistent read (REPEATABLE READ on PostgreSQL, SNAPSHOT on SQL
	// Server) in which one chunk's rows are read.
	Snapshot(ctx context.Context, opts SnapshotOptions) (Snapshot, error)
	// Close releases the pool.
	Close()
}

// SnapshotOptions tune a snapshot transaction.
type SnapshotOptions struct {
	// StatementTimeoutMillis bounds each statement (user filters are untrusted SQL); 0 = none.
	StatementTimeoutMillis int64
}

// Row is one row's values in the plan's column order, in the Go representation package convert
// documents for each kind, followed by the text form (string) of each of the plan's TextColumns;
// nil is SQL NULL.
type Row []any

// Snapshot is one consistent read.
type Snapshot interface {
	// ReadRange streams the rows of t with key in (lower, upper] (nil bounds are open) that its
	// filter selects, in key order, calling fn for each. fn must not retain the row after returning.
	ReadRange(ctx context.Context, t project.TablePlan, lower, upper []string, fn func(Row) error) error
	// ReadByKeys streams the rows of an embedded table t whose LinkColumns, in their text form,
	// equal one of keys (each a tuple of len(t.LinkColumns) texts), applying t.Filter, ordered by
	// the link columns and then t.Sort (default: t's key order). It issues one set-based query
	// whatever the number of keys (never one per key).
	ReadByKeys(ctx context.Context, t project.TablePlan, keys [][]string, fn func(Row) error) error
	// Close ends the transaction (read-only: nothing to commit).
	Close(ctx context.Context) error
}
