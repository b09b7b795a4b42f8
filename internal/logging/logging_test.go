package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	sdklog "go.temporal.io/sdk/log"
)

// TestJSONLinesCarryJobAttributes: in JSON format every line is one JSON object, and the
// attributes a job's loggers add (through the Temporal SDK's structured logger, as workflows and
// activities log) are top-level keys.
func TestJSONLinesCarryJobAttributes(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(&buf, "debug", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.With(KeyJobID, "job-1", KeyCollection, "albums").Info("chunk copied", KeyChunk, int64(7))
	sdklog.With(sdklog.NewStructuredLogger(l), KeyJobID, "job-2").Warn("collection failed", KeyCollection, "tracks")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "chunk copied", "job_id": "job-1", "collection": "albums", "chunk": float64(7)},
		{"level": "WARN", "msg": "collection failed", "job_id": "job-2", "collection": "tracks"},
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		if _, ok := got["time"]; !ok {
			t.Errorf("line %d has no time: %s", i, line)
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("line %d: %s = %v, want %v (%s)", i, k, got[k], v, line)
			}
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		level, format string
		wantErr       string
		wantPrefix    string // of the line logged at INFO ("" = filtered out)
	}{
		{"info", "json", "", `{"time":`},
		{"INFO", "JSON", "", `{"time":`},
		{"info", "text", "", "time="},
		{"warn", "text", "", ""},
		{"verbose", "json", `invalid --log-level "verbose": use debug, info, warn or error`, ""},
		{"info", "xml", `invalid --log-format "xml": use json or text`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.level+"/"+tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := New(&buf, tc.level, tc.format)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l.Info("hello")
			if got := buf.String(); !strings.HasPrefix(got, tc.wantPrefix) || (tc.wantPrefix == "" && got != "") {
				t.Errorf("logged %q, want prefix %q", got, tc.wantPrefix)
			}
		})
	}
}
