package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/relmongo/relmongo/internal/schema"
)

const defaultConnectTimeout = 10 * time.Second

const columnsQuery = `
SELECT n.nspname, c.relname, a.attname,
       format_type(a.atttypid, a.atttypmod),
       bt.typname, bt.typtype, bt.typcategory,
       COALESCE(et.typname, ''),
       NOT a.attnotnull,
       CASE WHEN bt.typname = 'numeric' AND a.atttypmod > 0 THEN ((a.atttypmod - 4) & 65535) ELSE -1 END,
       c.reltuples::bigint
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND NOT c.relispartition
ORDER BY n.nspname, c.relname, a.attnum`

const keysQuery = `
SELECT n.nspname, c.relname, con.conname, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[],
       COALESCE(rn.nspname, ''), COALESCE(rc.relname, ''),
       COALESCE(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[], '{}'),
       COALESCE(bool_and(att.attnotnull), false)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
WHERE n.nspname = ANY($1) AND con.contype IN ('p', 'u', 'f')
GROUP BY n.nspname, c.relname, con.conname, con.contype, con.conkey, con.confkey, con.conrelid, con.confrelid, rn.nspname, rc.relname
ORDER BY n.nspname, c.relname, con.contype, con.conname`

// Introspect reads tables, columns, keys and foreign keys of the given schemas from pg_catalog.
func (s *Source) Introspect(ctx context.Context, schemas []string) (*schema.Catalog, error) {
	rows, err := s.pool.Query(ctx, columnsQuery, schemas)
	if err != nil {
		return nil, fmt.Errorf("reading the PostgreSQL catalog (columns): %w", err)
	}
	cat := &schema.Catalog{}
	index := map[[2]string]int{}
	for rows.Next() {
		var (
			nsp, rel, att, format, typ, typtype, typcat, elem string
			nullable                                          bool
			scale                                             int
			reltuples                                         int64
		)
		if err := rows.Scan(&nsp, &rel, &att, &format, &typ, &typtype, &typcat, &elem, &nullable, &scale, &reltuples); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the PostgreSQL catalog (columns): %w", err)
		}
		k := [2]string{nsp, rel}
		i, ok := index[k]
		if !ok {
			if reltuples < 0 {
				reltuples = -1
			}
			cat.Tables = append(cat.Tables, schema.Table{Schema: nsp, Name: rel, EstimatedRows: reltuples})
			i = len(cat.Tables) - 1
			index[k] = i
		}
		kind, elemKind := kindOf(typ, typtype, typcat, elem)
		cat.Tables[i].Columns = append(cat.Tables[i].Columns, schema.Column{
			Name: att, DataType: format, Kind: kind, Element: elemKind, Nullable: nullable, Scale: scale,
		})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the PostgreSQL catalog (columns): %w", err)
	}
	rows, err = s.pool.Query(ctx, keysQuery, schemas)
	if err != nil {
		return nil, fmt.Errorf("reading the PostgreSQL catalog (constraints): %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			nsp, rel, name, contype, refNsp, refRel string
			cols, refCols                           []string
			notNull                                 bool
		)
		if err := rows.Scan(&nsp, &rel, &name, &contype, &cols, &refNsp, &refRel, &refCols, &notNull); err != nil {
			return nil, fmt.Errorf("reading the PostgreSQL catalog (constraints): %w", err)
		}
		i, ok := index[[2]string{nsp, rel}]
		if !ok {
			continue
		}
		t := &cat.Tables[i]
		switch contype {
		case "p":
			t.PrimaryKey = cols
		case "u":
			if notNull {
				t.UniqueKeys = append(t.UniqueKeys, cols)
			}
		case "f":
			t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{Name: name, Columns: cols, RefSchema: refNsp, RefTable: refRel, RefColumns: refCols})
		}
	}
	return cat, rows.Err()
}
