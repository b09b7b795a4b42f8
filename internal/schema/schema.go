// Package schema is the source-neutral description of a relational catalog: tables, columns, keys
// and foreign keys, as a source dialect introspects them. It is pure data so that project
// validation, default mappings and chunk planning can share it without importing a driver.
package schema

import "github.com/relmongo/relmongo/internal/convert"

// Column is one column of a table.
type Column struct {
	Name string `json:"name"`
	// DataType is the catalog's type name as the dialect spells it in a cast (e.g. "integer",
	// "character varying", "numeric", "timestamp without time zone", "int", "nvarchar").
	DataType string `json:"dataType"`
	// Kind is the normalized conversion kind the dialect chose for DataType.
	Kind convert.Kind `json:"kind"`
	// Element is the element kind when Kind is an array.
	Element  convert.Kind `json:"element,omitempty"`
	Nullable bool         `json:"nullable"`
	// Scale is the declared scale of a decimal column, -1 when unknown or not applicable.
	Scale int `json:"scale"`
}

// ForeignKey is a foreign-key constraint from Columns of its table to RefColumns of RefTable.
type ForeignKey struct {
	Name       string   `json:"name"`
	Columns    []string `json:"columns"`
	RefSchema  string   `json:"refSchema"`
	RefTable   string   `json:"refTable"`
	RefColumns []string `json:"refColumns"`
}

// Table is one table with its keys.
type Table struct {
	Schema      string       `json:"schema"`
	Name        string       `json:"name"`
	Columns     []Column     `json:"columns"`
	PrimaryKey  []string     `json:"primaryKey,omitempty"`
	UniqueKeys  [][]string   `json:"uniqueKeys,omitempty"` // unique indexes/constraints on NOT NULL columns only
	ForeignKeys []ForeignKey `json:"foreignKeys,omitempty"`
	// EstimatedRows is the catalog's row estimate (-1 when unknown).
	EstimatedRows int64 `json:"estimatedRows"`
}

// Column returns the named column.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// QualifiedName returns schema.name for messages.
func (t *Table) QualifiedName() string { return t.Schema + "." + t.Name }

// Catalog is the set of tables a source exposes in the introspected schemas.
type Catalog struct {
	Tables []Table `json:"tables"`
}

// Table returns the table schema.name.
func (c *Catalog) Table(schemaName, name string) (*Table, bool) {
	for i := range c.Tables {
		if c.Tables[i].Schema == schemaName && c.Tables[i].Name == name {
			return &c.Tables[i], true
		}
	}
	return nil, false
}
