package apiserver

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/relmongo/relmongo/internal/project"
)

// openapiYAML is the hand-written part of the OpenAPI document: every path, parameter, response
// and request/response schema but the project document's.
//
//go:embed openapi.yaml
var openapiYAML []byte

// projectSchemaPrefix names the project schemas in components.schemas: the root is "Project",
// each $defs entry X is "ProjectX".
const projectSchemaPrefix = "Project"

// OpenAPIDocument returns the OpenAPI 3.0 document of the API as JSON: openapi.yaml with the
// project document's schemas generated from internal/project/schema.json, so the document and
// the import validation describe one format. It is built once.
var OpenAPIDocument = sync.OnceValues(func() ([]byte, error) {
	return buildOpenAPI(openapiYAML, project.SchemaJSON)
})

func buildOpenAPI(base, projectSchema []byte) ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	if schemas == nil {
		return nil, fmt.Errorf("openapi.yaml has no components.schemas")
	}
	gen, err := openAPISchemas(projectSchema, projectSchemaPrefix)
	if err != nil {
		return nil, fmt.Errorf("internal/project/schema.json: %w", err)
	}
	for name, s := range gen {
		if _, dup := schemas[name]; dup {
			return nil, fmt.Errorf("openapi.yaml defines schema %s, which is generated from internal/project/schema.json", name)
		}
		schemas[name] = s
	}
	return json.Marshal(doc)
}

// openAPISchemas converts a JSON Schema (draft 2020-12, as internal/project/schema.json uses it)
// into OpenAPI 3.0 schema objects: the root named prefix and each $defs entry X named prefix+X,
// with $refs rewritten. 3.0 has no const (-> a one-value enum), no type lists (["array", "null"]
// -> nullable), no implicit array items and no if/then: conditional rules are dropped, so the document is looser there
// than relmongo's own validation, which still applies them (400).
func openAPISchemas(src []byte, prefix string) (map[string]any, error) {
	var root map[string]any
	if err := json.Unmarshal(src, &root); err != nil {
		return nil, err
	}
	c := schemaConverter{prefix: prefix}
	defs, _ := root["$defs"].(map[string]any)
	delete(root, "$defs")
	out := map[string]any{prefix: c.schema(root, "#")}
	for name, d := range defs {
		out[prefix+name] = c.schema(d, "#/$defs/"+name)
	}
	if len(c.problems) > 0 {
		return nil, fmt.Errorf("cannot convert to OpenAPI 3.0: %s", strings.Join(c.problems, "; "))
	}
	return out, nil
}

type schemaConverter struct {
	prefix   string
	problems []string
}

// schema converts one schema object; path locates it in the source for error messages.
func (c *schemaConverter) schema(v any, path string) any {
	m, ok := v.(map[string]any)
	if !ok {
		c.problems = append(c.problems, path+" is not a schema object")
		return v
	}
	out := map[string]any{}
	for k, val := range m {
		at := path + "/" + k
		switch k {
		case "$schema", "$id", "if", "then", "else":
			// Identification and conditionals: not in OpenAPI 3.0 (see openAPISchemas).
		case "$ref":
			ref, _ := val.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			if !ok {
				c.problems = append(c.problems, at+": only #/$defs/ references are supported, not "+ref)
				continue
			}
			out[k] = "#/components/schemas/" + c.prefix + name
		case "const":
			out["enum"] = []any{val}
		case "type":
			out[k] = c.typ(val, at, out)
		case "properties", "patternProperties":
			props, _ := val.(map[string]any)
			conv := map[string]any{}
			for name, p := range props {
				conv[name] = c.schema(p, at+"/"+name)
			}
			out[k] = conv
		case "items", "not":
			out[k] = c.schema(val, at)
		case "additionalProperties":
			if _, isBool := val.(bool); isBool {
				out[k] = val
			} else {
				out[k] = c.schema(val, at)
			}
		case "allOf", "anyOf", "oneOf":
			list, _ := val.([]any)
			var kept []any
			for i, s := range list {
				conv := c.schema(s, fmt.Sprintf("%s/%d", at, i)).(map[string]any)
				delete(conv, "description")
				if len(conv) > 0 { // an entry that held only conditionals constrains nothing now
					kept = append(kept, conv)
				}
			}
			if len(kept) > 0 {
				out[k] = kept
			}
		default:
			out[k] = val
		}
	}
	if _, ok := out["items"]; out["type"] == "array" && !ok {
		out["items"] = map[string]any{} // any item, JSON Schema's default; 3.0 wants it spelled out
	}
	return out
}

// typ converts "type": a list with "null" becomes one type and nullable.
func (c *schemaConverter) typ(val any, at string, out map[string]any) any {
	list, ok := val.([]any)
	if !ok {
		return val
	}
	var types []any
	for _, t := range list {
		if t == "null" {
			out["nullable"] = true
		} else {
			types = append(types, t)
		}
	}
	if len(types) != 1 {
		c.problems = append(c.problems, fmt.Sprintf("%s: OpenAPI 3.0 takes one type (and null), not %v", at, list))
		return val
	}
	return types[0]
}

// openapi serves GET /api/v1/openapi.json (behind the token like every endpoint but /healthz).
func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	doc, err := OpenAPIDocument()
	if err != nil {
		s.log.Error("building the OpenAPI document", "error", err)
		s.writeError(w, http.StatusInternalServerError, "internal error building the OpenAPI document (a bug): please report it", "", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}
