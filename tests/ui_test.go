package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/relmongo/relmongo/internal/searchattr"
)

// uiExecution is one workflow of the Temporal Web UI server's list answer.
type uiExecution struct {
	Execution struct {
		WorkflowID string `json:"workflowId"`
	} `json:"execution"`
	Type struct {
		Name string `json:"name"`
	} `json:"type"`
	Memo struct {
		Fields map[string]json.RawMessage `json:"fields"`
	} `json:"memo"`
}

// uiWorkflows lists the workflows matching a visibility query through the Temporal Web UI
// server's HTTP API (what the UI's filter box sends), polling until want(list) holds: visibility
// is eventually consistent. It returns the last list and the raw answer.
func uiWorkflows(t *testing.T, query string, want func([]uiExecution) bool) ([]uiExecution, string) {
	t.Helper()
	ui := e2e.stack.Dev.UIURL()
	if ui == "" {
		t.Fatal("the test stack has no Web UI")
	}
	u := ui + "/api/v1/namespaces/" + url.PathEscape(e2e.stack.Dev.Namespace()) + "/workflows?query=" + url.QueryEscape(query)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var list []uiExecution
		var raw string
		resp, err := http.Get(u)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			raw = string(b)
			var body struct {
				Executions []uiExecution `json:"executions"`
			}
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
			} else if err = json.Unmarshal(b, &body); err == nil {
				list = body.Executions
				if want(list) {
					return list, raw
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the UI server's list for %s never matched: %v %s", query, err, raw)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// memoString decodes one memo field of the UI server's answer: a payload whose data is the
// base64 of a JSON string (or, if the server renders payloads as JSON, the value itself).
func memoString(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var p struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(raw, &p); err == nil && p.Data != "" {
		b, err := base64.StdEncoding.DecodeString(p.Data)
		if err != nil {
			t.Fatalf("memo data %s is not base64: %v", raw, err)
		}
		raw = b
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("memo field %s is not a string: %v", raw, err)
	}
	return s
}

// onlyWorkflow reports whether list is exactly the one workflow id.
func onlyWorkflow(id string) func([]uiExecution) bool {
	return func(list []uiExecution) bool { return len(list) == 1 && list[0].Execution.WorkflowID == id }
}

// TestTemporalUISearchAttributes (issue 9, acceptance 3): a job's workflow carries relmongo's
// search attributes and memo, so the Temporal Web UI finds it by project and by status, and shows
// the project name and the masked source (never the password); the job status links to its page.
func TestTemporalUISearchAttributes(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	var proj struct {
		Name string `json:"name"`
	}
	if err := getJSON(e2e.stack.APIURL+"/api/v1/project/"+projectID, &proj); err != nil || proj.Name == "" {
		t.Fatalf("reading project %s: %v %+v", projectID, err, proj)
	}
	// PostgreSQL here trusts local connections and ignores the password; it must still never
	// reach Temporal.
	password := "pw-" + randomSuffix()
	req := jobRequest(projectID, srcURL, db, nil)
	req["jdbcConnectionDetails"].(map[string]any)["password"] = password
	job := runJob(t, req)

	list, raw := uiWorkflows(t, fmt.Sprintf(`RelmongoProjectId = "%s"`, projectID), onlyWorkflow(job.ID))
	if list[0].Type.Name != "relmongo.Migration" {
		t.Errorf("workflow type %q, want relmongo.Migration", list[0].Type.Name)
	}
	if strings.Contains(raw, password) {
		t.Errorf("the UI server's answer holds the source password: %s", raw)
	}
	memo := map[string]string{}
	for k, v := range list[0].Memo.Fields {
		memo[k] = memoString(t, v)
	}
	var status struct {
		JDBCConnectionString  string `json:"jdbcConnectionString"`
		MongoConnectionString string `json:"mongoDbConnectionString"`
	}
	if err := getJSON(e2e.stack.APIURL+"/api/v1/jobs/"+job.ID, &status); err != nil {
		t.Fatal(err)
	}
	if memo["projectName"] != proj.Name {
		t.Errorf("memo projectName %q, want %q (memo %v)", memo["projectName"], proj.Name, memo)
	}
	if src := memo["source"]; src != status.JDBCConnectionString || !strings.HasPrefix(src, "jdbc:postgresql://") || !strings.Contains(src, "/"+db+"?") ||
		!strings.Contains(src, "password=*****") {
		t.Errorf("memo source %q, want the job's masked jdbcConnectionString %q (database %s, password masked)", src, status.JDBCConnectionString, db)
	}
	if tgt := memo["target"]; tgt != status.MongoConnectionString || !strings.HasSuffix(tgt, "/"+db) {
		t.Errorf("memo target %q, want the job's mongoDbConnectionString %q (database %s)", tgt, status.MongoConnectionString, db)
	}
	if len(memo) != 3 {
		t.Errorf("memo %v, want projectName, source and target", memo)
	}

	// The status reached its terminal value: RelmongoStatus was upserted on completion.
	uiWorkflows(t, fmt.Sprintf(`RelmongoProjectId = "%s" AND RelmongoStatus = "COMPLETED"`, projectID), onlyWorkflow(job.ID))
	uiWorkflows(t, fmt.Sprintf(`RelmongoJobId = "%s" AND RelmongoProjectName = "%s"`, job.ID, proj.Name), onlyWorkflow(job.ID))
	uiWorkflows(t, fmt.Sprintf(`RelmongoProjectId = "%s" AND RelmongoStatus = "RUNNING"`, projectID),
		func(l []uiExecution) bool { return len(l) == 0 })

	wantLink := e2e.stack.Dev.UIURL() + "/namespaces/" + e2e.stack.Dev.Namespace() + "/workflows/" + job.ID
	if job.Links.TemporalUI != wantLink {
		t.Errorf("links.temporalUi %q, want %q", job.Links.TemporalUI, wantLink)
	}
	resp, err := http.Get(job.Links.TemporalUI)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the job's UI page answered %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestTemporalUIScheduledRun: a scheduled run's job carries RelmongoScheduleId, so the UI lists a
// schedule's jobs; the run's wrapper workflow carries it too.
func TestTemporalUIScheduledRun(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 3)
	projectID := importProject(t, []byte(itemProject))
	sid := "ui-" + randomSuffix()
	createSchedule(t, map[string]any{"id": sid, "spec": map[string]any{"interval": "1h"}, "job": jobRequest(projectID, srcURL, db, nil)})
	start := time.Now().Add(-time.Second)
	scheduleAction(t, sid, "trigger", nil)
	var jobID string
	for _, j := range waitRun(t, sid, start, time.Minute) {
		if j.Status == "COMPLETED" {
			jobID = j.ID
		}
	}
	uiWorkflows(t, fmt.Sprintf(`RelmongoScheduleId = "%s" AND WorkflowType = "relmongo.Migration" AND RelmongoStatus = "COMPLETED"`, sid), onlyWorkflow(jobID))
	uiWorkflows(t, fmt.Sprintf(`RelmongoScheduleId = "%s" AND WorkflowType = "relmongo.ScheduledRun"`, sid), func(l []uiExecution) bool {
		return len(l) == 1 && strings.HasPrefix(l[0].Execution.WorkflowID, "relmongo-schedule-"+sid)
	})
	uiWorkflows(t, fmt.Sprintf(`RelmongoProjectId = "%s" AND RelmongoJobId = "%s"`, projectID, jobID), onlyWorkflow(jobID))
}

// TestSearchAttributeCheck: the start-up check of `relmongo api`/`worker` against a real Temporal
// server finds relmongo's attributes in the dev namespace, and in a namespace without them names
// every one with the exact command that creates it.
func TestSearchAttributeCheck(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tc := e2e.stack.Temporal
	ok, warning, err := searchattr.Check(ctx, tc.OperatorService(), e2e.stack.Dev.Namespace())
	if err != nil || !ok || warning != "" {
		t.Fatalf("dev namespace: ok %v, warning %q, error %v; want ok", ok, warning, err)
	}
	ns := "nosa-" + randomSuffix()
	if _, err := tc.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A new namespace reaches the frontend's cache within seconds.
	for {
		ok, warning, err = searchattr.Check(ctx, tc.OperatorService(), ns)
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if err != nil || ok {
		t.Fatalf("namespace %s: ok %v, error %v; want not ok", ns, ok, err)
	}
	for _, name := range []string{"RelmongoJobId", "RelmongoProjectId", "RelmongoProjectName", "RelmongoStatus", "RelmongoScheduleId"} {
		cmd := "temporal operator search-attribute create --namespace " + ns + " --name " + name + " --type Keyword"
		if !strings.Contains(warning, cmd) {
			t.Errorf("warning lacks %q: %s", cmd, warning)
		}
	}
}
