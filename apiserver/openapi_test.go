package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gorilla/mux"
)

// loadOpenAPI builds the served document and checks that it is a valid OpenAPI 3.0 document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	raw, err := OpenAPIDocument()
	if err != nil {
		t.Fatalf("building the OpenAPI document: %v", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

// notRoutedYet lists documented operations whose route is not built yet (none today). The test
// fails once such a route exists, so an entry cannot outlive the change that adds the route.
var notRoutedYet = map[string]bool{}

// TestOpenAPICoversEveryRoute walks the real router: every route and method has an operation in
// the document, and every documented operation has a route.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	routed := map[string]bool{}
	r := New(nil, nil, testKey(t), Config{}).router()
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := route.GetPathTemplate()
		if err != nil {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil // the /api/v1 prefix route: its subroutes are walked on their own
		}
		for _, m := range methods {
			routed[m+" "+tmpl] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routed) < 20 {
		t.Fatalf("walked only %d routes: %v", len(routed), keys(routed))
	}
	for _, op := range keys(routed) {
		if !documented[op] {
			method, path, _ := strings.Cut(op, " ")
			t.Errorf("route %s has no operation in apiserver/openapi.yaml: add paths.%q.%s", op, path, strings.ToLower(method))
		}
	}
	for _, op := range keys(documented) {
		switch {
		case notRoutedYet[op] && routed[op]:
			t.Errorf("%s is routed now: remove it from notRoutedYet", op)
		case !routed[op] && !notRoutedYet[op]:
			t.Errorf("apiserver/openapi.yaml documents %s, which no route serves: remove it or add the route", op)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIServed: GET /api/v1/openapi.json answers the document, and behind a token only with it.
func TestOpenAPIServed(t *testing.T) {
	want, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	New(nil, nil, testKey(t), Config{}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("GET /api/v1/openapi.json: %d %q, %d bytes (want 200 application/json, %d bytes)",
			rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len(), len(want))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi = %q (%v), want 3.0.3", doc.OpenAPI, err)
	}
	h := New(nil, nil, testKey(t), Config{Token: "s3cret-token"}).Handler()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d, want 401", rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("with the token: %d, want 200", rec.Code)
	}
}

// TestOpenAPISchemas converts JSON Schema 2020-12 constructs to OpenAPI 3.0 ones.
func TestOpenAPISchemas(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]any
		wantErr  string
	}{
		{
			name: "const, type list, $ref, conditionals",
			in: `{"$schema": "x", "$id": "y", "type": "object", "required": ["a"],
				"properties": {"a": {"const": 1}, "type": {"type": ["array", "null"], "items": {"$ref": "#/$defs/T"}}},
				"if": {"properties": {"a": {"const": 2}}}, "then": {"required": ["type"]},
				"$defs": {"T": {"enum": ["X"], "allOf": [{"description": "only a conditional", "if": {}, "then": {}}]}}}`,
			want: map[string]any{
				"P": map[string]any{"type": "object", "required": []any{"a"}, "properties": map[string]any{
					"a":    map[string]any{"enum": []any{1.0}},
					"type": map[string]any{"type": "array", "nullable": true, "items": map[string]any{"$ref": "#/components/schemas/PT"}},
				}},
				"PT": map[string]any{"enum": []any{"X"}},
			},
		},
		{
			name: "anyOf, not and additionalProperties schemas",
			in:   `{"anyOf": [{"$ref": "#/$defs/A"}, {"const": ""}], "not": {"pattern": "^x"}, "additionalProperties": {"type": "string"}, "$defs": {"A": {"type": "string"}}}`,
			want: map[string]any{
				"P": map[string]any{"anyOf": []any{map[string]any{"$ref": "#/components/schemas/PA"}, map[string]any{"enum": []any{""}}},
					"not": map[string]any{"pattern": "^x"}, "additionalProperties": map[string]any{"type": "string"}},
				"PA": map[string]any{"type": "string"},
			},
		},
		{
			name: "array without items",
			in:   `{"not": {"type": "array", "minItems": 1}}`,
			want: map[string]any{"P": map[string]any{"not": map[string]any{"type": "array", "minItems": 1.0, "items": map[string]any{}}}},
		},
		{name: "foreign $ref", in: `{"$ref": "other.json#/x"}`, wantErr: "only #/$defs/ references"},
		{name: "two types", in: `{"type": ["string", "integer"]}`, wantErr: "one type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := openAPISchemas([]byte(tc.in), "P")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				t.Fatalf("got  %s\nwant %s", g, w)
			}
		})
	}
}

// TestOpenAPIProjectSchema: the generated Project schema accepts the project documents the
// project package's tests accept, and refuses what 3.0 can still express (unknown fields).
func TestOpenAPIProjectSchema(t *testing.T) {
	doc := loadOpenAPI(t)
	sch := doc.Components.Schemas["Project"].Value
	for _, f := range []string{"../internal/project/testdata/schema_full.json", "../tests/testdata/chinook_flat.json"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		if err := sch.VisitJSON(v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		v.(map[string]any)["unknownField"] = true
		if err := sch.VisitJSON(v); err == nil || !strings.Contains(err.Error(), "unknownField") {
			t.Errorf("%s with an unknown field: %v, want a refusal naming it", f, err)
		}
	}
	want := []string{"Project", "ProjectCollection", "ProjectEmbedded", "ProjectTableFilter"}
	for _, name := range want {
		if !slices.Contains(keysOf(doc.Components.Schemas), name) {
			t.Errorf("schema %s not generated", name)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
