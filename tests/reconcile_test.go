package tests

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestStopAfterOutsideTerminate: a running job whose workflow is terminated in Temporal (as from
// the Temporal Web UI) is reconciled by stop: FAILED with a failureError saying so and an ERROR
// event, and a new job on the same project and target is admitted and completes. A terminated job
// nobody stops is reconciled by the admission of the next job on its target.
func TestStopAfterOutsideTerminate(t *testing.T) {
	t.Parallel()
	db, srcURL := seriesDB(t, 20_000)
	projectID := importProject(t, seriesProject())
	body := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 1000, "chunkWindow": 2})
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 2000}
	id := startJob(t, body)
	waitFor(t, time.Minute, "the job running with rows read", func() bool {
		j := getJob(t, e2e.api, id)
		return j.Status == "RUNNING" && j.Statistics.TotalEventsSeen > 0
	})
	if err := e2e.stack.Temporal.TerminateWorkflow(context.Background(), id, "", "terminated by a tester in the Temporal Web UI"); err != nil {
		t.Fatal(err)
	}
	// The record cannot know yet: only the API's next look at Temporal reconciles it.
	if s := getJob(t, e2e.api, id).Status; s != "RUNNING" {
		t.Fatalf("status right after the terminate: %s", s)
	}
	expectControl(t, e2e.api, id, "stop", http.StatusOK, "FAILED")
	j := getJob(t, e2e.api, id)
	const want = "the job's workflow was terminated in Temporal outside relmongo (status TERMINATED); documents written so far are kept; start a new job"
	if j.Status != "FAILED" || j.FailureError == nil || j.FailureError.ErrorType != "WorkflowClosedOutsideRelmongo" || j.FailureError.Message != want {
		t.Fatalf("job after stop: %s %+v, want FAILED with %q", j.Status, j.FailureError, want)
	}
	if errs := logMessages(t, e2e.api, id, "ERROR"); !hasMessage(errs, want) {
		t.Errorf("ERROR events %v: want the reconciliation", errs)
	}
	expectControl(t, e2e.api, id, "stop", http.StatusConflict) // an ended job

	// Terminated again, and nobody stops it: the next job's admission reconciles it.
	id2 := startJob(t, body)
	waitFor(t, time.Minute, "the second job running", func() bool { return getJob(t, e2e.api, id2).Status == "RUNNING" })
	if err := e2e.stack.Temporal.TerminateWorkflow(context.Background(), id2, "", "terminated by a tester"); err != nil {
		t.Fatal(err)
	}
	delete(body, "testHooks")
	next := runJob(t, body)
	if next.Statistics.TotalEventsSeen != 20_000 {
		t.Fatalf("the next job read %d rows, want 20000", next.Statistics.TotalEventsSeen)
	}
	if j := getJob(t, e2e.api, id2); j.Status != "FAILED" || j.FailureError == nil || j.FailureError.Message != want {
		t.Errorf("second terminated job: %s %+v, want FAILED with %q", j.Status, j.FailureError, want)
	}
	checkSeriesCopy(t, srcURL, e2e.mongo, db, false)
}
