package project

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL is the $id of schema.json.
const schemaURL = "https://github.com/relmongo/relmongo/internal/project/schema.json"

// compileSchema compiles schema.json (draft 2020-12, formats asserted) with its metaschema check.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatalf("schema.json does not compile: %v", err)
	}
	return sch
}

// goAccepts applies relmongo's own checks of an imported document: strict decoding (as the API
// does) and Validate. It returns nil when the document is accepted.
func goAccepts(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p Project
	if err := dec.Decode(&p); err != nil {
		return err
	}
	if ps := p.Validate(); len(ps) > 0 {
		return ps
	}
	return nil
}

func schemaAccepts(sch *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// isProjectDocument tells project documents from other JSON files kept next to them (catalogs,
// reasons).
func isProjectDocument(doc []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) != nil {
		return false
	}
	_, c := m["collections"]
	_, v := m["version"]
	return c && v
}

// TestSchemaAcceptsRepositoryProjects validates every project document of the repository against
// the schema: the demo project, the end-to-end test projects and the golden files. The documents
// that must be valid are listed; any other project document that relmongo accepts must satisfy the
// schema too (documents kept on purpose as invalid examples are skipped by that rule).
func TestSchemaAcceptsRepositoryProjects(t *testing.T) {
	sch := compileSchema(t)
	mustBeValid := []string{
		"../chinook/project_postgres.json",
		"../../tests/testdata/chinook_flat.json",
		"testdata/recommend_chinook.json",
		"testdata/schema_full.json",
	}
	var files []string
	for _, glob := range []string{"../chinook/*.json", "../../tests/testdata/*.json", "testdata/*.json"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, want := range mustBeValid {
		if !slices.Contains(files, want) {
			t.Errorf("%s is missing", want)
		}
	}
	checked := 0
	for _, path := range files {
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !isProjectDocument(doc) {
			continue
		}
		goErr := goAccepts(doc)
		schErr := schemaAccepts(sch, doc)
		switch {
		case slices.Contains(mustBeValid, path) && goErr != nil:
			t.Errorf("%s: relmongo rejects it: %v", path, goErr)
		case goErr == nil && schErr != nil:
			t.Errorf("%s: relmongo accepts it but the schema does not: %v", path, schErr)
		}
		checked++
	}
	if checked < len(mustBeValid) {
		t.Errorf("checked %d project documents, want at least %d", checked, len(mustBeValid))
	}
}

// TestSchemaRejectsInvalidProjects: each mutation of a valid document is rejected by the schema
// and, showing that both agree, by relmongo's own validation.
func TestSchemaRejectsInvalidProjects(t *testing.T) {
	sch := compileSchema(t)
	base, err := os.ReadFile("testdata/schema_full.json")
	if err != nil {
		t.Fatal(err)
	}
	coll := func(m map[string]any, i int) map[string]any { return m["collections"].([]any)[i].(map[string]any) }
	emb := func(m map[string]any, i, j int) map[string]any {
		return coll(m, i)["embedded"].([]any)[j].(map[string]any)
	}
	tests := []struct {
		name string
		mut  func(m map[string]any)
	}{
		{"version 2", func(m map[string]any) { m["version"] = 2 }},
		{"no version", func(m map[string]any) { delete(m, "version") }},
		{"empty name", func(m map[string]any) { m["name"] = "" }},
		{"name of 51 characters", func(m map[string]any) { m["name"] = strings.Repeat("é", 51) }},
		{"unknown top-level field", func(m map[string]any) { m["owner"] = "me" }},
		{"unknown source type", func(m map[string]any) { m["source"].(map[string]any)["type"] = "MYSQL" }},
		{"no schemas for PostgreSQL", func(m map[string]any) { delete(m["source"].(map[string]any), "schemas") }},
		{"empty schemas for PostgreSQL", func(m map[string]any) { m["source"].(map[string]any)["schemas"] = []any{} }},
		{"bad key handling", func(m map[string]any) { m["settings"].(map[string]any)["keyHandling"] = "AUTO" }},
		{"bad casing", func(m map[string]any) { m["settings"].(map[string]any)["casing"] = "lower" }},
		{"bad null handling", func(m map[string]any) { m["settings"].(map[string]any)["nullHandling"] = "SKIP" }},
		{"no collections", func(m map[string]any) { m["collections"] = []any{} }},
		{"collection name with $", func(m map[string]any) { coll(m, 0)["name"] = "in$voices" }},
		{"collection name system.", func(m map[string]any) { coll(m, 0)["name"] = "system.views" }},
		{"collection name of 201 bytes", func(m map[string]any) { coll(m, 0)["name"] = strings.Repeat("x", 201) }},
		{"collection without table name", func(m map[string]any) { coll(m, 0)["table"] = map[string]any{"schema": "public"} }},
		{"collection key handling", func(m map[string]any) { coll(m, 0)["keyHandling"] = "NATURAL" }},
		{"unknown field option", func(m map[string]any) {
			coll(m, 0)["fields"].(map[string]any)["total"].(map[string]any)["precision"] = 2
		}},
		{"unknown type override", func(m map[string]any) {
			coll(m, 0)["fields"].(map[string]any)["total"].(map[string]any)["type"] = "MONEY"
		}},
		{"rename with an empty segment", func(m map[string]any) {
			coll(m, 0)["fields"].(map[string]any)["billing_state"].(map[string]any)["rename"] = "billing..state"
		}},
		{"rename starting with $", func(m map[string]any) {
			coll(m, 0)["fields"].(map[string]any)["billing_state"].(map[string]any)["rename"] = "billing.$state"
		}},
		{"unknown kind", func(m map[string]any) { emb(m, 0, 0)["kind"] = "EMBEDDED_ARRAY" }},
		{"document without field", func(m map[string]any) { delete(emb(m, 0, 0), "field") }},
		{"field starting with $", func(m map[string]any) { emb(m, 0, 0)["field"] = "$customer" }},
		{"sort on a document", func(m map[string]any) { emb(m, 0, 0)["sort"] = []any{map[string]any{"column": "x"}} }},
		{"limit on a document", func(m map[string]any) { emb(m, 0, 0)["limit"] = 3 }},
		{"primitive document", func(m map[string]any) { emb(m, 0, 0)["primitive"] = true }},
		{"merge on an array", func(m map[string]any) { emb(m, 0, 1)["merge"] = true }},
		{"reverse on an array", func(m map[string]any) { emb(m, 0, 1)["reverse"] = true }},
		{"negative limit", func(m map[string]any) { emb(m, 0, 1)["limit"] = -1 }},
		{"sort without column", func(m map[string]any) { emb(m, 0, 1)["sort"] = []any{map[string]any{"order": "ASC"}} }},
		{"bad sort order", func(m map[string]any) { emb(m, 0, 1)["sort"] = []any{map[string]any{"column": "x", "order": "UP"}} }},
		{"via with constraint and columns", func(m map[string]any) {
			emb(m, 0, 1)["via"] = map[string]any{"constraint": "c", "columns": []any{"invoice_id"}}
		}},
		{"negative row count", func(m map[string]any) {
			m["tableFilters"].(map[string]any)["public"].(map[string]any)["invoice"].(map[string]any)["rowCount"] = -1
		}},
		{"unknown filter option", func(m map[string]any) {
			m["tableFilters"].(map[string]any)["public"].(map[string]any)["invoice"].(map[string]any)["orderBy"] = "x"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(base, &m); err != nil {
				t.Fatal(err)
			}
			tt.mut(m)
			doc, _ := json.Marshal(m)
			if err := schemaAccepts(sch, doc); err == nil {
				t.Error("the schema accepts it")
			}
			if err := goAccepts(doc); err == nil {
				t.Error("relmongo accepts it, so the schema is stricter than relmongo here")
			}
		})
	}
	t.Run("SQLite needs no schemas", func(t *testing.T) {
		var m map[string]any
		_ = json.Unmarshal(base, &m)
		m["source"] = map[string]any{"type": "SQLITE"}
		doc, _ := json.Marshal(m)
		if err := schemaAccepts(sch, doc); err != nil {
			t.Error(err)
		}
		if err := goAccepts(doc); err != nil {
			t.Error(err)
		}
	})
}

// modelTypes maps each type of the project document to its definition in schema.json ("" is the
// root).
var modelTypes = map[string]reflect.Type{
	"":            reflect.TypeFor[Project](),
	"Source":      reflect.TypeFor[Source](),
	"Settings":    reflect.TypeFor[Settings](),
	"TableRef":    reflect.TypeFor[TableRef](),
	"Collection":  reflect.TypeFor[Collection](),
	"Field":       reflect.TypeFor[Field](),
	"Embedded":    reflect.TypeFor[Embedded](),
	"Via":         reflect.TypeFor[Via](),
	"SortKey":     reflect.TypeFor[SortKey](),
	"TableFilter": reflect.TypeFor[TableFilter](),
}

// TestSchemaMatchesModel keeps schema.json and model.go in sync: every definition of a model type
// has exactly the JSON names of the Go fields, forbids other properties, and every struct type that
// the project document contains has a definition.
func TestSchemaMatchesModel(t *testing.T) {
	raw, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type def struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties json.RawMessage            `json:"additionalProperties"`
	}
	var root struct {
		def
		Defs map[string]def `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	for name, typ := range modelTypes {
		d := root.def
		if name != "" {
			var ok bool
			if d, ok = root.Defs[name]; !ok {
				t.Errorf("schema.json has no $defs/%s for %s", name, typ)
				continue
			}
		}
		want := jsonNames(typ)
		var got []string
		for p := range d.Properties {
			got = append(got, p)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("schema %q properties %v, model %s has %v", name, got, typ, want)
		}
		if string(d.AdditionalProperties) != "false" {
			t.Errorf("schema %q must set additionalProperties: false (imports are decoded strictly)", name)
		}
	}
	// Every struct reachable from Project must be listed above.
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			walk(typ.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if seen[typ] || typ.PkgPath() != reflect.TypeFor[Project]().PkgPath() {
			return
		}
		seen[typ] = true
		listed := false
		for _, m := range modelTypes {
			listed = listed || m == typ
		}
		if !listed {
			t.Errorf("model type %s has no schema definition in modelTypes", typ)
		}
		for i := range typ.NumField() {
			walk(typ.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[Project]())
}

// jsonNames returns the sorted JSON names of a struct's exported fields.
func jsonNames(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
