package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// unknownWorkflowGrace is how old a job must be before a workflow Temporal does not know is
// taken as gone (deleted, or past the namespace retention) rather than not started yet: POST
// /jobs records the job a moment before it starts the workflow.
const unknownWorkflowGrace = time.Minute

// closedOutside says what to record for an in-progress job whose workflow is closed with status
// wf (a Temporal status name, e.g. TERMINATED, or NOT_FOUND for a workflow Temporal no longer
// knows). A cancelled workflow stopped the job; any other end the workflow did not record is a
// failure. Documents already written stay in the target, as after any stop or failure.
func closedOutside(wf string) (status string, fe contract.FailureError) {
	if wf == "CANCELED" {
		return contract.StatusCancelled, contract.FailureError{}
	}
	msg := "the job's workflow was terminated in Temporal outside relmongo (status " + wf + ")"
	switch wf {
	case "NOT_FOUND":
		msg = "the job's workflow no longer exists in Temporal (deleted, or past the namespace retention) and never recorded the job's end"
	case "TIMED_OUT":
		msg = "the job's workflow timed out in Temporal (status TIMED_OUT) without recording the job's end"
	case "FAILED", "COMPLETED":
		msg = "the job's workflow closed in Temporal (status " + wf + ") without recording the job's end"
	}
	return contract.StatusFailed, contract.FailureError{ErrorType: contract.ErrTypeClosedOutside,
		Message: msg + "; documents written so far are kept; start a new job"}
}

// workflowClosed asks Temporal whether the job's workflow has closed, and with which status
// (closedOutside's names). An error means Temporal could not tell.
func (s *Server) workflowClosed(ctx context.Context, j store.Job) (closed bool, wf string, err error) {
	ctx, cancel := context.WithTimeout(ctx, signalTimeout)
	defer cancel()
	d, err := s.temporal.DescribeWorkflowExecution(ctx, j.ID, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return s.now().Sub(j.SubmittedAt) > unknownWorkflowGrace, "NOT_FOUND", nil
	}
	if err != nil {
		return false, "", err
	}
	st := d.GetWorkflowExecutionInfo().GetStatus()
	if st == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || st == enumspb.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED {
		return false, "", nil
	}
	return true, strings.TrimPrefix(enumspb.WorkflowExecutionStatus_name[int32(st)], "WORKFLOW_EXECUTION_STATUS_"), nil
}

// reconcile records the end of an in-progress job whose workflow Temporal reports closed: without
// it the record would stay in progress for ever and block the project's target (API.md, Jobs
// closed outside relmongo). It returns whether the record changed. The update is conditional on
// the status read, so a workflow that recorded its own end meanwhile wins. Nothing is written to
// Temporal: the workflow is closed.
func (s *Server) reconcile(ctx context.Context, j store.Job) (bool, error) {
	if contract.IsTerminal(j.Status) {
		return false, nil
	}
	closed, wf, err := s.workflowClosed(ctx, j)
	if err != nil || !closed {
		return false, err
	}
	status, fe := closedOutside(wf)
	now := s.now().UTC()
	u := store.JobUpdate{Status: &status, FinishedAt: &now, IfStatusIn: []string{j.Status}}
	msg := "job cancelled in Temporal outside relmongo (workflow status CANCELED)"
	if status == contract.StatusFailed {
		fe.FailureAt = now.Format(time.RFC3339)
		u.FailureError, _ = json.Marshal(fe)
		msg = fe.Message
	}
	err = s.store.UpdateJob(ctx, j.ID, u)
	if errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ev := store.Event{EventType: "ERROR", Stage: "SNAPSHOTTING", Message: msg, ErrorType: fe.ErrorType, Timestamp: now}
	if status == contract.StatusCancelled {
		ev.EventType = "WARNING"
	}
	if err := s.store.AppendEvents(ctx, j.ID, []store.Event{ev}); err != nil {
		s.log.Warn("recording the reconciliation event", "job_id", j.ID, "error", err)
	}
	s.log.Warn("job reconciled with its closed workflow", "job_id", j.ID, "from", j.Status, "to", status, "workflow_status", wf)
	return true, nil
}

// reconcileTarget reconciles the in-progress jobs of project projectID on target targetKey whose
// workflows have closed, and reports whether any was. POST /jobs calls it when such a job refuses
// admission, so a job terminated outside relmongo does not block its target until someone stops
// it. Problems only leave the refusal as it is, so they are logged.
func (s *Server) reconcileTarget(ctx context.Context, projectID, targetKey string) bool {
	jobs, err := s.store.ListJobs(ctx, store.JobFilter{ProjectID: projectID, InProgress: true})
	if err != nil {
		s.log.Warn("listing in-progress jobs to reconcile", "project_id", projectID, "error", err)
		return false
	}
	freed := false
	for _, j := range jobs {
		if j.TargetKey != targetKey {
			continue
		}
		changed, err := s.reconcile(ctx, j)
		if err != nil {
			s.log.Warn("asking Temporal about an in-progress job", "job_id", j.ID, "error", err)
		}
		freed = freed || changed
	}
	return freed
}
