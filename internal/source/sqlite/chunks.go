package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// querier is what *sql.Tx and *sql.DB share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// part is one column of a key or link, with the affinity its values are bound back with.
type part struct {
	name string
	aff  affinity
}

// parts describes the named columns of t. Their declared types come from the plan, or from the
// live table for a link column the plan does not read as a value.
func (s *Source) parts(ctx context.Context, q querier, t project.TablePlan, names []string) ([]part, error) {
	out := make([]part, len(names))
	for i, n := range names {
		declared, err := s.declaredType(ctx, q, t, n)
		if err != nil {
			return nil, err
		}
		out[i] = part{name: n, aff: affinityOf(declared)}
	}
	return out, nil
}

// declaredType returns the declared type of column name of t.
func (s *Source) declaredType(ctx context.Context, q querier, t project.TablePlan, name string) (string, error) {
	if c, _, ok := t.Column(name); ok {
		return c.DataType, nil
	}
	var typ string
	err := q.QueryRowContext(ctx, `SELECT type FROM pragma_table_xinfo(?, ?) WHERE name = ?`, t.Table.Name, mainSchema, name).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
		if isRowidName(name) {
			return "INTEGER", nil
		}
		return "", fmt.Errorf("column %q of %s does not exist", name, t.Table)
	}
	if err != nil {
		return "", fmt.Errorf("reading the type of column %q of %s: %w", name, t.Table, err)
	}
	return typ, nil
}

func isRowidName(name string) bool {
	for _, n := range rowidNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

func quotedNames(ps []part) []string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = quoteIdent(p.name)
	}
	return q
}

// tuple renders one column or a row value "(a, b)".
func tuple(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return "(" + strings.Join(items, ", ") + ")"
}

// bind turns a key's text form back into typed values.
func bind(ps []part, texts []string, t project.TablePlan) ([]any, error) {
	if len(texts) != len(ps) {
		return nil, fmt.Errorf("reading %s: a key has %d values, the key has %d columns", t.Table, len(texts), len(ps))
	}
	out := make([]any, len(ps))
	for i, p := range ps {
		v, err := decodeKey(p.aff, texts[i])
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", t.Table, err)
		}
		out[i] = v
	}
	return out, nil
}

// whereFor builds the WHERE clause for keys in (lower, upper] plus the table filter. Bounds are
// bound as typed values, so SQLite compares them exactly, in its own order of storage classes.
func whereFor(keys []part, t project.TablePlan, lower, upper []string) (string, []any, error) {
	var conds []string
	var args []any
	cols := tuple(quotedNames(keys))
	marks := make([]string, len(keys))
	for i := range marks {
		marks[i] = "?"
	}
	for _, b := range []struct {
		texts []string
		op    string
	}{{lower, " > "}, {upper, " <= "}} {
		if b.texts == nil {
			continue
		}
		vals, err := bind(keys, b.texts, t)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, cols+b.op+tuple(marks))
		args = append(args, vals...)
	}
	f, err := filterSQL(t.Filter.WhereClause)
	if err != nil {
		return "", nil, fmt.Errorf("table filter of %s: %w", t.Table, err)
	}
	if f != "" {
		conds = append(conds, "("+f+")")
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// PlanChunks walks the key order: each boundary is the key of the chunkRows-th row after the
// previous one (OFFSET on the key index), read in one read transaction.
func (s *Source) PlanChunks(ctx context.Context, t project.TablePlan, after []string, chunkRows int64, max int) ([][]string, bool, error) {
	if len(t.KeyColumns) == 0 {
		return nil, true, nil
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	keys, err := s.parts(ctx, tx, t, t.KeyColumns)
	if err != nil {
		return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
	}
	if after == nil {
		if err := checkNullKeys(ctx, tx, keys, t); err != nil {
			return nil, false, err
		}
	}
	sel := make([]string, len(keys))
	for i, k := range keys {
		sel[i] = "+" + quoteIdent(k.name)
	}
	var uppers [][]string
	for len(uppers) < max {
		where, args, err := whereFor(keys, t, after, nil)
		if err != nil {
			return nil, false, err
		}
		q := fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s LIMIT 1 OFFSET %d", strings.Join(sel, ", "),
			quoteTable(t.Table.Schema, t.Table.Name), where, strings.Join(quotedNames(keys), ", "), chunkRows-1)
		raw := make([]any, len(keys))
		dest := make([]any, len(keys))
		for i := range raw {
			dest[i] = &raw[i]
		}
		err = tx.QueryRowContext(ctx, q, args...).Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			return uppers, true, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
		}
		row := make([]string, len(keys))
		for i, k := range keys {
			if raw[i] == nil {
				return nil, false, fmt.Errorf("planning chunks of %s: key column %s is NULL in a row (checked before; was the table changed meanwhile?)", t.Table, k.name)
			}
			if row[i], err = encodeKey(k.aff, raw[i]); err != nil {
				return nil, false, fmt.Errorf("planning chunks of %s: %w", t.Table, err)
			}
		}
		uppers = append(uppers, row)
		after = row
	}
	return uppers, false, nil
}

// checkNullKeys refuses a table whose key holds NULL in a row its filter selects: SQLite allows
// it in a primary key that is not an INTEGER PRIMARY KEY, and such rows have no place in key
// order, so they would be skipped silently.
func checkNullKeys(ctx context.Context, q querier, keys []part, t project.TablePlan) error {
	isNull := make([]string, len(keys))
	for i, k := range keys {
		isNull[i] = quoteIdent(k.name) + " IS NULL"
	}
	where := "(" + strings.Join(isNull, " OR ") + ")"
	f, err := filterSQL(t.Filter.WhereClause)
	if err != nil {
		return fmt.Errorf("table filter of %s: %w", t.Table, err)
	}
	if f != "" {
		where += " AND (" + f + ")"
	}
	var n int64
	q1 := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", quoteTable(t.Table.Schema, t.Table.Name), where)
	if err := q.QueryRowContext(ctx, q1).Scan(&n); err != nil {
		return fmt.Errorf("planning chunks of %s: %w", t.Table, err)
	}
	if n > 0 {
		names := strings.Join(quotedNames(keys), ", ")
		return fmt.Errorf("table %s has %d row(s) with NULL in its key (%s), which SQLite allows in a primary key that is not an INTEGER PRIMARY KEY; "+
			"they cannot be keyed or chunked: give them key values, or exclude them with a table filter (whereClause %q)", t.Table, n, names, notNullFilter(keys))
	}
	return nil
}

func notNullFilter(keys []part) string {
	conds := make([]string, len(keys))
	for i, k := range keys {
		conds[i] = k.name + " IS NOT NULL"
	}
	return strings.Join(conds, " AND ")
}

// CountRows counts the rows the table's filter selects.
func (s *Source) CountRows(ctx context.Context, t project.TablePlan) (int64, error) {
	f, err := filterSQL(t.Filter.WhereClause)
	if err != nil {
		return 0, fmt.Errorf("table filter of %s: %w", t.Table, err)
	}
	q := "SELECT count(*) FROM " + quoteTable(t.Table.Schema, t.Table.Name)
	if f != "" {
		q += " WHERE (" + f + ")"
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting rows of %s: %w", t.Table, err)
	}
	return n, nil
}

// Snapshot opens a read transaction on one connection of the pool. SQLite takes the read snapshot
// at the first read and keeps it until the end (WAL) or holds a shared lock meanwhile (rollback
// journal), so every statement of the snapshot sees the same data. SQLite has no statement
// timeout: each statement runs under a context with the timeout instead. The driver interrupts a
// statement still computing its first row when that context ends; after the first row it stops
// at the next row boundary (a single step that scans far without a match runs to its end).
func (s *Source) Snapshot(ctx context.Context, opts source.SnapshotOptions) (source.Snapshot, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("opening a read transaction on %s: %w", s.path, err)
	}
	return &snapshot{s: s, tx: tx, timeout: time.Duration(opts.StatementTimeoutMillis) * time.Millisecond}, nil
}

type snapshot struct {
	s       *Source
	tx      *sql.Tx
	timeout time.Duration
}

// codec decodes one selected value: a column's value, or the text form of a link column.
type codec struct {
	col      column
	planKind convert.Kind
	text     bool
	aff      affinity
}

// selectList returns the select expressions of t's columns followed by its TextColumns, with
// their codecs. Every column is read through unary plus, which returns the value unchanged but
// without its declared type, so the driver does not turn DATE/DATETIME text into time.Time.
func (sn *snapshot) selectList(ctx context.Context, t project.TablePlan) ([]string, []codec, error) {
	exprs := make([]string, 0, len(t.Columns)+len(t.TextColumns))
	codecs := make([]codec, 0, cap(exprs))
	for _, c := range t.Columns {
		exprs = append(exprs, "+"+quoteIdent(c.Name))
		codecs = append(codecs, codec{col: columnOf(c.DataType), planKind: c.Kind})
	}
	texts, err := sn.s.parts(ctx, sn.tx, t, t.TextColumns)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range texts {
		exprs = append(exprs, "+"+quoteIdent(p.name))
		codecs = append(codecs, codec{text: true, aff: p.aff})
	}
	return exprs, codecs, nil
}

// ReadRange streams the rows of t with key in (lower, upper] in key order.
func (sn *snapshot) ReadRange(ctx context.Context, t project.TablePlan, lower, upper []string, fn func(source.Row) error) error {
	exprs, codecs, err := sn.selectList(ctx, t)
	if err != nil {
		return err
	}
	keys, err := sn.s.parts(ctx, sn.tx, t, t.KeyColumns)
	if err != nil {
		return err
	}
	where, args, err := whereFor(keys, t, lower, upper)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(exprs, ", "), quoteTable(t.Table.Schema, t.Table.Name), where)
	if len(keys) > 0 {
		q += " ORDER BY " + strings.Join(quotedNames(keys), ", ")
	}
	return sn.stream(ctx, t, q, args, codecs, fn)
}

// ReadByKeys reads the rows of an embedded table whose link columns equal one of keys, with one
// query: the keys travel as one JSON array bound to a single parameter and unpacked by json_each,
// each value typed as it was read (integers and reals as JSON numbers, text as strings, blobs and
// text that JSON cannot carry byte for byte as hex). The link columns' affinity applies to them
// as in any comparison, and SQLite probes the link columns' index for each key.
func (sn *snapshot) ReadByKeys(ctx context.Context, t project.TablePlan, keys [][]string, fn func(source.Row) error) error {
	if len(keys) == 0 {
		return nil
	}
	exprs, codecs, err := sn.selectList(ctx, t)
	if err != nil {
		return err
	}
	links, err := sn.s.parts(ctx, sn.tx, t, t.LinkColumns)
	if err != nil {
		return err
	}
	if len(links) == 0 {
		return fmt.Errorf("reading %s: the embedded table has no link columns", t.Table)
	}
	arg, err := keysJSON(links, keys, t)
	if err != nil {
		return err
	}
	elems := make([]string, len(links))
	for i := range links {
		p := fmt.Sprintf("'$[%d]'", i)
		o := fmt.Sprintf("'$[%d].", i)
		elems[i] = fmt.Sprintf("CASE json_type(value, %s) WHEN 'object' THEN coalesce(unhex(json_extract(value, %sb')), CAST(unhex(json_extract(value, %st')) AS TEXT)) ELSE json_extract(value, %s) END", p, o, o, p)
	}
	where := fmt.Sprintf("%s IN (SELECT %s FROM json_each(?))", tuple(quotedNames(links)), strings.Join(elems, ", "))
	f, err := filterSQL(t.Filter.WhereClause)
	if err != nil {
		return fmt.Errorf("table filter of %s: %w", t.Table, err)
	}
	if f != "" {
		where += " AND (" + f + ")"
	}
	order := quotedNames(links)
	for _, srt := range t.Sort {
		dir := "ASC"
		if srt.Order == "DESC" {
			dir = "DESC"
		}
		order = append(order, quoteIdent(srt.Column)+" "+dir)
	}
	for _, k := range t.KeyColumns {
		order = append(order, quoteIdent(k))
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s", strings.Join(exprs, ", "),
		quoteTable(t.Table.Schema, t.Table.Name), where, strings.Join(order, ", "))
	return sn.stream(ctx, t, q, []any{arg}, codecs, fn)
}

// keysJSON renders keys as a JSON array of arrays of typed values (see ReadByKeys).
func keysJSON(links []part, keys [][]string, t project.TablePlan) (string, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		vals, err := bind(links, k, t)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, v := range vals {
			if j > 0 {
				b.WriteByte(',')
			}
			writeJSONValue(&b, v)
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String(), nil
}

// writeJSONValue writes one key value. Reals use their shortest round-trip form, which SQLite's
// JSON parser reads back to the same double; infinities use the JSON5 words SQLite accepts.
func writeJSONValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		}
	case []byte:
		b.WriteString(`{"b":"` + hex.EncodeToString(x) + `"}`)
	case string:
		if !utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0 {
			b.WriteString(`{"t":"` + hex.EncodeToString([]byte(x)) + `"}`)
			return
		}
		q, _ := json.Marshal(x) // cannot fail for a string; valid UTF-8 round-trips exactly
		b.Write(q)
	}
}

func (sn *snapshot) stream(ctx context.Context, t project.TablePlan, q string, args []any, codecs []codec, fn func(source.Row) error) error {
	if sn.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sn.timeout)
		defer cancel()
	}
	rows, err := sn.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", t.Table, timeoutHint(ctx, err))
	}
	defer rows.Close()
	raw := make([]any, len(codecs))
	dest := make([]any, len(codecs))
	for i := range raw {
		dest[i] = &raw[i]
	}
	row := make(source.Row, len(codecs))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("reading a row of %s: %w", t.Table, err)
		}
		for i, cd := range codecs {
			switch {
			case raw[i] == nil:
				row[i] = nil
			case cd.text:
				s, err := encodeKey(cd.aff, raw[i])
				if err != nil {
					return fmt.Errorf("reading a row of %s: %w", t.Table, err)
				}
				row[i] = s
			default:
				row[i] = decode(cd.col, cd.planKind, raw[i])
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", t.Table, timeoutHint(ctx, err))
	}
	return nil
}

// timeoutHint explains a statement stopped by the snapshot's timeout.
func timeoutHint(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w (the statement timeout was reached: simplify the whereClause or add an index)", err)
	}
	return err
}

// Close ends the read transaction.
func (sn *snapshot) Close(context.Context) error {
	return sn.tx.Rollback()
}
