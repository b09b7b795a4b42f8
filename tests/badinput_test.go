package tests

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// TestBadJobRequests: every kind of bad input gets the right status and API.md's error body,
// never a 500 and never a hang.
func TestBadJobRequests(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	good := func() map[string]any { return jobRequest(projectID, srcURL, db, nil) }
	with := func(mut func(m map[string]any)) []byte {
		m := good()
		mut(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name   string
		body   []byte
		status int
		want   string // substring of message+description
	}{
		{"malformed JSON", []byte(`{"projectId": `), 400, "malformed JSON"},
		{"not an object", []byte(`[1,2]`), 400, "invalid"},
		{"empty body", nil, 400, "empty"},
		{"unknown field", with(func(m map[string]any) { m["color"] = "red" }), 400, "unknown field"},
		{"unknown nested field", with(func(m map[string]any) { m["options"].(map[string]any)["speed"] = 3 }), 400, "unknown field"},
		{"missing projectId", with(func(m map[string]any) { delete(m, "projectId") }), 400, "projectId is required"},
		{"missing jdbcConnectionDetails", with(func(m map[string]any) { delete(m, "jdbcConnectionDetails") }), 400, "jdbcConnectionDetails is required"},
		{"missing options", with(func(m map[string]any) { delete(m, "options") }), 400, "options is required"},
		{"missing verification", with(func(m map[string]any) { delete(m, "verification") }), 400, "verification.enabled is required"},
		{"wrong type", with(func(m map[string]any) { m["options"].(map[string]any)["chunkRows"] = "many" }), 400, "chunkRows"},
		{"bad enum", with(func(m map[string]any) { m["options"].(map[string]any)["errorHandling"] = "IGNORE" }), 400, "errorHandling"},
		{"bad time zone", with(func(m map[string]any) { m["options"].(map[string]any)["sourceTimeZone"] = "Mars/Olympus" }), 400, "sourceTimeZone"},
		{"several problems listed", with(func(m map[string]any) { delete(m, "projectId"); delete(m, "options") }), 400, "options is required"},
		{"unknown projectId", with(func(m map[string]any) { m["projectId"] = "no-such-project" }), 404, "not found"},
		{"CDC not supported", with(func(m map[string]any) { m["options"].(map[string]any)["mode"] = "CDC" }), 422, "not supported yet"},
		{"connection string without database", with(func(m map[string]any) {
			m["mongodbConnectionDetails"] = map[string]any{"connectionString": strings.TrimRight(e2e.stack.Dev.MongoURI(), "/")}
		}), 422, "database"},
		{"bad source URL", with(func(m map[string]any) {
			m["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "url": "jdbc:mysql://x/y"}
		}), 400, "url"},
		{"unreachable PostgreSQL", with(func(m map[string]any) {
			m["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "url": "postgres://postgres@127.0.0.1:1/" + db + "?sslmode=disable"}
		}), 422, "source"},
		{"missing database on PostgreSQL", with(func(m map[string]any) {
			m["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "url": strings.Replace(srcURL, db, db+"_absent", 1)}
		}), 422, "does not exist"},
		{"unreachable MongoDB", with(func(m map[string]any) {
			m["mongodbConnectionDetails"] = map[string]any{"connectionString": "mongodb://127.0.0.1:1/x?serverSelectionTimeoutMS=1000"}
		}), 422, "target"},
		{"collection filter names an unknown collection", with(func(m map[string]any) { m["collectionFilters"] = []string{"nope"} }), 422, "nope"},
		{"table filter names a table the project does not have", with(func(m map[string]any) {
			m["relationalTableFilters"] = map[string]any{"public": map[string]any{"nosuch": map[string]any{"whereClause": "1=1"}}}
		}), 400, "relationalTableFilters names public.nosuch, which is not a table of project " + projectID + " (its tables: public.album, "},
		{"table filter names a table outside collectionFilters", with(func(m map[string]any) {
			m["collectionFilters"] = []string{"genres"}
			m["relationalTableFilters"] = map[string]any{"public": map[string]any{"track": map[string]any{"whereClause": "1=1"}}}
		}), 400, "relationalTableFilters names public.track, which is not migrated by this job"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var body any
			if tc.body != nil {
				body = tc.body
			}
			start := time.Now()
			err := e2e.api.Do(ctx, http.MethodPost, "/api/v1/jobs", body, nil)
			var apiErr *apiclient.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want an API error", err)
			}
			if apiErr.Status != tc.status {
				t.Errorf("status %d, want %d (%s)", apiErr.Status, tc.status, apiErr.Error())
			}
			if apiErr.Message == "" || apiErr.Timestamp == "" {
				t.Errorf("error body lacks message or timestamp: %+v", apiErr)
			}
			if _, err := time.Parse(time.RFC3339, apiErr.Timestamp); err != nil {
				t.Errorf("timestamp %q is not RFC 3339", apiErr.Timestamp)
			}
			if !strings.Contains(apiErr.Message+" "+apiErr.Description, tc.want) {
				t.Errorf("error %q does not mention %q", apiErr.Error(), tc.want)
			}
			if d := time.Since(start); d > 12*time.Second {
				t.Errorf("answered after %s; the pre-checks are bounded by 10 s", d)
			}
		})
	}
}

// TestBadProjectImport: invalid project documents are refused with every problem listed.
func TestBadProjectImport(t *testing.T) {
	t.Parallel()
	bad := []byte(`{"version": 1, "name": "", "source": {"type": "ORACLE", "schemas": []}, "collections": [
		{"name": "a$b", "table": {"schema": "public", "name": ""}}, {"name": "x", "table": {"schema": "public", "name": "t"}, "keyHandling": "RANDOM"}]}`)
	err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/project/import", bad, nil)
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Fatalf("got %v, want 400", err)
	}
	for _, want := range []string{"$.name", "$.source.type", "$.source.schemas", "$.collections[0].name", "$.collections[0].table.name", "$.collections[1].keyHandling"} {
		if !strings.Contains(apiErr.Description, want) {
			t.Errorf("description %q does not list %s", apiErr.Description, want)
		}
	}
}
