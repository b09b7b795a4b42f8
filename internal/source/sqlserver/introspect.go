package sqlserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/schema"
)

// defaultSchema is read when a project names no schema.
const defaultSchema = "dbo"

// maxSchemas keeps the schema list well under SQL Server's 2,100 parameters per request.
const maxSchemas = 1000

// columnsQuery lists the columns of the user tables of the schemas (%s: the parameter list).
// The base type is the system type of an alias type (sysname -> nvarchar) and the type itself
// for CLR types (hierarchyid, geometry, geography share system_type_id 240). The estimate is
// the row count of the heap or clustered index over all partitions.
const columnsQuery = `
SELECT s.name, t.name, c.name,
       COALESCE(bt.name, ut.name), CAST(c.max_length AS int), CAST(c.precision AS int), CAST(c.scale AS int),
       c.is_nullable, COALESCE(c.collation_name, N''), COALESCE(p.rows, -1)
FROM sys.tables t
JOIN sys.schemas s ON s.schema_id = t.schema_id
JOIN sys.columns c ON c.object_id = t.object_id
JOIN sys.types ut ON ut.user_type_id = c.user_type_id
LEFT JOIN sys.types bt ON bt.user_type_id = c.system_type_id AND c.system_type_id <> 240
OUTER APPLY (SELECT SUM(pa.rows) AS rows FROM sys.partitions pa
             WHERE pa.object_id = t.object_id AND pa.index_id IN (0, 1)) p
WHERE t.is_ms_shipped = 0 AND s.name IN (%s)
ORDER BY s.name, t.name, c.column_id`

// keysQuery lists the key columns of primary keys and of unique indexes without a filter
// (a filtered index is unique only among the rows it covers), primary key first.
const keysQuery = `
SELECT s.name, t.name, i.name, i.is_primary_key, c.name, c.is_nullable
FROM sys.indexes i
JOIN sys.tables t ON t.object_id = i.object_id
JOIN sys.schemas s ON s.schema_id = t.schema_id
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE t.is_ms_shipped = 0 AND s.name IN (%s)
  AND (i.is_primary_key = 1 OR i.is_unique = 1) AND i.has_filter = 0 AND i.is_disabled = 0
  AND i.is_hypothetical = 0 AND ic.is_included_column = 0 AND ic.key_ordinal > 0
ORDER BY s.name, t.name, i.is_primary_key DESC, i.name, ic.key_ordinal`

// foreignKeysQuery lists foreign keys column by column, in constraint column order (composite
// keys keep their pairing).
const foreignKeysQuery = `
SELECT s.name, t.name, fk.name, pc.name, rs.name, rt.name, rc.name
FROM sys.foreign_keys fk
JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.tables t ON t.object_id = fk.parent_object_id
JOIN sys.schemas s ON s.schema_id = t.schema_id
JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.tables rt ON rt.object_id = fk.referenced_object_id
JOIN sys.schemas rs ON rs.schema_id = rt.schema_id
JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE t.is_ms_shipped = 0 AND s.name IN (%s)
ORDER BY s.name, t.name, fk.name, fkc.constraint_column_id`

// schemaParams returns "@p1, @p2, …" and the arguments for the schema list.
func schemaParams(schemas []string) (string, []any, error) {
	if len(schemas) == 0 {
		schemas = []string{defaultSchema}
	}
	if len(schemas) > maxSchemas {
		return "", nil, fmt.Errorf("%d schemas are too many to introspect at once (at most %d)", len(schemas), maxSchemas)
	}
	ps := make([]string, len(schemas))
	args := make([]any, len(schemas))
	for i, s := range schemas {
		ps[i] = fmt.Sprintf("@p%d", i+1)
		args[i] = s
	}
	return strings.Join(ps, ", "), args, nil
}

// Introspect reads tables, columns, keys and foreign keys of the given schemas ("dbo" when none
// is given) from the catalog views.
func (s *Source) Introspect(ctx context.Context, schemas []string) (*schema.Catalog, error) {
	in, args, err := schemaParams(schemas)
	if err != nil {
		return nil, err
	}
	cat := &schema.Catalog{}
	index := map[[2]string]int{}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(columnsQuery, in), args...)
	if err != nil {
		return nil, fmt.Errorf("reading the SQL Server catalog (columns): %w", err)
	}
	for rows.Next() {
		var (
			sch, tbl, col, typ, collation string
			maxLength, precision, scale   int
			nullable                      bool
			estimate                      int64
		)
		if err := rows.Scan(&sch, &tbl, &col, &typ, &maxLength, &precision, &scale, &nullable, &collation, &estimate); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the SQL Server catalog (columns): %w", err)
		}
		k := [2]string{sch, tbl}
		i, ok := index[k]
		if !ok {
			if estimate < 0 {
				estimate = -1
			}
			cat.Tables = append(cat.Tables, schema.Table{Schema: sch, Name: tbl, EstimatedRows: estimate})
			i = len(cat.Tables) - 1
			index[k] = i
		}
		ts := catalogType(typ, maxLength, precision, scale, collation)
		kind, dscale := kindOf(ts)
		cat.Tables[i].Columns = append(cat.Tables[i].Columns, schema.Column{
			Name: col, DataType: ts.String(), Kind: kind, Nullable: nullable, Scale: dscale,
		})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the SQL Server catalog (columns): %w", err)
	}
	if err := s.readKeys(ctx, in, args, cat, index); err != nil {
		return nil, err
	}
	if err := s.readForeignKeys(ctx, in, args, cat, index); err != nil {
		return nil, err
	}
	return cat, nil
}

// indexKey accumulates the columns of one index.
type indexKey struct {
	table   int
	primary bool
	cols    []string
	notNull bool
}

func (s *Source) readKeys(ctx context.Context, in string, args []any, cat *schema.Catalog, index map[[2]string]int) error {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(keysQuery, in), args...)
	if err != nil {
		return fmt.Errorf("reading the SQL Server catalog (keys): %w", err)
	}
	defer rows.Close()
	var keys []*indexKey
	byName := map[[3]string]*indexKey{}
	for rows.Next() {
		var (
			sch, tbl, name, col string
			primary, nullable   bool
		)
		if err := rows.Scan(&sch, &tbl, &name, &primary, &col, &nullable); err != nil {
			return fmt.Errorf("reading the SQL Server catalog (keys): %w", err)
		}
		i, ok := index[[2]string{sch, tbl}]
		if !ok {
			continue
		}
		id := [3]string{sch, tbl, name}
		k := byName[id]
		if k == nil {
			k = &indexKey{table: i, primary: primary, notNull: true}
			byName[id] = k
			keys = append(keys, k)
		}
		k.cols = append(k.cols, col)
		k.notNull = k.notNull && !nullable
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the SQL Server catalog (keys): %w", err)
	}
	for _, k := range keys {
		t := &cat.Tables[k.table]
		switch {
		case k.primary:
			t.PrimaryKey = k.cols
		case k.notNull:
			t.UniqueKeys = append(t.UniqueKeys, k.cols)
		}
	}
	return nil
}

func (s *Source) readForeignKeys(ctx context.Context, in string, args []any, cat *schema.Catalog, index map[[2]string]int) error {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(foreignKeysQuery, in), args...)
	if err != nil {
		return fmt.Errorf("reading the SQL Server catalog (foreign keys): %w", err)
	}
	defer rows.Close()
	type fkID [3]string
	var order []fkID
	fks := map[fkID]*schema.ForeignKey{}
	tables := map[fkID]int{}
	for rows.Next() {
		var sch, tbl, name, col, refSch, refTbl, refCol string
		if err := rows.Scan(&sch, &tbl, &name, &col, &refSch, &refTbl, &refCol); err != nil {
			return fmt.Errorf("reading the SQL Server catalog (foreign keys): %w", err)
		}
		i, ok := index[[2]string{sch, tbl}]
		if !ok {
			continue
		}
		id := fkID{sch, tbl, name}
		fk := fks[id]
		if fk == nil {
			fk = &schema.ForeignKey{Name: name, RefSchema: refSch, RefTable: refTbl}
			fks[id] = fk
			tables[id] = i
			order = append(order, id)
		}
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, refCol)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the SQL Server catalog (foreign keys): %w", err)
	}
	for _, id := range order {
		t := &cat.Tables[tables[id]]
		t.ForeignKeys = append(t.ForeignKeys, *fks[id])
	}
	return nil
}
