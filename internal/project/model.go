// Package project is the project document of MAPPING.md — which tables a project reads and how
// their rows become documents — with its structural validation and its resolution against a live
// catalog into a serializable plan that the copy activities execute.
package project

import "time"

// CurrentVersion is the project document format version this build writes and reads.
const CurrentVersion = 1

// Key handling modes (MAPPING.md, Keys).
const (
	KeySingle    = "SINGLE"
	KeyWrapped   = "WRAPPED"
	KeyGenerated = "GENERATED"
)

// Null handling modes.
const (
	NullInclude = "INCLUDE"
	NullOmit    = "OMIT"
)

// Embedding rule kinds.
const (
	KindEmbeddedArray    = "EMBEDDED_DOCUMENT_ARRAY"
	KindEmbeddedDocument = "EMBEDDED_DOCUMENT"
)

// Project is the whole project document.
type Project struct {
	Version      int          `json:"version"`
	ID           string       `json:"id,omitempty"`
	LastModified *time.Time   `json:"lastModified,omitempty"`
	Name         string       `json:"name"`
	Description  string       `json:"description,omitempty"`
	Source       Source       `json:"source"`
	Settings     Settings     `json:"settings"`
	Collections  []Collection `json:"collections"`
	// TableFilters is keyed by schema, then table.
	TableFilters map[string]map[string]TableFilter `json:"tableFilters,omitempty"`
}

// Source names the source database type and the schemas the project reads.
type Source struct {
	Type    string   `json:"type"`
	Schemas []string `json:"schemas"`
}

// Settings are project-wide defaults.
type Settings struct {
	KeyHandling  string `json:"keyHandling,omitempty"`
	Casing       string `json:"casing,omitempty"`
	NullHandling string `json:"nullHandling,omitempty"`
}

// TableRef names a table.
type TableRef struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
}

// String returns schema.name.
func (t TableRef) String() string { return t.Schema + "." + t.Name }

// Collection is a NEW_DOCUMENT rule: one document per row of Table.
type Collection struct {
	Name          string           `json:"name"`
	Description   string           `json:"description,omitempty"`
	Table         TableRef         `json:"table"`
	KeyHandling   string           `json:"keyHandling,omitempty"`
	KeepKeyFields bool             `json:"keepKeyFields,omitempty"`
	Fields        map[string]Field `json:"fields,omitempty"`
	Embedded      []Embedded       `json:"embedded,omitempty"`
}

// Field holds the per-column options of a table in a rule; the map key is the column name.
type Field struct {
	Exclude      bool   `json:"exclude,omitempty"`
	Rename       string `json:"rename,omitempty"`
	Type         string `json:"type,omitempty"`
	NullHandling string `json:"nullHandling,omitempty"`
	KeepOffset   bool   `json:"keepOffset,omitempty"`
	// Description says why a field has its options (e.g. why a type is overridden).
	Description string `json:"description,omitempty"`
}

// Embedded is an EMBEDDED_DOCUMENT_ARRAY or EMBEDDED_DOCUMENT rule under its parent.
type Embedded struct {
	Kind      string           `json:"kind"`
	Field     string           `json:"field"`
	Table     TableRef         `json:"table"`
	Via       *Via             `json:"via,omitempty"`
	Sort      []SortKey        `json:"sort,omitempty"`
	Limit     int              `json:"limit,omitempty"`
	Primitive bool             `json:"primitive,omitempty"`
	Merge     bool             `json:"merge,omitempty"`
	Reverse   bool             `json:"reverse,omitempty"`
	Fields    map[string]Field `json:"fields,omitempty"`
	Embedded  []Embedded       `json:"embedded,omitempty"`
}

// Via names the link between a table and its embedded table.
type Via struct {
	Constraint string   `json:"constraint,omitempty"`
	Columns    []string `json:"columns,omitempty"`
	References []string `json:"references,omitempty"`
}

// SortKey orders the elements of an embedded array.
type SortKey struct {
	Column string `json:"column"`
	Order  string `json:"order,omitempty"`
}

// TableFilter restricts the rows read from a table.
type TableFilter struct {
	WhereClause string `json:"whereClause,omitempty"`
	RowCount    *int64 `json:"rowCount,omitempty"`
}

// Window parameter names a scheduled job's root whereClause may use (API.md, Schedules).
var WindowParamNames = []string{"windowStart", "windowEnd", "scheduledTime"}

// Filter returns the filter of schema.table from filters, if any.
func Filter(filters map[string]map[string]TableFilter, t TableRef) (TableFilter, bool) {
	f, ok := filters[t.Schema][t.Name]
	return f, ok
}

// CollectionKeyHandling returns the effective key handling of c in p.
func (p *Project) CollectionKeyHandling(c *Collection) string {
	if c.KeyHandling != "" {
		return c.KeyHandling
	}
	if p.Settings.KeyHandling != "" {
		return p.Settings.KeyHandling
	}
	return KeySingle
}
