package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// keyExprs returns the quoted key columns and the typed placeholders ($n::type) for a bound
// starting at parameter number first.
func keyExprs(t project.TablePlan, first int) (cols, params string, err error) {
	qc := make([]string, len(t.KeyColumns))
	qp := make([]string, len(t.KeyColumns))
	for i, k := range t.KeyColumns {
		c, _, ok := t.Column(k)
		if !ok {
			return "", "", fmt.Errorf("key column %q of %s is not in the plan", k, t.Table)
		}
		qc[i] = quoteIdent(k)
		// Bounds travel as text and are cast back to the column's own type, so the server
		// compares them exactly (no float64, collation of the column).
		qp[i] = fmt.Sprintf("$%d::%s", first+i, c.DataType)
	}
	return "(" + strings.Join(qc, ", ") + ")", "(" + strings.Join(qp, ", ") + ")", nil
}

func orderBy(t project.TablePlan) string {
	q := make([]string, len(t.KeyColumns))
	for i, k := range t.KeyColumns {
		q[i] = quoteIdent(k)
	}
	return strings.Join(q, ", ")
}

// whereFor builds the WHERE clause for (lower, upper] plus the table filter; args are appended.
func whereFor(t project.TablePlan, lower, upper []string) (string, []any, error) {
	var conds []string
	var args []any
	if lower != nil {
		cols, params, err := keyExprs(t, len(args)+1)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, cols+" > "+params)
		for _, v := range lower {
			args = append(args, v)
		}
	}
	if upper != nil {
		cols, params, err := keyExprs(t, len(args)+1)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, cols+" <= "+params)
		for _, v := range upper {
			args = append(args, v)
		}
	}
	if w := strings.TrimSpace(t.Filter.WhereClause); w != "" {
		bound, vals, err := bindWindowParams(w, t.WindowParams, len(args)+1)
		if err != nil {
			return "", nil, fmt.Errorf("filter of %s: %w", t.Table, err)
		}
		conds = append(conds, "("+bound+"\n)") // the line break ends a trailing "--" comment of the filter
		args = append(args, vals...)
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// PlanChunks walks the key index: each boundary is the key of the chunkRows-th row after the
// previous one, read with OFFSET on the key order (one index scan of chunkRows entries per
// boundary), so planning never loads the table.
func (s *Source) PlanChunks(ctx context.Context, t project.TablePlan, after []string, chunkRows int64, max int) ([][]string, bool, error) {
	if len(t.KeyColumns) == 0 {
		return nil, true, nil
	}
	texts := make([]string, len(t.KeyColumns))
	for i, k := range t.KeyColumns {
		// Aliased: ORDER BY must sort by the typed key, not by an output column of its text.
		texts[i] = fmt.Sprintf("%s::text AS k%d", quoteIdent(k), i)
	}
	var uppers [][]string
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	for len(uppers) < max {
		where, args, err := whereFor(t, after, nil)
		if err != nil {
			return nil, false, err
		}
		q := fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s OFFSET %d LIMIT 1",
			strings.Join(texts, ", "), quoteTable(t.Table.Schema, t.Table.Name), where, orderBy(t), chunkRows-1)
		row := make([]string, len(texts))
		dest := make([]any, len(texts))
		for i := range row {
			dest[i] = &row[i]
		}
		err = tx.QueryRow(ctx, q, args...).Scan(dest...)
		if err == pgx.ErrNoRows {
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

// CountRows counts the rows the table's filter selects.
func (s *Source) CountRows(ctx context.Context, t project.TablePlan) (int64, error) {
	where, args, err := whereFor(t, nil, nil)
	if err != nil {
		return 0, err
	}
	// The filter is untrusted SQL: count in a read-only transaction like every other read.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, fmt.Errorf("counting rows of %s: %w", t.Table, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var n int64
	q := fmt.Sprintf("SELECT count(*) FROM %s%s", quoteTable(t.Table.Schema, t.Table.Name), where)
	if err := tx.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting rows of %s: %w", t.Table, err)
	}
	return n, nil
}

// Snapshot opens a read-only REPEATABLE READ transaction with UTC session time and a statement
// timeout.
func (s *Source) Snapshot(ctx context.Context, opts source.SnapshotOptions) (source.Snapshot, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("opening a snapshot transaction: %w", err)
	}
	if opts.StatementTimeoutMillis > 0 {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", opts.StatementTimeoutMillis)); err != nil {
			_ = tx.Rollback(ctx)
			return nil, fmt.Errorf("setting the statement timeout: %w", err)
		}
	}
	return &snapshot{tx: tx}, nil
}

type snapshot struct {
	tx pgx.Tx
}

// selectList returns the select expressions of t's columns followed by the text form of its
// TextColumns, and the codecs that decode them.
func selectList(t project.TablePlan) ([]string, []codec) {
	n := len(t.Columns) + len(t.TextColumns)
	exprs := make([]string, 0, n)
	codecs := make([]codec, 0, n)
	for _, c := range t.Columns {
		cd := codecFor(c)
		codecs = append(codecs, cd)
		exprs = append(exprs, fmt.Sprintf("%s AS c%d", cd.expr(quoteIdent(c.Name)), len(exprs)))
	}
	// Output names are positional aliases so that ORDER BY and WHERE always mean the table's own
	// columns, never a select expression of the same name (a column read twice, or as text).
	for _, name := range t.TextColumns {
		cd := textCodec(asText)
		codecs = append(codecs, cd)
		exprs = append(exprs, fmt.Sprintf("%s AS c%d", cd.expr(quoteIdent(name)), len(exprs)))
	}
	return exprs, codecs
}

// ReadRange streams one key range of t in key order.
func (sn *snapshot) ReadRange(ctx context.Context, t project.TablePlan, lower, upper []string, fn func(source.Row) error) error {
	exprs, codecs := selectList(t)
	where, args, err := whereFor(t, lower, upper)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(exprs, ", "), quoteTable(t.Table.Schema, t.Table.Name), where)
	if len(t.KeyColumns) > 0 {
		q += " ORDER BY " + orderBy(t)
	}
	return sn.stream(ctx, t, q, args, codecs, fn)
}

// ReadByKeys reads the rows of an embedded table whose link columns match keys, with one query:
// the keys travel as one text array per link column, unnested in step and cast to the columns'
// types, so the server compares typed values and uses the link columns' index.
func (sn *snapshot) ReadByKeys(ctx context.Context, t project.TablePlan, keys [][]string, fn func(source.Row) error) error {
	if len(keys) == 0 {
		return nil
	}
	exprs, codecs := selectList(t)
	n := len(t.LinkColumns)
	arrays := make([][]string, n)
	for _, k := range keys {
		if len(k) != n {
			return fmt.Errorf("reading %s: a key has %d values, the link has %d columns", t.Table, len(k), n)
		}
		for i, v := range k {
			arrays[i] = append(arrays[i], v)
		}
	}
	cols := make([]string, n)
	unnest := make([]string, n)
	args := make([]any, n)
	for i, name := range t.LinkColumns {
		c, _, ok := t.Column(name)
		if !ok {
			return fmt.Errorf("link column %q of %s is not in the plan", name, t.Table)
		}
		cols[i] = quoteIdent(name)
		unnest[i] = fmt.Sprintf("$%d::text[]::%s[]", i+1, c.DataType)
		args[i] = arrays[i]
	}
	var where string
	if n == 1 {
		where = fmt.Sprintf("%s = ANY(%s)", cols[0], unnest[0])
	} else {
		where = fmt.Sprintf("(%s) IN (SELECT * FROM unnest(%s))", strings.Join(cols, ", "), strings.Join(unnest, ", "))
	}
	if w := strings.TrimSpace(t.Filter.WhereClause); w != "" {
		bound, vals, err := bindWindowParams(w, t.WindowParams, len(args)+1)
		if err != nil {
			return fmt.Errorf("filter of %s: %w", t.Table, err)
		}
		where += " AND (" + bound + "\n)"
		args = append(args, vals...)
	}
	order := append([]string(nil), cols...)
	if len(t.Sort) > 0 {
		for _, s := range t.Sort {
			dir := "ASC"
			if s.Order == "DESC" {
				dir = "DESC"
			}
			order = append(order, quoteIdent(s.Column)+" "+dir)
		}
	}
	for _, k := range t.KeyColumns {
		order = append(order, quoteIdent(k))
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s", strings.Join(exprs, ", "),
		quoteTable(t.Table.Schema, t.Table.Name), where, strings.Join(order, ", "))
	return sn.stream(ctx, t, q, args, codecs, fn)
}

func (sn *snapshot) stream(ctx context.Context, t project.TablePlan, q string, args []any, codecs []codec, fn func(source.Row) error) error {
	targets := make([]any, len(codecs))
	for i, cd := range codecs {
		targets[i] = cd.target()
	}
	rows, err := sn.tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", t.Table, err)
	}
	defer rows.Close()
	row := make(source.Row, len(codecs))
	for rows.Next() {
		if err := rows.Scan(targets...); err != nil {
			return fmt.Errorf("decoding a row of %s: %w", t.Table, err)
		}
		for i := range codecs {
			v, err := codecs[i].value(targets[i])
			if err != nil {
				return err
			}
			row[i] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", t.Table, err)
	}
	return nil
}

// Close ends the read-only transaction.
func (sn *snapshot) Close(ctx context.Context) error {
	return sn.tx.Rollback(ctx)
}
