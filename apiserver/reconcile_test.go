package apiserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// closedTemporal is a Temporal client whose workflows have all closed with status wf: signals
// fail with NotFound, as Temporal's do for a closed workflow. Other methods are not used.
type closedTemporal struct {
	client.Client
	wf       enumspb.WorkflowExecutionStatus
	signals  int
	describe int
}

func (c *closedTemporal) SignalWorkflow(context.Context, string, string, string, any) error {
	c.signals++
	return serviceerror.NewNotFound("workflow execution already completed")
}

func (c *closedTemporal) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	c.describe++
	return &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: c.wf}}, nil
}

// reconcileServer is a server on a fresh store holding job "j1" in status status, whose workflow
// closed with status wf.
func reconcileServer(t *testing.T, status string, wf enumspb.WorkflowExecutionStatus) (*Server, *store.Store, *closedTemporal) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "relmongo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	tc := &closedTemporal{wf: wf}
	s := New(st, tc, testKey(t), Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	job := store.Job{ID: "j1", ProjectID: "p1", SubmittedAt: time.Now().UTC().Add(-time.Hour), Status: contract.StatusNotStarted,
		TargetKey: "t", Request: []byte(`{}`), Project: []byte(`{}`)}
	if err := st.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if status != contract.StatusNotStarted {
		if err := st.UpdateJob(ctx, "j1", store.JobUpdate{Status: &status}); err != nil {
			t.Fatal(err)
		}
	}
	return s, st, tc
}

func postControl(t *testing.T, s *Server, action string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/jobs/j1/"+action, nil))
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body
}

// TestControlReconcilesClosedWorkflow: a control request on an in-progress job whose workflow was
// closed outside relmongo records the job's end (FAILED, or CANCELLED for a cancelled workflow)
// with an event; stop answers 200 with the reconciled job, pause and resume 409.
func TestControlReconcilesClosedWorkflow(t *testing.T) {
	tests := []struct {
		status, action string
		wf             enumspb.WorkflowExecutionStatus
		wantCode       int
		wantStatus     string
		wantMessage    string
	}{
		{contract.StatusRunning, actionStop, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, 200, contract.StatusFailed,
			"the job's workflow was terminated in Temporal outside relmongo (status TERMINATED); documents written so far are kept; start a new job"},
		{contract.StatusNotStarted, actionStop, enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, 200, contract.StatusFailed,
			"the job's workflow timed out in Temporal (status TIMED_OUT) without recording the job's end; documents written so far are kept; start a new job"},
		{contract.StatusPaused, actionStop, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, 200, contract.StatusCancelled, ""},
		{contract.StatusCancelling, actionStop, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, 200, contract.StatusFailed,
			"the job's workflow was terminated in Temporal outside relmongo (status TERMINATED); documents written so far are kept; start a new job"},
		{contract.StatusRunning, actionPause, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, 409, contract.StatusFailed,
			"the job's workflow was terminated in Temporal outside relmongo (status TERMINATED); documents written so far are kept; start a new job"},
		{contract.StatusPaused, actionResume, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, 409, contract.StatusFailed,
			"the job's workflow closed in Temporal (status FAILED) without recording the job's end; documents written so far are kept; start a new job"},
	}
	for _, tc := range tests {
		t.Run(tc.status+"/"+tc.action+"/"+tc.wf.String(), func(t *testing.T) {
			s, st, temporal := reconcileServer(t, tc.status, tc.wf)
			code, body := postControl(t, s, tc.action)
			if code != tc.wantCode {
				t.Fatalf("%s: %d %v, want %d", tc.action, code, body, tc.wantCode)
			}
			if code == 200 && body["status"] != tc.wantStatus {
				t.Errorf("response status %v, want %s", body["status"], tc.wantStatus)
			}
			j, err := st.GetJob(context.Background(), "j1")
			if err != nil {
				t.Fatal(err)
			}
			if j.Status != tc.wantStatus || j.FinishedAt == nil {
				t.Fatalf("stored job %s finished %v, want %s with an end time", j.Status, j.FinishedAt, tc.wantStatus)
			}
			var fe contract.FailureError
			_ = json.Unmarshal(j.FailureError, &fe)
			if tc.wantMessage == "" {
				if len(j.FailureError) > 0 {
					t.Errorf("a cancelled job has failureError %s", j.FailureError)
				}
			} else if fe.ErrorType != contract.ErrTypeClosedOutside || fe.Message != tc.wantMessage || fe.FailureAt == "" {
				t.Errorf("failureError %+v, want %s %q", fe, contract.ErrTypeClosedOutside, tc.wantMessage)
			}
			evs, err := st.ListEvents(context.Background(), "j1", 10, 0, "")
			if err != nil || len(evs) != 1 {
				t.Fatalf("events %+v (%v): want the reconciliation event", evs, err)
			}
			if tc.wantMessage != "" && (evs[0].EventType != "ERROR" || evs[0].Message != tc.wantMessage) {
				t.Errorf("event %+v", evs[0])
			}
			if temporal.describe != 1 {
				t.Errorf("Temporal described %d times, want once", temporal.describe)
			}
			// A second request finds an ended job: 409, with no new event.
			if code, body := postControl(t, s, tc.action); code != 409 {
				t.Errorf("second %s: %d %v, want 409", tc.action, code, body)
			}
			if evs, _ := st.ListEvents(context.Background(), "j1", 10, 0, ""); len(evs) != 1 {
				t.Errorf("%d events after a second request, want 1", len(evs))
			}
		})
	}
}

// TestReconcileKeepsTheWorkflowsOwnEnd: when the record moved on since it was read (the workflow
// recorded its end), the conditional update leaves it alone.
func TestReconcileKeepsTheWorkflowsOwnEnd(t *testing.T) {
	s, st, _ := reconcileServer(t, contract.StatusRunning, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	ctx := context.Background()
	stale, err := st.GetJob(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	done := contract.StatusCompleted
	if err := st.UpdateJob(ctx, "j1", store.JobUpdate{Status: &done}); err != nil {
		t.Fatal(err)
	}
	changed, err := s.reconcile(ctx, stale)
	if err != nil || changed {
		t.Fatalf("reconcile of a stale read: changed %v, %v; want no change", changed, err)
	}
	if j, _ := st.GetJob(ctx, "j1"); j.Status != contract.StatusCompleted || len(j.FailureError) > 0 {
		t.Fatalf("job %s %s, want COMPLETED untouched", j.Status, j.FailureError)
	}
}

// TestReconcileLeavesRunningWorkflows: a running workflow is not reconciled.
func TestReconcileLeavesRunningWorkflows(t *testing.T) {
	s, st, _ := reconcileServer(t, contract.StatusRunning, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
	j, _ := st.GetJob(context.Background(), "j1")
	if changed, err := s.reconcile(context.Background(), j); err != nil || changed {
		t.Fatalf("changed %v, %v", changed, err)
	}
	// Temporal says running yet refuses the signal (it just closed): nothing is recorded.
	if code, body := postControl(t, s, actionStop); code != 409 {
		t.Errorf("stop: %d %v, want 409", code, body)
	}
	if j, _ := st.GetJob(context.Background(), "j1"); j.Status != contract.StatusRunning {
		t.Errorf("job %s, want RUNNING untouched", j.Status)
	}
}

// TestReconcileTarget: admission reconciles the closed jobs of its project and target only.
func TestReconcileTarget(t *testing.T) {
	s, st, _ := reconcileServer(t, contract.StatusRunning, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED)
	ctx := context.Background()
	if s.reconcileTarget(ctx, "p1", "other-target") || s.reconcileTarget(ctx, "p2", "t") {
		t.Fatal("reconciled a job of another target or project")
	}
	if j, _ := st.GetJob(ctx, "j1"); j.Status != contract.StatusRunning {
		t.Fatalf("job %s, want RUNNING", j.Status)
	}
	if !s.reconcileTarget(ctx, "p1", "t") {
		t.Fatal("the closed job of the target was not reconciled")
	}
	if j, _ := st.GetJob(ctx, "j1"); j.Status != contract.StatusFailed {
		t.Fatalf("job %s, want FAILED", j.Status)
	}
}
