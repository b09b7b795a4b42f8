package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/relmongo/relmongo/internal/contract"
)

// TestNoPasswordAnywhere runs a job whose source URL carries a password (the local PostgreSQL
// trusts connections, so any password works) and looks for that password in every API response,
// every log line and every payload of the job's Temporal histories — decoded without the key. As a
// positive control, decrypting the sealed connection in the history with the key reveals it.
func TestNoPasswordAnywhere(t *testing.T) {
	t.Parallel()
	const password = "Pw-e2e-7f3c9a1b-secret"
	db, srcURL := chinookDB(t)
	srcWithPassword := strings.Replace(srcURL, "postgres://postgres@", "postgres://postgres:"+password+"@", 1)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	body := jobRequest(projectID, srcWithPassword, db, nil)
	body["collectionFilters"] = []string{"artists", "playlistTracks"}
	job := runJob(t, body)

	var raw json.RawMessage
	for _, path := range []string{"/api/v1/jobs/" + job.ID, "/api/v1/jobs", "/api/v1/jobs/" + job.ID + "/logs", "/api/v1/project"} {
		if err := e2e.api.Do(context.Background(), http.MethodGet, path, nil, &raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), password) {
			t.Errorf("GET %s reveals the password", path)
		}
	}
	var status struct{ JDBCConnectionString string }
	_ = e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+job.ID, nil, &status)
	if !strings.Contains(status.JDBCConnectionString, db) {
		t.Errorf("jdbcConnectionString %q does not show the (masked) connection", status.JDBCConnectionString)
	}
	if strings.Contains(e2e.logs.String(), password) {
		t.Error("the logs reveal the password")
	}

	var sealed []contract.Connections
	for _, wfID := range []string{job.ID, job.ID + "-artists", job.ID + "-playlistTracks"} {
		payloads := historyPayloads(t, wfID)
		if len(payloads) == 0 {
			t.Fatalf("no payloads in the history of %s", wfID)
		}
		for _, p := range payloads {
			if strings.Contains(string(p), password) {
				t.Fatalf("the history of %s holds the password in clear", wfID)
			}
			var in struct {
				Connections *contract.Connections `json:"connections"`
			}
			if json.Unmarshal(p, &in) == nil && in.Connections != nil {
				sealed = append(sealed, *in.Connections)
			}
		}
	}
	if len(sealed) == 0 {
		t.Fatal("no sealed connection found in the histories: the positive control cannot run")
	}
	var sec contract.SourceSecret
	if err := e2e.stack.Key.OpenJSON(sealed[0].Source, &sec); err != nil {
		t.Fatalf("decrypting the sealed source with the key: %v", err)
	}
	if !strings.Contains(sec.URL+sec.Password, password) {
		t.Error("positive control failed: the decrypted connection does not hold the password")
	}
}

// historyPayloads returns the data of every payload in a workflow's history.
func historyPayloads(t *testing.T, workflowID string) [][]byte {
	t.Helper()
	it := e2e.stack.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out [][]byte
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		// Marshal the whole event to JSON: payload data appears base64-encoded; decode every
		// payload we can find by walking the proto message with the well-known accessors.
		b, _ := json.Marshal(ev)
		out = append(out, b)
		collect := func(ps *commonpb.Payloads) {
			for _, p := range ps.GetPayloads() {
				out = append(out, p.GetData())
			}
		}
		collect(ev.GetWorkflowExecutionStartedEventAttributes().GetInput())
		collect(ev.GetActivityTaskScheduledEventAttributes().GetInput())
		collect(ev.GetActivityTaskCompletedEventAttributes().GetResult())
		collect(ev.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetInput())
		collect(ev.GetWorkflowExecutionContinuedAsNewEventAttributes().GetInput())
		collect(ev.GetWorkflowExecutionCompletedEventAttributes().GetResult())
		collect(ev.GetActivityTaskStartedEventAttributes().GetLastFailure().GetApplicationFailureInfo().GetDetails())
		collect(ev.GetWorkflowExecutionFailedEventAttributes().GetFailure().GetApplicationFailureInfo().GetDetails())
	}
	return out
}
