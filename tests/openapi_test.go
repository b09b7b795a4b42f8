package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/relmongo/relmongo/apiserver"
)

// TestOpenAPIDocument: the API serves the same OpenAPI document the suite validates against, and
// the operations no other test calls (health, readiness, the project list) answer as documented
// (TestMain's check validates these exchanges too).
func TestOpenAPIDocument(t *testing.T) {
	ctx := context.Background()
	var served json.RawMessage
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/openapi.json", nil, &served); err != nil {
		t.Fatal(err)
	}
	want, err := apiserver.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, want) {
		t.Fatalf("GET /api/v1/openapi.json served %d bytes, not the %d of apiserver.OpenAPIDocument", len(served), len(want))
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(served, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Paths["/api/v1/jobs"]["post"] == nil || doc.Paths["/api/v1/openapi.json"]["get"] == nil {
		t.Fatalf("openapi %q, %d paths: not the relmongo API document", doc.OpenAPI, len(doc.Paths))
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		var st struct{ Status string }
		if err := e2e.api.Do(ctx, http.MethodGet, path, nil, &st); err != nil || st.Status != want {
			t.Errorf("GET %s: %+v, %v; want status %q", path, st, err, want)
		}
	}
	importProject(t, readTestdata(t, "chinook_flat.json"))
	var list []map[string]any
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/project?sort=lastModified,DESC&limit=1", nil, &list); err != nil || len(list) != 1 {
		t.Fatalf("GET /api/v1/project?limit=1: %d projects, %v; want 1", len(list), err)
	}
}
