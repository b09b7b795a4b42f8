package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/relmongo/relmongo/internal/schema"
)

// mainSchema is the name of a SQLite connection's own database.
const mainSchema = "main"

// rowidNames are the names SQLite accepts for the rowid, in order of preference: a real column
// may take one of them, hiding the rowid under that name.
var rowidNames = []string{"rowid", "_rowid_", "oid"}

// tableInfo is one table as the pragmas describe it, before foreign keys are resolved.
type tableInfo struct {
	t           schema.Table
	withoutRows bool
	fks         []rawFK
}

// rawFK is one foreign key from pragma_foreign_key_list; to is empty when the key references
// the parent's primary key implicitly.
type rawFK struct {
	id     int
	parent string
	from   []string
	to     []string
}

// Introspect reads the tables of the main schema (the only one a SQLite database has; schemas
// may be empty or ["main"]) from the PRAGMA table-valued functions, in one read transaction.
func (s *Source) Introspect(ctx context.Context, schemas []string) (*schema.Catalog, error) {
	for _, sc := range schemas {
		if sc != mainSchema {
			return nil, fmt.Errorf("a SQLite database has one schema, %q; set the project's source.schemas to [%q] or leave it empty, and name tables with schema %q (got schema %q)", mainSchema, mainSchema, mainSchema, sc)
		}
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("reading the SQLite catalog: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	names, err := tableNames(ctx, tx)
	if err != nil {
		return nil, err
	}
	hasStat, err := hasStat1(ctx, tx)
	if err != nil {
		return nil, err
	}
	infos := make([]*tableInfo, 0, len(names))
	for _, n := range names {
		ti, err := readTable(ctx, tx, n.name, n.withoutRowid, hasStat)
		if err != nil {
			return nil, err
		}
		infos = append(infos, ti)
	}
	return resolveForeignKeys(infos), nil
}

type tableName struct {
	name         string
	withoutRowid bool
}

// tableNames lists ordinary tables (not views, virtual or shadow tables, nor SQLite's own).
func tableNames(ctx context.Context, tx *sql.Tx) ([]tableName, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, wr FROM pragma_table_list WHERE schema = ? AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`, mainSchema)
	if err != nil {
		return nil, fmt.Errorf("reading the SQLite catalog (tables): %w", err)
	}
	defer rows.Close()
	var out []tableName
	for rows.Next() {
		var n tableName
		if err := rows.Scan(&n.name, &n.withoutRowid); err != nil {
			return nil, fmt.Errorf("reading the SQLite catalog (tables): %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the SQLite catalog (tables): %w", err)
	}
	return out, nil
}

func hasStat1(ctx context.Context, tx *sql.Tx) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM main.sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'`).Scan(&n); err != nil {
		return false, fmt.Errorf("reading the SQLite catalog (statistics): %w", err)
	}
	return n > 0, nil
}

// readTable reads one table's columns, keys, foreign keys and row estimate.
func readTable(ctx context.Context, tx *sql.Tx, name string, withoutRowid, hasStat bool) (*tableInfo, error) {
	ti := &tableInfo{t: schema.Table{Schema: mainSchema, Name: name, EstimatedRows: -1}, withoutRows: withoutRowid}
	fail := func(what string, err error) (*tableInfo, error) {
		return nil, fmt.Errorf("reading the SQLite catalog (%s of table %s): %w", what, name, err)
	}
	// hidden: 0 ordinary, 1 hidden column of a virtual table, 2/3 generated columns (readable).
	rows, err := tx.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_xinfo(?, ?) WHERE hidden <> 1 ORDER BY cid`, name, mainSchema)
	if err != nil {
		return fail("columns", err)
	}
	type pkCol struct {
		name string
		pos  int
	}
	var pks []pkCol
	for rows.Next() {
		var (
			col, typ string
			notNull  bool
			pk       int
		)
		if err := rows.Scan(&col, &typ, &notNull, &pk); err != nil {
			rows.Close()
			return fail("columns", err)
		}
		c := columnOf(typ)
		ti.t.Columns = append(ti.t.Columns, schema.Column{Name: col, DataType: typ, Kind: c.kind, Nullable: !notNull, Scale: c.scale})
		if pk > 0 {
			pks = append(pks, pkCol{col, pk})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail("columns", err)
	}
	for pos := 1; pos <= len(pks); pos++ {
		for _, p := range pks {
			if p.pos == pos {
				ti.t.PrimaryKey = append(ti.t.PrimaryKey, p.name)
			}
		}
	}
	// The rowid alias (INTEGER PRIMARY KEY) and WITHOUT ROWID primary keys never hold NULL,
	// whatever the declaration says.
	if withoutRowid || len(ti.t.PrimaryKey) == 1 && strings.EqualFold(strings.TrimSpace(columnType(ti.t, ti.t.PrimaryKey[0])), "INTEGER") {
		for i := range ti.t.Columns {
			for _, k := range ti.t.PrimaryKey {
				if ti.t.Columns[i].Name == k {
					ti.t.Columns[i].Nullable = false
				}
			}
		}
	}
	if ti.t.UniqueKeys, err = uniqueKeys(ctx, tx, ti.t); err != nil {
		return fail("indexes", err)
	}
	if len(ti.t.PrimaryKey) == 0 && len(ti.t.UniqueKeys) == 0 && !withoutRowid {
		if rn := rowidName(ti.t); rn != "" {
			ti.t.Columns = append(ti.t.Columns, schema.Column{Name: rn, DataType: "INTEGER", Kind: columnOf("INTEGER").kind, Scale: -1})
			ti.t.PrimaryKey = []string{rn}
		}
	}
	if ti.fks, err = foreignKeys(ctx, tx, name); err != nil {
		return fail("foreign keys", err)
	}
	if hasStat {
		if ti.t.EstimatedRows, err = statRows(ctx, tx, name); err != nil {
			return fail("statistics", err)
		}
	}
	return ti, nil
}

func columnType(t schema.Table, name string) string {
	c, _ := t.Column(name)
	return c.DataType
}

// rowidName returns the name under which the rowid of t can be read, "" when real columns take
// all three.
func rowidName(t schema.Table) string {
	for _, n := range rowidNames {
		taken := false
		for _, c := range t.Columns {
			if strings.EqualFold(c.Name, n) {
				taken = true
				break
			}
		}
		if !taken {
			return n
		}
	}
	return ""
}

// uniqueKeys returns the complete (not partial), column-only unique indexes of t whose columns
// are all NOT NULL, other than the primary key's own.
func uniqueKeys(ctx context.Context, tx *sql.Tx, t schema.Table) ([][]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_index_list(?, ?) WHERE "unique" = 1 AND partial = 0 AND origin <> 'pk' ORDER BY origin <> 'u', name`, t.Name, mainSchema)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var keys [][]string
	for _, idx := range names {
		cols, usable, err := indexColumns(ctx, tx, idx, t)
		if err != nil {
			return nil, err
		}
		if usable {
			keys = append(keys, cols)
		}
	}
	return keys, nil
}

// indexColumns returns an index's columns; usable is false when it covers an expression or the
// rowid, or a nullable column.
func indexColumns(ctx context.Context, tx *sql.Tx, idx string, t schema.Table) ([]string, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT cid, name FROM pragma_index_info(?, ?) ORDER BY seqno`, idx, mainSchema)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var cols []string
	usable := true
	for rows.Next() {
		var (
			cid  int
			name sql.NullString
		)
		if err := rows.Scan(&cid, &name); err != nil {
			return nil, false, err
		}
		c, ok := t.Column(name.String)
		if cid < 0 || !name.Valid || !ok || c.Nullable {
			usable = false
		}
		cols = append(cols, name.String)
	}
	return cols, usable && len(cols) > 0, rows.Err()
}

// foreignKeys reads the foreign keys of a table, columns in key order.
func foreignKeys(ctx context.Context, tx *sql.Tx, table string) ([]rawFK, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq`, table, mainSchema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fks []rawFK
	for rows.Next() {
		var (
			id           int
			parent, from string
			to           sql.NullString
		)
		if err := rows.Scan(&id, &parent, &from, &to); err != nil {
			return nil, err
		}
		if len(fks) == 0 || fks[len(fks)-1].id != id {
			fks = append(fks, rawFK{id: id, parent: parent})
		}
		fk := &fks[len(fks)-1]
		fk.from = append(fk.from, from)
		if to.Valid {
			fk.to = append(fk.to, to.String)
		}
	}
	return fks, rows.Err()
}

// statRows returns the row count ANALYZE recorded for a table, -1 when there is none.
func statRows(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT stat FROM main.sqlite_stat1 WHERE tbl = ?`, table)
	if err != nil {
		return -1, err
	}
	defer rows.Close()
	for rows.Next() {
		var stat string
		if err := rows.Scan(&stat); err != nil {
			return -1, err
		}
		first, _, _ := strings.Cut(stat, " ")
		if n, err := strconv.ParseInt(first, 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return -1, rows.Err()
}

// resolveForeignKeys names each foreign key and fills in implicit references to the parent's
// primary key. SQLite keeps no constraint names, so a key is named like PostgreSQL's default:
// <table>_<column>[_<column>…]_fkey, with _<n> added when two keys of a table share columns.
func resolveForeignKeys(infos []*tableInfo) *schema.Catalog {
	byName := map[string]*tableInfo{}
	for _, ti := range infos {
		byName[strings.ToLower(ti.t.Name)] = ti
	}
	cat := &schema.Catalog{}
	for _, ti := range infos {
		used := map[string]int{}
		for _, fk := range ti.fks {
			parent, ok := byName[strings.ToLower(fk.parent)]
			if !ok {
				continue // references a table that does not exist: SQLite allows it, nothing to join
			}
			refCols := fk.to
			if len(refCols) == 0 {
				refCols = parent.t.PrimaryKey
			}
			if len(refCols) != len(fk.from) {
				continue
			}
			refCols = canonicalNames(parent.t, refCols)
			from := canonicalNames(ti.t, fk.from)
			name := ti.t.Name + "_" + strings.Join(from, "_") + "_fkey"
			if n := used[name]; n > 0 {
				used[name] = n + 1
				name += "_" + strconv.Itoa(n)
			} else {
				used[name] = 1
			}
			ti.t.ForeignKeys = append(ti.t.ForeignKeys, schema.ForeignKey{Name: name, Columns: from, RefSchema: mainSchema, RefTable: parent.t.Name, RefColumns: refCols})
		}
		cat.Tables = append(cat.Tables, ti.t)
	}
	return cat
}

// canonicalNames spells column names as the table declares them (SQLite names are
// case-insensitive, and a foreign key may spell them differently).
func canonicalNames(t schema.Table, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		for _, c := range t.Columns {
			if strings.EqualFold(c.Name, n) {
				out[i] = c.Name
				break
			}
		}
	}
	return out
}
