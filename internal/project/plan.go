package project

import "github.com/relmongo/relmongo/internal/convert"

// CollectionPlan is a collection rule resolved against the source catalog: everything a copy
// activity needs to read rows and assemble documents, frozen when the job is prepared so that a
// chunk never re-interprets the project. It is JSON-serializable and travels in workflow inputs.
type CollectionPlan struct {
	Name string `json:"name"`
	// KeyHandling is the effective mode: SINGLE (one key column), WRAPPED or GENERATED.
	KeyHandling string    `json:"keyHandling"`
	Root        TablePlan `json:"root"`
	// Staging is set for a root table without any key: its documents get fresh ObjectIds, it is
	// read in one pass into a staging collection that replaces the target at the end.
	Staging bool `json:"staging,omitempty"`
}

// StagingCollection is the name of the staging collection of a keyless collection for one job.
func (p *CollectionPlan) StagingCollection(jobID string) string {
	short := jobID
	if len(short) > 8 {
		short = short[:8]
	}
	return p.Name + "__relmongo_staging_" + short
}

// TablePlan is one table of a collection's tree: the root, or an embedded table under its parent.
type TablePlan struct {
	Table TableRef `json:"table"`
	// Columns are the columns to read, in select order.
	Columns []ColumnPlan `json:"columns"`
	// KeyColumns are the table's key (primary key, or a unique key on NOT NULL columns), in key
	// order. For the root they drive chunking and _id; empty means the table has no usable key.
	KeyColumns []string    `json:"keyColumns,omitempty"`
	Filter     TableFilter `json:"filter,omitempty"`
	// WindowParams are the values (RFC 3339 texts) of the window parameters (WindowParamNames)
	// of a scheduled run, set on a collection's root only; the source binds them as query
	// parameters of Filter.WhereClause, never pasting them into SQL.
	WindowParams map[string]string `json:"windowParams,omitempty"`
	// EstimatedRows is the catalog estimate when the plan was made (-1 unknown).
	EstimatedRows int64 `json:"estimatedRows"`

	// TextColumns are read a second time as text, after Columns, in this order: the columns that
	// link this table to its parent (LinkColumns) and its children to it (their ParentColumns).
	// Matching on the source's own text form keeps keys exact whatever their type.
	TextColumns []string `json:"textColumns,omitempty"`

	// The fields below describe an embedded table (empty for a collection's root).

	// Kind is EMBEDDED_DOCUMENT_ARRAY or EMBEDDED_DOCUMENT.
	Kind string `json:"kind,omitempty"`
	// Field is the output path of the embedded value under its parent (empty with Merge).
	Field []string `json:"field,omitempty"`
	// LinkColumns of this table equal ParentColumns of the parent row, in order.
	LinkColumns   []string `json:"linkColumns,omitempty"`
	ParentColumns []string `json:"parentColumns,omitempty"`
	// Sort orders array elements (default: the table's key order); Limit keeps the first N.
	Sort      []SortKey `json:"sort,omitempty"`
	Limit     int       `json:"limit,omitempty"`
	Primitive bool      `json:"primitive,omitempty"`
	Merge     bool      `json:"merge,omitempty"`
	// Reverse marks a one-to-one EMBEDDED_DOCUMENT whose single row references the parent.
	Reverse bool `json:"reverse,omitempty"`
	// OmitEmpty leaves out an empty array or a missing document (nullHandling OMIT) instead of
	// writing [] or null.
	OmitEmpty bool `json:"omitEmpty,omitempty"`
	// Embedded are this table's own embedded tables.
	Embedded []TablePlan `json:"embedded,omitempty"`
}

// TextIndex returns the position in a row of the text form of column name (after Columns).
func (t *TablePlan) TextIndex(name string) int {
	for i, c := range t.TextColumns {
		if c == name {
			return len(t.Columns) + i
		}
	}
	return -1
}

// ColumnPlan is one column to read and how it appears in the document.
type ColumnPlan struct {
	Name     string       `json:"name"`
	DataType string       `json:"dataType"`
	Kind     convert.Kind `json:"kind"`
	Element  convert.Kind `json:"element,omitempty"`
	Scale    int          `json:"scale"`
	// Output is the path of the output field; empty when the column is read only for the key.
	Output   []string `json:"output,omitempty"`
	Override string   `json:"override,omitempty"`
	// OmitNull leaves the field out instead of writing null.
	OmitNull bool `json:"omitNull,omitempty"`
	// KeyPart is the 1-based position of the column in the _id, 0 when it is not part of it.
	KeyPart int `json:"keyPart,omitempty"`
	// IDName is the field name of the column inside a WRAPPED _id.
	IDName string `json:"idName,omitempty"`
}

// ConvertColumn returns the conversion description of c.
func (c ColumnPlan) ConvertColumn() convert.Column {
	return convert.Column{Name: c.Name, Kind: c.Kind, Element: c.Element, Scale: c.Scale, Override: c.Override}
}

// Column returns the plan of the named column.
func (t *TablePlan) Column(name string) (ColumnPlan, int, bool) {
	for i, c := range t.Columns {
		if c.Name == name {
			return c, i, true
		}
	}
	return ColumnPlan{}, -1, false
}
