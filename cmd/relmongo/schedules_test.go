package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchedulesCmd checks that each subcommand calls its endpoint with its body and prints the
// answer.
func TestSchedulesCmd(t *testing.T) {
	var gotMethod, gotPath, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotMethod, gotPath, gotBody = r.Method, r.URL.Path, string(b)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && r.URL.Path == "/api/v1/schedules" {
			_, _ = w.Write([]byte(`[{"id":"s1","paused":false,"spec":{"interval":"1h"},"overlap":"SKIP","nextRuns":["2026-01-01T01:00:00Z"],` +
				`"recentRuns":[{"scheduledTime":"2026-01-01T00:00:00Z","jobId":"s1-20260101T000000Z","status":"COMPLETED"}]}]`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"s1","paused":false}`))
	}))
	defer srv.Close()
	def := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(def, []byte(`{"id":"s1","spec":{"interval":"1h"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args               []string
		method, path, body string
	}{
		{[]string{"create", "--file", def}, http.MethodPost, "/api/v1/schedules", `"interval":"1h"`},
		{[]string{"list"}, http.MethodGet, "/api/v1/schedules", ""},
		{[]string{"show", "s1"}, http.MethodGet, "/api/v1/schedules/s1", ""},
		{[]string{"update", "s1", "-f", def}, http.MethodPatch, "/api/v1/schedules/s1", `"spec"`},
		{[]string{"pause", "s1"}, http.MethodPost, "/api/v1/schedules/s1/pause", ""},
		{[]string{"unpause", "s1"}, http.MethodPost, "/api/v1/schedules/s1/unpause", ""},
		{[]string{"trigger", "s1"}, http.MethodPost, "/api/v1/schedules/s1/trigger", ""},
		{[]string{"backfill", "s1", "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-02T00:00:00Z"}, http.MethodPost,
			"/api/v1/schedules/s1/backfill", `"startAt":"2026-01-01T00:00:00Z"`},
		{[]string{"delete", "s1"}, http.MethodDelete, "/api/v1/schedules/s1", ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := schedulesCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetArgs(append(tc.args, "--api", srv.URL, "--output", "json"))
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			if gotMethod != tc.method || gotPath != tc.path || !strings.Contains(gotBody, tc.body) {
				t.Fatalf("called %s %s %s, want %s %s with %s", gotMethod, gotPath, gotBody, tc.method, tc.path, tc.body)
			}
			if !strings.Contains(out.String(), `"id": "s1"`) {
				t.Fatalf("printed %q", out.String())
			}
		})
	}
	var table bytes.Buffer
	cmd := schedulesCmd()
	cmd.SetOut(&table)
	cmd.SetArgs([]string{"list", "--api", srv.URL})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "ID  STATE   SPEC      OVERLAP  NEXT RUN              LAST RUN\n" +
		"s1  ACTIVE  every 1h  SKIP     2026-01-01T01:00:00Z  2026-01-01T00:00:00Z COMPLETED s1-20260101T000000Z\n"
	if table.String() != want {
		t.Fatalf("schedules list printed\n%s\nwant\n%s", table.String(), want)
	}
	cmd = schedulesCmd()
	cmd.SetArgs([]string{"create", "--file", filepath.Join(t.TempDir(), "missing.json"), "--api", srv.URL})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("a missing file: %v", err)
	}
}
