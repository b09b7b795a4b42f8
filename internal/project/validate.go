package project

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Problem is one validation problem with the JSON path of the offending value.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// String renders "path: message".
func (p Problem) String() string { return p.Path + ": " + p.Message }

// Problems is a list of problems that renders as one error message listing all of them.
type Problems []Problem

// Error lists every problem, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "; ")
}

var (
	sourceTypes   = set("POSTGRESQL", "SQL_SERVER", "SQLITE")
	keyHandlings  = set(KeySingle, KeyWrapped, KeyGenerated)
	nullHandlings = set(NullInclude, NullOmit)
	casings       = set(CasingKeep, CasingCamel, CasingTitle, CasingKebab, CasingSnake, CasingUpperSnake)
	typeOverrides = set("STRING", "INTEGER", "LONG", "DOUBLE", "DECIMAL", "BOOLEAN", "DATE", "UUID", "BINARY", "OBJECT_ID")
	embedKinds    = set(KindEmbeddedArray, KindEmbeddedDocument)
	sortOrders    = set("", "ASC", "DESC")
)

func set(vals ...string) map[string]bool {
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

// maxCollectionNameBytes leaves room for a database name in MongoDB's 235-byte namespace limit
// ("<db>.<collection>"); the exact check with the real database name runs when a job starts.
const maxCollectionNameBytes = 200

// Validate checks the document's structure without a live catalog and returns every problem.
// Resolve checks it against a catalog.
func (p *Project) Validate() Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if p.Version != CurrentVersion {
		add("$.version", "must be %d (got %d)", CurrentVersion, p.Version)
	}
	if n := utf8.RuneCountInString(p.Name); n < 1 || n > 50 {
		add("$.name", "must be 1 to 50 characters (got %d)", n)
	}
	if !sourceTypes[p.Source.Type] {
		add("$.source.type", "must be one of POSTGRESQL, SQL_SERVER, SQLITE (got %q)", p.Source.Type)
	}
	if len(p.Source.Schemas) == 0 && p.Source.Type != "SQLITE" {
		add("$.source.schemas", "must list at least one schema")
	}
	if p.Settings.KeyHandling != "" && !keyHandlings[p.Settings.KeyHandling] {
		add("$.settings.keyHandling", "must be SINGLE, WRAPPED or GENERATED (got %q)", p.Settings.KeyHandling)
	}
	if p.Settings.NullHandling != "" && !nullHandlings[p.Settings.NullHandling] {
		add("$.settings.nullHandling", "must be INCLUDE or OMIT (got %q)", p.Settings.NullHandling)
	}
	if p.Settings.Casing != "" && !casings[p.Settings.Casing] {
		add("$.settings.casing", "must be one of KEEP, CAMEL_CASE, TITLE_CASE, KEBAB_CASE, SNAKE_CASE, UPPER_SNAKE_CASE (got %q)", p.Settings.Casing)
	}
	if len(p.Collections) == 0 {
		add("$.collections", "must define at least one collection")
	}
	seen := map[string]int{}
	for i := range p.Collections {
		c := &p.Collections[i]
		path := fmt.Sprintf("$.collections[%d]", i)
		if msg := collectionNameProblem(c.Name); msg != "" {
			add(path+".name", "%s", msg)
		} else if j, dup := seen[c.Name]; dup {
			add(path+".name", "collection %q is already defined at $.collections[%d]; collection names must be unique", c.Name, j)
		} else {
			seen[c.Name] = i
		}
		validateTableRef(&ps, path+".table", c.Table)
		if c.KeyHandling != "" && !keyHandlings[c.KeyHandling] {
			add(path+".keyHandling", "must be SINGLE, WRAPPED or GENERATED (got %q)", c.KeyHandling)
		}
		validateFields(&ps, path+".fields", c.Fields)
		validateEmbedded(&ps, path+".embedded", c.Embedded, []TableRef{c.Table})
	}
	for schemaName, tables := range p.TableFilters {
		for table, f := range tables {
			path := fmt.Sprintf("$.tableFilters[%q][%q]", schemaName, table)
			if f.RowCount != nil && *f.RowCount < 0 {
				add(path+".rowCount", "must be >= 0 (got %d)", *f.RowCount)
			}
		}
	}
	return ps
}

func collectionNameProblem(name string) string {
	switch {
	case name == "":
		return "a collection name is required"
	case strings.ContainsRune(name, '$'):
		return fmt.Sprintf("collection name %q must not contain '$'", name)
	case strings.ContainsRune(name, 0):
		return "collection name must not contain a NUL character"
	case strings.HasPrefix(name, "system."):
		return fmt.Sprintf("collection name %q must not start with 'system.' (reserved by MongoDB)", name)
	case len(name) > maxCollectionNameBytes:
		return fmt.Sprintf("collection name is %d bytes; at most %d are allowed", len(name), maxCollectionNameBytes)
	case !utf8.ValidString(name):
		return "collection name must be valid UTF-8"
	}
	return ""
}

func validateTableRef(ps *Problems, path string, t TableRef) {
	if t.Name == "" {
		*ps = append(*ps, Problem{Path: path + ".name", Message: "a table name is required"})
	}
}

func validateFields(ps *Problems, path string, fields map[string]Field) {
	for col, f := range fields {
		fp := fmt.Sprintf("%s[%q]", path, col)
		if f.Type != "" && !typeOverrides[f.Type] {
			*ps = append(*ps, Problem{Path: fp + ".type", Message: fmt.Sprintf("unknown type %q; use one of STRING, INTEGER, LONG, DOUBLE, DECIMAL, BOOLEAN, DATE, UUID, BINARY, OBJECT_ID", f.Type)})
		}
		if f.NullHandling != "" && !nullHandlings[f.NullHandling] {
			*ps = append(*ps, Problem{Path: fp + ".nullHandling", Message: fmt.Sprintf("must be INCLUDE or OMIT (got %q)", f.NullHandling)})
		}
		if f.Rename != "" {
			if msg := fieldPathProblem(f.Rename); msg != "" {
				*ps = append(*ps, Problem{Path: fp + ".rename", Message: msg})
			}
		}
	}
}

// fieldPathProblem checks a dotted output field name such as "billing.state".
func fieldPathProblem(name string) string {
	for _, seg := range strings.Split(name, ".") {
		switch {
		case seg == "":
			return fmt.Sprintf("field name %q has an empty segment", name)
		case strings.HasPrefix(seg, "$"):
			return fmt.Sprintf("field name %q has a segment starting with '$', which MongoDB reserves", name)
		case strings.ContainsRune(seg, 0):
			return "field names must not contain NUL"
		}
	}
	return ""
}

func validateEmbedded(ps *Problems, path string, rules []Embedded, arrayAncestors []TableRef) {
	for i := range rules {
		e := &rules[i]
		ep := fmt.Sprintf("%s[%d]", path, i)
		add := func(sub, format string, args ...any) {
			*ps = append(*ps, Problem{Path: ep + sub, Message: fmt.Sprintf(format, args...)})
		}
		if !embedKinds[e.Kind] {
			add(".kind", "must be EMBEDDED_DOCUMENT_ARRAY or EMBEDDED_DOCUMENT (got %q)", e.Kind)
		}
		if e.Field == "" && !e.Merge {
			add(".field", "a field name is required (or merge: true for an EMBEDDED_DOCUMENT)")
		} else if e.Field != "" {
			if msg := fieldPathProblem(e.Field); msg != "" {
				add(".field", "%s", msg)
			}
		}
		validateTableRef(ps, ep+".table", e.Table)
		validateFields(ps, ep+".fields", e.Fields)
		isArray := e.Kind == KindEmbeddedArray
		if !isArray {
			if len(e.Sort) > 0 || e.Limit != 0 || e.Primitive {
				add("", "sort, limit and primitive apply only to EMBEDDED_DOCUMENT_ARRAY")
			}
		} else if e.Merge || e.Reverse {
			add("", "merge and reverse apply only to EMBEDDED_DOCUMENT")
		}
		if e.Limit < 0 {
			add(".limit", "must be >= 0 (got %d)", e.Limit)
		}
		for j, s := range e.Sort {
			if s.Column == "" {
				add(fmt.Sprintf(".sort[%d].column", j), "a column is required")
			}
			if !sortOrders[s.Order] {
				add(fmt.Sprintf(".sort[%d].order", j), "must be ASC or DESC (got %q)", s.Order)
			}
		}
		if e.Via != nil && e.Via.Constraint != "" && len(e.Via.Columns) > 0 {
			add(".via", "give either constraint or columns, not both")
		}
		next := arrayAncestors
		if isArray {
			for _, a := range arrayAncestors {
				if a == e.Table {
					add(".table", "embedding %s as an array inside itself makes a cycle of array rules", e.Table)
				}
			}
			next = append(append([]TableRef(nil), arrayAncestors...), e.Table)
		}
		validateEmbedded(ps, ep+".embedded", e.Embedded, next)
	}
}
