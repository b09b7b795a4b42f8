package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// statusChange says, for each status the workflow records on a control transition, from which
// statuses the change is allowed and which event tells the user about it.
var statusChange = map[string]struct {
	from    []string
	message string
	final   bool
}{
	contract.StatusPaused: {
		from:    []string{contract.StatusNotStarted, contract.StatusRunning, contract.StatusPaused},
		message: "job paused: chunks in flight finish, no new chunk starts until the job is resumed",
	},
	contract.StatusRunning: {
		from:    []string{contract.StatusNotStarted, contract.StatusRunning, contract.StatusPaused},
		message: "job resumed from the next unfinished chunk",
	},
	contract.StatusCancelling: {
		from:    []string{contract.StatusNotStarted, contract.StatusRunning, contract.StatusPaused, contract.StatusCancelling},
		message: "stop requested: cancelling the chunks in flight",
	},
	contract.StatusCancelled: {
		from:    []string{contract.StatusNotStarted, contract.StatusRunning, contract.StatusPaused, contract.StatusCancelling},
		message: "job cancelled: the documents written so far are kept; start a new job to finish the copy",
		final:   true,
	},
}

// SetJobStatus records a control transition that the MigrationWorkflow has applied (PAUSED,
// RUNNING, CANCELLING, CANCELLED) and logs it as an INFO event. The update is conditional: it never
// moves a job out of a terminal state, nor out of CANCELLING except to CANCELLED, so a late or
// retried call cannot undo a newer state; a refused change is not an error. It takes a
// FinishJobInput (JobID and Status; Failure is unused) rather than an input of its own so the
// contract gains no new type for two fields.
func (a *Activities) SetJobStatus(ctx context.Context, in contract.FinishJobInput) error {
	change, ok := statusChange[in.Status]
	if !ok {
		return setupError(fmt.Errorf("job %s: status %q is not a control transition", in.JobID, in.Status))
	}
	now := time.Now().UTC()
	u := store.JobUpdate{Status: &in.Status, IfStatusIn: change.from}
	if change.final {
		u.FinishedAt = &now
	}
	err := a.Store.UpdateJob(ctx, in.JobID, u)
	if errors.Is(err, store.ErrConflict) {
		a.Logger.Info("job status not changed: a newer state is recorded", "job_id", in.JobID, "status", in.Status, "reason", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording status %s of job %s: %w", in.Status, in.JobID, err)
	}
	ev := store.Event{JobID: in.JobID, EventType: "INFO", Stage: "SNAPSHOTTING", Message: change.message, Timestamp: now}
	if err := a.Store.AppendEvents(ctx, in.JobID, []store.Event{ev}); err != nil {
		return fmt.Errorf("recording the %s event of job %s: %w", in.Status, in.JobID, err)
	}
	return nil
}
