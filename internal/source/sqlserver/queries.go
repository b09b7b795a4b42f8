package sqlserver

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/project"
)

// The functions below build every statement the dialect runs, as pure functions of the plan so
// that unit tests can pin the SQL without a server. Parameters are positional strings that
// go-mssqldb names @p1, @p2, …; a parameter may be referenced more than once.

// keyTypes returns the parsed types of the named columns of t.
func keyTypes(t project.TablePlan, names []string, what string) ([]typeSpec, error) {
	out := make([]typeSpec, len(names))
	for i, k := range names {
		c, _, ok := t.Column(k)
		if !ok {
			return nil, fmt.Errorf("%s column %q of %s is not in the plan", what, k, t.Table)
		}
		ts, err := parseType(c.DataType)
		if err != nil {
			return nil, fmt.Errorf("%s column %q of %s: %w", what, k, t.Table, err)
		}
		out[i] = ts
	}
	return out, nil
}

// keysetCond renders "key > bound" (lower, exclusive) or "key <= bound" (upper, inclusive) for
// a possibly composite key as the expansion (a > @p1) OR (a = @p1 AND b > @p2) …, led by a
// redundant a >= @p1 so that the optimizer seeks the key index. Parameters are appended to args.
func keysetCond(t project.TablePlan, bound []string, lower bool, args *[]any) (string, error) {
	n := len(t.KeyColumns)
	if len(bound) != n {
		return "", fmt.Errorf("a key bound of %s has %d values, the key has %d columns", t.Table, len(bound), n)
	}
	types, err := keyTypes(t, t.KeyColumns, "key")
	if err != nil {
		return "", err
	}
	cols := make([]string, n)
	params := make([]string, n)
	for i := range t.KeyColumns {
		cols[i] = quoteIdent(t.KeyColumns[i])
		*args = append(*args, bound[i])
		params[i], err = paramExpr(types[i], fmt.Sprintf("@p%d", len(*args)))
		if err != nil {
			return "", fmt.Errorf("chunking %s on column %s: %w", t.Table, t.KeyColumns[i], err)
		}
	}
	strict, last, lead := ">", ">", ">="
	if !lower {
		strict, last, lead = "<", "<=", "<="
	}
	if n == 1 {
		return cols[0] + " " + last + " " + params[0], nil
	}
	terms := make([]string, n)
	for i := range n {
		var parts []string
		for j := range i {
			parts = append(parts, cols[j]+" = "+params[j])
		}
		op := strict
		if i == n-1 {
			op = last
		}
		parts = append(parts, cols[i]+" "+op+" "+params[i])
		terms[i] = "(" + strings.Join(parts, " AND ") + ")"
	}
	return "(" + cols[0] + " " + lead + " " + params[0] + " AND (" + strings.Join(terms, " OR ") + "))", nil
}

// orderBy lists the quoted columns once each (SQL Server refuses a column twice in ORDER BY),
// with their direction.
type orderBy struct {
	seen  map[string]bool
	terms []string
}

func (o *orderBy) add(col, dir string) {
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	if o.seen[col] {
		return
	}
	o.seen[col] = true
	term := quoteIdent(col)
	if dir == "DESC" {
		term += " DESC"
	}
	o.terms = append(o.terms, term)
}

func (o *orderBy) String() string { return strings.Join(o.terms, ", ") }

func keyOrder(t project.TablePlan) string {
	var o orderBy
	for _, k := range t.KeyColumns {
		o.add(k, "")
	}
	return o.String()
}

// tableSource returns the FROM source of t and the conditions of its filter to AND into the
// outer WHERE. With a rowCount the source is the first rowCount filtered rows in key order — a
// derived table named like the table, holding only the columns relmongo reads — and the filter
// is already applied inside it.
func tableSource(t project.TablePlan) (string, []string, error) {
	f, err := filterSQL(t.Filter.WhereClause)
	if err != nil {
		return "", nil, fmt.Errorf("the filter of %s: %w", t.Table, err)
	}
	base := quoteTable(t.Table.Schema, t.Table.Name)
	rc := t.Filter.RowCount
	if rc == nil {
		if f == "" {
			return base, nil, nil
		}
		return base, []string{"(" + f + ")"}, nil
	}
	if *rc < 0 {
		return "", nil, fmt.Errorf("the rowCount of %s is %d; it must be 0 or more", t.Table, *rc)
	}
	var cols []string
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			cols = append(cols, quoteIdent(name))
		}
	}
	for _, c := range t.Columns {
		add(c.Name)
	}
	for _, names := range [][]string{t.KeyColumns, t.TextColumns, t.LinkColumns} {
		for _, n := range names {
			add(n)
		}
	}
	for _, s := range t.Sort {
		add(s.Column)
	}
	if len(cols) == 0 {
		return "", nil, fmt.Errorf("the plan of %s reads no column", t.Table)
	}
	q := fmt.Sprintf("(SELECT TOP (%d) %s FROM %s", *rc, strings.Join(cols, ", "), base)
	if f != "" {
		q += " WHERE (" + f + ")"
	}
	if len(t.KeyColumns) > 0 {
		q += " ORDER BY " + keyOrder(t)
	}
	return q + ") AS " + quoteIdent(t.Table.Name), nil, nil
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// planQuery selects the text form of the key of the chunkRows-th row after `after` (nil: from
// the start) in key order: one index scan of chunkRows entries per boundary.
func planQuery(t project.TablePlan, after []string, chunkRows int64) (string, []any, error) {
	if len(t.KeyColumns) == 0 {
		return "", nil, fmt.Errorf("%s has no key to plan chunks on", t.Table)
	}
	if chunkRows < 1 {
		return "", nil, fmt.Errorf("chunkRows is %d; it must be at least 1", chunkRows)
	}
	types, err := keyTypes(t, t.KeyColumns, "key")
	if err != nil {
		return "", nil, err
	}
	texts := make([]string, len(types))
	for i, ts := range types {
		texts[i] = textExpr(ts, quoteIdent(t.KeyColumns[i]))
	}
	from, conds, err := tableSource(t)
	if err != nil {
		return "", nil, err
	}
	var args []any
	if after != nil {
		c, err := keysetCond(t, after, true, &args)
		if err != nil {
			return "", nil, err
		}
		conds = append([]string{c}, conds...)
	}
	q := fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s OFFSET %d ROWS FETCH NEXT 1 ROWS ONLY",
		strings.Join(texts, ", "), from, whereClause(conds), keyOrder(t), chunkRows-1)
	return q, args, nil
}

// countQuery counts the rows the filter (and rowCount) select.
func countQuery(t project.TablePlan) (string, []any, error) {
	from, conds, err := tableSource(t)
	if err != nil {
		return "", nil, err
	}
	return "SELECT COUNT_BIG(*) FROM " + from + whereClause(conds), nil, nil
}

// rangeQuery selects t's rows with key in (lower, upper] in key order.
func rangeQuery(t project.TablePlan, lower, upper []string) (string, []any, []codec, error) {
	exprs, codecs, err := selectList(t)
	if err != nil {
		return "", nil, nil, err
	}
	from, filter, err := tableSource(t)
	if err != nil {
		return "", nil, nil, err
	}
	var conds []string
	var args []any
	if lower != nil {
		c, err := keysetCond(t, lower, true, &args)
		if err != nil {
			return "", nil, nil, err
		}
		conds = append(conds, c)
	}
	if upper != nil {
		c, err := keysetCond(t, upper, false, &args)
		if err != nil {
			return "", nil, nil, err
		}
		conds = append(conds, c)
	}
	conds = append(conds, filter...)
	q := fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(exprs, ", "), from, whereClause(conds))
	if len(t.KeyColumns) > 0 {
		q += " ORDER BY " + keyOrder(t)
	}
	return q, args, codecs, nil
}

// keysAlias and keyColumn name the derived table of the key set and its columns; the prefix
// keeps them apart from the table's own column names, which the query uses unqualified.
const keysAlias = "[relmongo_keys]"

func keyColumn(i int) string { return fmt.Sprintf("[relmongo_k%d]", i) }

// byKeysQuery selects the rows of t whose link columns equal one of keys: the key set is ONE
// JSON parameter (an array of text tuples) read with OPENJSON, each text cast to its column's
// type and collation, so the request has one parameter whatever the number of keys.
func byKeysQuery(t project.TablePlan, keys [][]string) (string, []any, []codec, error) {
	n := len(t.LinkColumns)
	if n == 0 {
		return "", nil, nil, fmt.Errorf("%s is read by keys but has no link columns", t.Table)
	}
	for _, k := range keys {
		if len(k) != n {
			return "", nil, nil, fmt.Errorf("reading %s: a key has %d values, the link has %d columns", t.Table, len(k), n)
		}
	}
	types, err := keyTypes(t, t.LinkColumns, "link")
	if err != nil {
		return "", nil, nil, err
	}
	exprs, codecs, err := selectList(t)
	if err != nil {
		return "", nil, nil, err
	}
	from, filter, err := tableSource(t)
	if err != nil {
		return "", nil, nil, err
	}
	payload, err := json.Marshal(keys)
	if err != nil {
		return "", nil, nil, fmt.Errorf("encoding the keys of %s: %w", t.Table, err)
	}
	with := make([]string, n)
	casts := make([]string, n)
	on := make([]string, n)
	for i, ts := range types {
		with[i] = fmt.Sprintf("%s nvarchar(max) '$[%d]'", keyColumn(i), i)
		p, err := paramExpr(ts, keyColumn(i))
		if err != nil {
			return "", nil, nil, fmt.Errorf("matching %s on column %s: %w", t.Table, t.LinkColumns[i], err)
		}
		casts[i] = p + " AS " + keyColumn(i)
		on[i] = quoteIdent(t.LinkColumns[i]) + " = " + keysAlias + "." + keyColumn(i)
	}
	join := fmt.Sprintf(" JOIN (SELECT DISTINCT %s FROM OPENJSON(@p1) WITH (%s) AS [relmongo_json]) AS %s ON %s",
		strings.Join(casts, ", "), strings.Join(with, ", "), keysAlias, strings.Join(on, " AND "))
	var o orderBy
	for _, c := range t.LinkColumns {
		o.add(c, "")
	}
	for _, s := range t.Sort {
		o.add(s.Column, strings.ToUpper(s.Order))
	}
	for _, k := range t.KeyColumns {
		o.add(k, "")
	}
	q := fmt.Sprintf("SELECT %s FROM %s%s%s ORDER BY %s", strings.Join(exprs, ", "), from, join, whereClause(filter), o.String())
	return q, []any{string(payload)}, codecs, nil
}
