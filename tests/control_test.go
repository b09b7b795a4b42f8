package tests

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/bson"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/activities"
	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
	"github.com/relmongo/relmongo/worker"
)

// Job control through the REST API (API.md, States and control). Every cell of the table is
// exercised by a test of this file:
//
//	state \ action   pause                       resume                          stop
//	NOT_STARTED      TestControlWithoutWorker    TestControlWithoutWorker        TestControlWithoutWorker
//	RUNNING          TestPauseThenResume         TestPauseThenResume             TestStopWhileRunning
//	PAUSED           TestPauseThenResume         TestPauseThenResume             TestControlWithoutWorker
//	CANCELLING       TestControlWithoutWorker    TestControlWithoutWorker        TestControlWithoutWorker
//	CLEANING_UP      TestControlEndedJobs        TestControlEndedJobs            TestControlEndedJobs
//	COMPLETED        TestControlEndedJobs        TestControlEndedJobs            TestControlEndedJobs
//	FAILED           TestControlEndedJobs        TestControlEndedJobs            TestControlEndedJobs
//	CANCELLED        TestStopWhileRunning        TestStopWhileRunning            TestStopWhileRunning
//
// NOT_STARTED and CANCELLING are held still by a stack without a worker (nothing processes the
// signals until the test starts one); CLEANING_UP lasts milliseconds in a real job, so that row
// uses a job record in that state (the API decides from the record before it signals anything).

// control posts pause, resume or stop and returns the answered status, or the HTTP error status.
func control(t *testing.T, c *apiclient.Client, id, action string) (status string, code int) {
	t.Helper()
	var j apiclient.Job
	err := c.Do(context.Background(), http.MethodPost, "/api/v1/jobs/"+id+"/"+action, nil, &j)
	if err != nil {
		if code := errStatus(err); code != 0 {
			return "", code
		}
		t.Fatalf("%s job %s: %v", action, id, err)
	}
	return j.Status, http.StatusOK
}

// expectControl checks one cell of the table: the answered code and, for 200, the status.
func expectControl(t *testing.T, c *apiclient.Client, id, action string, wantCode int, wantStatus ...string) {
	t.Helper()
	status, code := control(t, c, id, action)
	if code != wantCode || (code == http.StatusOK && !slices.Contains(wantStatus, status)) {
		t.Fatalf("%s: HTTP %d with status %q, want HTTP %d with one of %v", action, code, status, wantCode, wantStatus)
	}
}

// queryControl asks the job's workflow for its control state.
func queryControl(t *testing.T, tc client.Client, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := tc.QueryWorkflow(ctx, id, "", contract.QueryControlState)
	if err != nil {
		t.Fatalf("querying job %s: %v", id, err)
	}
	var s string
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// pendingActivities counts the activities in flight of a workflow.
func pendingActivities(t *testing.T, tc client.Client, workflowID string) int {
	t.Helper()
	d, err := tc.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil {
		t.Fatalf("describing %s: %v", workflowID, err)
	}
	return len(d.GetPendingActivities())
}

// logMessages returns the messages of a job's events of one type, newest first.
func logMessages(t *testing.T, c *apiclient.Client, id, eventType string) []string {
	t.Helper()
	var evs []struct{ Message string }
	if err := c.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/logs?eventType="+eventType, nil, &evs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Message)
	}
	return out
}

func hasMessage(msgs []string, prefix string) bool {
	return slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, prefix) })
}

// tablesView is the part of GET /jobs/{id}/tables the tests read.
type tablesView struct {
	Status      string `json:"status"`
	Collections []struct {
		Collection       string `json:"collection"`
		State            string `json:"state"`
		RowsRead         int64  `json:"rowsRead"`
		DocumentsWritten int64  `json:"documentsWritten"`
		ChunksDone       int64  `json:"chunksDone"`
		ChunksPlanned    int64  `json:"chunksPlanned"`
		Tables           []struct {
			Table string `json:"table"`
			Role  string `json:"role"`
		} `json:"tables"`
	} `json:"collections"`
}

func jobTables(t *testing.T, c *apiclient.Client, id string) tablesView {
	t.Helper()
	var v tablesView
	if err := c.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/tables", nil, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// throttledSeriesJob starts a job over a 20,000-row series table that takes about 5 s: 20 chunks
// of 1,000 rows, 2 in flight, each throttled to 2,000 rows/s (test hook). canAfter > 0 makes the
// collection workflow continue as new every canAfter chunks.
func throttledSeriesJob(t *testing.T, canAfter int) (id, db, srcURL string) {
	t.Helper()
	db, srcURL = seriesDB(t, 20_000)
	projectID := importProject(t, seriesProject())
	body := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 1000, "chunkWindow": 2})
	hooks := map[string]any{"throttleRowsPerSecond": 2000}
	if canAfter > 0 {
		hooks["continueAsNewAfterChunks"] = canAfter
	}
	body["testHooks"] = hooks
	id = startJob(t, body)
	waitFor(t, time.Minute, "the job running with rows read", func() bool {
		j := getJob(t, e2e.api, id)
		return j.Status == "RUNNING" && j.Statistics.TotalEventsSeen > 0
	})
	return id, db, srcURL
}

// TestPauseThenResume pauses a running job: the chunks in flight finish, no chunk starts while it
// is paused, and after resume the job completes with exactly the source's data. The collection
// workflow continues as new every 3 chunks, so pause and resume must reach it across runs.
func TestPauseThenResume(t *testing.T) {
	t.Parallel()
	id, db, srcURL := throttledSeriesJob(t, 3)
	tc := e2e.stack.Temporal
	expectControl(t, e2e.api, id, "pause", http.StatusOK, "PAUSED")
	if s := getJob(t, e2e.api, id).Status; s != "PAUSED" {
		t.Fatalf("GET after pause: %s", s)
	}
	waitFor(t, 30*time.Second, "the workflow to apply the pause", func() bool { return queryControl(t, tc, id) == "PAUSED" })
	waitFor(t, 30*time.Second, "the chunks in flight to finish", func() bool { return pendingActivities(t, tc, id+"-items") == 0 })
	paused := getJob(t, e2e.api, id).Statistics.TotalEventsSeen
	// Nothing may start while paused: watch for a while (a started chunk shows as a pending
	// activity at once, and reads 2,000 rows/s).
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if n := pendingActivities(t, tc, id+"-items"); n != 0 {
			t.Fatalf("%d chunks started while the job is paused", n)
		}
	}
	if now := getJob(t, e2e.api, id).Statistics.TotalEventsSeen; now != paused || paused >= 20_000 {
		t.Fatalf("rows read while paused went %d -> %d (of 20000)", paused, now)
	}
	if tb := jobTables(t, e2e.api, id); tb.Collections[0].State != "PAUSED" {
		t.Errorf("tables while paused: %+v", tb)
	}
	t.Logf("paused at %d of 20000 rows", paused)
	expectControl(t, e2e.api, id, "pause", http.StatusOK, "PAUSED") // PAUSED + pause: no change
	expectControl(t, e2e.api, id, "resume", http.StatusOK, "RUNNING")
	expectControl(t, e2e.api, id, "resume", http.StatusOK, "RUNNING", "CLEANING_UP", "COMPLETED") // RUNNING + resume: no change
	final := waitJob(t, id)
	if final.Status != "COMPLETED" || final.Statistics.TotalEventsSeen != 20_000 {
		t.Fatalf("job ended %s with %d rows read", final.Status, final.Statistics.TotalEventsSeen)
	}
	checkSeriesCopy(t, srcURL, e2e.mongo, db, false)
	info := logMessages(t, e2e.api, id, "INFO")
	if !hasMessage(info, "job paused") || !hasMessage(info, "job resumed") {
		t.Errorf("INFO events %v: want the pause and the resume", info)
	}
	d, err := tc.DescribeWorkflowExecution(context.Background(), id+"-items", "")
	if err != nil {
		t.Fatal(err)
	}
	if info := d.GetWorkflowExecutionInfo(); info.GetFirstRunId() == info.GetExecution().GetRunId() {
		t.Error("the collection workflow never continued as new: the test does not cover it")
	}
	tb := jobTables(t, e2e.api, id)
	c := tb.Collections[0]
	if c.State != "DONE" || c.RowsRead != 20_000 || c.DocumentsWritten != 20_000 || c.ChunksDone < 20 || c.ChunksPlanned != c.ChunksDone ||
		len(c.Tables) != 1 || c.Tables[0].Table != "public.items" || c.Tables[0].Role != "ROOT" {
		t.Errorf("tables after the job: %+v", tb)
	}
}

// TestStopWhileRunning stops a running job: it ends CANCELLED promptly, its chunks in flight are
// cancelled (nothing is written after CANCELLED), the documents written so far stay and equal
// their rows, and every control request afterwards is refused.
func TestStopWhileRunning(t *testing.T) {
	t.Parallel()
	id, db, srcURL := throttledSeriesJob(t, 0)
	stopped := time.Now()
	expectControl(t, e2e.api, id, "stop", http.StatusOK, "CANCELLING", "CANCELLED")
	final := waitJob(t, id)
	took := time.Since(stopped)
	if final.Status != "CANCELLED" {
		t.Fatalf("job ended %s after stop", final.Status)
	}
	t.Logf("CANCELLED %s after the stop, at %d of 20000 rows", took.Round(100*time.Millisecond), final.Statistics.TotalEventsSeen)
	if took > 20*time.Second {
		t.Errorf("stop took %s: cancellation did not reach the chunks promptly", took)
	}
	coll := e2e.mongo.Database(db).Collection("items")
	count := func() int64 {
		n, err := coll.CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	atCancel := count()
	if atCancel == 0 || atCancel >= 20_000 {
		t.Fatalf("%d documents after the stop, want some but not all 20000", atCancel)
	}
	if n := checkSeriesCopy(t, srcURL, e2e.mongo, db, true); int64(n) != atCancel {
		t.Errorf("count %d but %d documents read", atCancel, n)
	}
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if n := count(); n != atCancel {
			t.Fatalf("documents went %d -> %d after CANCELLED: a chunk was still writing", atCancel, n)
		}
	}
	for _, action := range []string{"pause", "resume", "stop"} {
		expectControl(t, e2e.api, id, action, http.StatusConflict)
	}
	d, err := e2e.stack.Temporal.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
		t.Errorf("workflow status %s, want Canceled", st)
	}
	info := logMessages(t, e2e.api, id, "INFO")
	if !hasMessage(info, "stop requested") || !hasMessage(info, "job cancelled") {
		t.Errorf("INFO events %v: want the stop and the cancellation", info)
	}
	if tb := jobTables(t, e2e.api, id); tb.Collections[0].State != "CANCELLED" {
		t.Errorf("tables after the stop: %+v", tb)
	}
}

// TestControlWithoutWorker drives a job through NOT_STARTED, PAUSED and CANCELLING while no worker
// runs (the API records every transition itself, and GET answers), then starts a worker: the job,
// stopped before it started, ends CANCELLED without writing anything.
func TestControlWithoutWorker(t *testing.T) {
	t.Parallel()
	s := startBareStack(t)
	db, srcURL := seriesDB(t, 1000)
	projectID := importProjectTo(t, s.api, seriesProject())
	var created apiclient.Job
	if err := s.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", jobRequestTo(s.Dev.MongoURI(), projectID, srcURL, db, nil), &created); err != nil {
		t.Fatal(err)
	}
	id := created.ID
	if created.Status != "NOT_STARTED" {
		t.Fatalf("new job %s", created.Status)
	}
	steps := []struct {
		action string
		code   int
		status string
	}{
		{"resume", http.StatusOK, "NOT_STARTED"}, // NOT_STARTED + resume: no change
		{"pause", http.StatusOK, "PAUSED"},       // NOT_STARTED + pause
		{"pause", http.StatusOK, "PAUSED"},       // PAUSED + pause: no change
		{"resume", http.StatusOK, "NOT_STARTED"}, // PAUSED + resume, never started
		{"stop", http.StatusOK, "CANCELLING"},    // NOT_STARTED + stop
		{"stop", http.StatusOK, "CANCELLING"},    // CANCELLING + stop: no change
		{"pause", http.StatusConflict, ""},       // CANCELLING + pause
		{"resume", http.StatusConflict, ""},      // CANCELLING + resume
	}
	for _, st := range steps {
		expectControl(t, s.api, id, st.action, st.code, st.status)
		if st.code == http.StatusOK {
			if got := getJob(t, s.api, id).Status; got != st.status {
				t.Fatalf("GET after %s: %s, want %s", st.action, got, st.status)
			}
		}
	}
	if tb := jobTables(t, s.api, id); len(tb.Collections) != 1 || tb.Collections[0].State != "PENDING" {
		t.Errorf("tables of a job that never started: %+v", tb)
	}

	// A second job, paused then stopped: PAUSED + stop.
	db2, srcURL2 := seriesDB(t, 10)
	var second apiclient.Job
	if err := s.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", jobRequestTo(s.Dev.MongoURI(), projectID, srcURL2, db2, nil), &second); err != nil {
		t.Fatal(err)
	}
	expectControl(t, s.api, second.ID, "pause", http.StatusOK, "PAUSED")
	expectControl(t, s.api, second.ID, "stop", http.StatusOK, "CANCELLING")

	acts := activities.New(s.Store, mustKey(t, s.key), nil)
	w := worker.New(s.Temporal, acts, worker.Options{})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); acts.Close() })
	for _, j := range []struct{ id, db string }{{id, db}, {second.ID, db2}} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		final, err := s.api.WaitJob(ctx, j.id, 100*time.Millisecond, nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if final.Status != "CANCELLED" {
			t.Errorf("job stopped before it started ended %s", final.Status)
		}
		if n, _ := s.mongo.Database(j.db).Collection("items").CountDocuments(context.Background(), bson.D{}); n != 0 {
			t.Errorf("a job stopped before it started wrote %d documents", n)
		}
		for _, action := range []string{"pause", "resume", "stop"} { // CANCELLED row
			expectControl(t, s.api, j.id, action, http.StatusConflict)
		}
	}
}

// TestControlEndedJobs: pause, resume and stop are refused (409) on a COMPLETED job, and on job
// records in CLEANING_UP and FAILED; unknown and malformed ids are 404 and 400.
func TestControlEndedJobs(t *testing.T) {
	t.Parallel()
	db, srcURL := seriesDB(t, 100)
	projectID := importProject(t, seriesProject())
	done := runJob(t, jobRequest(projectID, srcURL, db, nil))
	ids := map[string]string{"COMPLETED": done.ID}
	for _, status := range []string{"CLEANING_UP", "FAILED"} {
		ids[status] = syntheticJob(t, "p-"+randomSuffix(), status, time.Now())
	}
	for status, id := range ids {
		for _, action := range []string{"pause", "resume", "stop"} {
			t.Run(status+"/"+action, func(t *testing.T) {
				err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs/"+id+"/"+action, nil, nil)
				if errStatus(err) != http.StatusConflict {
					t.Fatalf("%s on a %s job: %v, want 409", action, status, err)
				}
				if !strings.Contains(err.Error(), status) {
					t.Errorf("409 message %q does not say the job's status", err)
				}
				if got := getJob(t, e2e.api, id).Status; got != status {
					t.Errorf("status changed to %s", got)
				}
			})
		}
	}
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs/"+uuid.NewString()+"/pause", nil, nil); errStatus(err) != http.StatusNotFound {
		t.Errorf("pause of an unknown job: %v, want 404", err)
	}
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs/bad_id/stop", nil, nil); errStatus(err) != http.StatusBadRequest {
		t.Errorf("stop with a malformed id: %v, want 400", err)
	}
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+uuid.NewString()+"/tables", nil, nil); errStatus(err) != http.StatusNotFound {
		t.Errorf("tables of an unknown job: %v, want 404", err)
	}
}

// syntheticRequest is what POST /jobs records of a request with default options: the status
// object echoes it (the OpenAPI check requires real values there).
var syntheticRequest = []byte(`{"options":{"mode":"SNAPSHOT","dropCollections":false,"errorHandling":"FAIL","errorTolerance":0,` +
	`"sourceTimeZone":"UTC","chunkRows":10000,"chunkBytes":16777216,"parallelism":2,"chunkWindow":4,"maxSourceConnections":8},` +
	`"verificationRequested":false}`)

// syntheticJob stores a job record with the given status and no workflow, for states a real job
// passes through too quickly to test, and for list tests; an in-progress one is moved to
// CANCELLED at cleanup so it never counts as a running job for other tests.
func syntheticJob(t *testing.T, projectID, status string, submitted time.Time) string {
	t.Helper()
	id := uuid.NewString()
	err := e2e.stack.Store.CreateJob(context.Background(), store.Job{ID: id, ProjectID: projectID, Status: status,
		SubmittedAt: submitted, TargetKey: "synthetic/" + id, Request: syntheticRequest})
	if err != nil {
		t.Fatal(err)
	}
	if !contract.IsTerminal(status) {
		t.Cleanup(func() {
			cancelled := contract.StatusCancelled
			_ = e2e.stack.Store.UpdateJob(context.Background(), id, store.JobUpdate{Status: &cancelled})
		})
	}
	return id
}

func mustKey(t *testing.T, b64 string) secret.Key {
	t.Helper()
	k, err := secret.ParseKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
