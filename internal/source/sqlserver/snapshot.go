package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// begin opens a transaction in SNAPSHOT isolation when the database allows it, else READ
// COMMITTED (Source.IsolationWarning says so), with a lock timeout when one is given so that a
// READ COMMITTED read never waits for a writer forever.
func (s *Source) begin(ctx context.Context, timeout time.Duration) (*sql.Tx, error) {
	level := sql.LevelReadCommitted
	if s.snapshotAllowed {
		level = sql.LevelSnapshot
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: level})
	if err != nil {
		return nil, fmt.Errorf("opening a %s transaction on SQL Server: %w", level, err)
	}
	if timeout > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCK_TIMEOUT %d", timeout.Milliseconds())); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("setting the lock timeout: %w", err)
		}
	}
	return tx, nil
}

// PlanChunks walks the key index: each boundary is the key of the chunkRows-th row after the
// previous one (OFFSET … FETCH NEXT 1 on the key order), read as text in one transaction.
func (s *Source) PlanChunks(ctx context.Context, t project.TablePlan, after []string, chunkRows int64, max int) ([][]string, bool, error) {
	if len(t.KeyColumns) == 0 {
		return nil, true, nil
	}
	tx, err := s.begin(ctx, 0)
	if err != nil {
		return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	var uppers [][]string
	for len(uppers) < max {
		q, args, err := planQuery(t, after, chunkRows)
		if err != nil {
			return nil, false, err
		}
		row := make([]string, len(t.KeyColumns))
		dest := make([]any, len(row))
		for i := range row {
			dest[i] = &row[i]
		}
		err = tx.QueryRowContext(ctx, q, args...).Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			return uppers, true, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
		}
		uppers = append(uppers, row)
		after = row
	}
	return uppers, false, nil
}

// CountRows counts the rows the table's filter (and rowCount) select.
func (s *Source) CountRows(ctx context.Context, t project.TablePlan) (int64, error) {
	q, args, err := countQuery(t)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting rows of %s: %w", t.Table, err)
	}
	return n, nil
}

// Snapshot opens one consistent read: a SNAPSHOT-isolation transaction when the database allows
// it, else READ COMMITTED (see IsolationWarning). SQL Server has no statement timeout setting,
// so each statement runs under a context deadline of opts.StatementTimeoutMillis (the driver
// cancels the request at the deadline); the same bound is the lock timeout.
func (s *Source) Snapshot(ctx context.Context, opts source.SnapshotOptions) (source.Snapshot, error) {
	timeout := time.Duration(opts.StatementTimeoutMillis) * time.Millisecond
	tx, err := s.begin(ctx, timeout)
	if err != nil {
		return nil, err
	}
	return &snapshot{tx: tx, timeout: timeout, warning: s.warning}, nil
}

type snapshot struct {
	tx      *sql.Tx
	timeout time.Duration
	warning string
}

// Warning is "" in SNAPSHOT isolation, else the note of Source.IsolationWarning.
func (sn *snapshot) Warning() string { return sn.warning }

// ReadRange streams one key range of t in key order.
func (sn *snapshot) ReadRange(ctx context.Context, t project.TablePlan, lower, upper []string, fn func(source.Row) error) error {
	q, args, codecs, err := rangeQuery(t, lower, upper)
	if err != nil {
		return err
	}
	return sn.stream(ctx, t, q, args, codecs, fn)
}

// ReadByKeys reads the rows of an embedded table whose link columns match keys with one query
// and one parameter (the keys as JSON, read with OPENJSON), whatever the number of keys.
func (sn *snapshot) ReadByKeys(ctx context.Context, t project.TablePlan, keys [][]string, fn func(source.Row) error) error {
	if len(keys) == 0 {
		return nil
	}
	q, args, codecs, err := byKeysQuery(t, keys)
	if err != nil {
		return err
	}
	return sn.stream(ctx, t, q, args, codecs, fn)
}

func (sn *snapshot) stream(ctx context.Context, t project.TablePlan, q string, args []any, codecs []codec, fn func(source.Row) error) error {
	if sn.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sn.timeout)
		defer cancel()
	}
	rows, err := sn.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", t.Table, timeoutHint(ctx, err, sn.timeout))
	}
	defer rows.Close()
	n := 0
	for _, cd := range codecs {
		n += len(cd.exprs)
	}
	vals := make([]any, n)
	dest := make([]any, n)
	for i := range vals {
		dest[i] = &vals[i]
	}
	row := make(source.Row, len(codecs))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("decoding a row of %s: %w", t.Table, err)
		}
		j := 0
		for i, cd := range codecs {
			row[i] = cd.decode(vals[j : j+len(cd.exprs)])
			j += len(cd.exprs)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", t.Table, timeoutHint(ctx, err, sn.timeout))
	}
	return nil
}

// timeoutHint says which limit ended a statement that hit the statement deadline.
func timeoutHint(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && timeout > 0 {
		return fmt.Errorf("the statement ran longer than the statement timeout of %s (a slow table filter?): %w", timeout, err)
	}
	return err
}

// Close ends the transaction (nothing was written: it is rolled back).
func (sn *snapshot) Close(ctx context.Context) error {
	err := sn.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
