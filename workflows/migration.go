package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// jobControl is a job's control state as its MigrationWorkflow sees it; the job status that the
// control query answers and that the workflow writes to the store derives from it.
type jobControl struct {
	pause    pauseState
	stopping bool
	// phase is NOT_STARTED until Prepare succeeded, then RUNNING, CLEANING_UP while the end is
	// recorded, and finally the terminal status.
	phase string
}

// status is the job status of API.md's states-and-control table.
func (c *jobControl) status() string {
	switch {
	case contract.IsTerminal(c.phase) || c.phase == contract.StatusCleaningUp:
		return c.phase
	case c.stopping:
		return contract.StatusCancelling
	case c.pause.paused:
		return contract.StatusPaused
	}
	return c.phase
}

// childRun is a launched CollectionWorkflow that has not ended yet.
type childRun struct {
	name   string
	future workflow.ChildWorkflowFuture
}

// Migration is MigrationWorkflow: prepare, copy every collection through a child workflow with at
// most Options.Parallelism at once, verify them when the job asks for it (verifyJob), then record
// the outcome in the job record.
//
// Control (API.md, States and control): pause stops launching collections and is forwarded to the
// running ones (no new chunk starts, chunks in flight finish); resume undoes it; stop (the stop
// signal, or a cancellation of this workflow in Temporal) cancels the collections, waits until
// their chunks in flight have stopped, and ends the job CANCELLED with the data written so far
// kept. The query QueryControlState answers the job status as this workflow sees it. Record
// errors reported by the collections count against errorTolerance across the whole job.
func Migration(ctx workflow.Context, in contract.MigrationInput) error {
	// Log keys match internal/logging's (job_id, collection, chunk), so one query finds a job's
	// lines from the API, the activities and the workflows.
	logger := log.With(workflow.GetLogger(ctx), "job_id", in.JobID)
	ctl := &jobControl{phase: contract.StatusNotStarted}
	attr := newStatusAttr(ctx)
	publish := func() { attr.set(ctx, ctl.status()) }
	if err := workflow.SetQueryHandler(ctx, contract.QueryControlState, func() (string, error) {
		return ctl.status(), nil
	}); err != nil {
		return fmt.Errorf("registering the control query: %w", err)
	}
	childCtx, cancelChildren := workflow.WithCancel(ctx)
	defer cancelChildren()
	sel := workflow.NewSelector(ctx)

	var active []*childRun
	addPauseSignals(ctx, sel, &ctl.pause, func() {
		for _, c := range active {
			forwardPause(ctx, c, ctl.pause)
		}
	})
	stop := func() {
		if !ctl.stopping {
			ctl.stopping = true
			cancelChildren()
		}
	}
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalStop), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		stop()
	})
	sel.AddReceive(cancelled(ctx), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		stop()
	})

	var firstErr error
	var failedAt string
	fail := func(err error, collection string) {
		if firstErr == nil {
			firstErr, failedAt = err, collection
			cancelChildren()
		}
	}
	tally := newErrorTally(in.Options)
	progress := workflow.GetSignalChannel(ctx, contract.SignalCollectionProgress)
	note := func(r contract.CollectionResult) {
		if err := tally.note(r); err != nil && !ctl.stopping {
			fail(err, r.Collection)
		}
	}
	sel.AddReceive(progress, func(c workflow.ReceiveChannel, _ bool) {
		var r contract.CollectionResult
		c.Receive(ctx, &r)
		note(r)
	})

	// Prepare is never cancelled: it records the job RUNNING when it ends, and an abandoned attempt
	// could do so after the job was recorded CANCELLED. A stop waits for it (it is short).
	var prep contract.PrepareResult
	var prepErr error
	prepared := false
	pctx, _ := workflow.NewDisconnectedContext(ctx)
	sel.AddFuture(workflow.ExecuteActivity(shortActivity(pctx), contract.PrepareActivity, contract.PrepareInput{Job: in}), func(f workflow.Future) {
		prepErr = f.Get(ctx, &prep)
		prepared = true
	})
	for !prepared {
		sel.Select(ctx)
		publish()
	}
	if prepErr != nil {
		ctl.phase = contract.StatusFailed
		publish()
		return finish(ctx, in.JobID, failureOf(prepErr, true, "", ""))
	}
	ctl.phase = contract.StatusRunning
	publish()
	names := make([]string, len(prep.Collections))
	for i, p := range prep.Collections {
		names[i] = p.Name
	}
	tally.collections(names)

	// Prepare recorded RUNNING; from now on the workflow writes every change of its status, one at
	// a time and in order, so the store converges to the workflow's view whatever the API wrote.
	written := contract.StatusRunning
	syncStatus := func() {
		if want := ctl.status(); want != written {
			setJobStatus(ctx, in.JobID, want)
			written = want
		}
		publish()
	}

	parallelism := max(in.Options.Parallelism, 1)
	running, next := 0, 0
	launch := func() {
		plan := prep.Collections[next]
		next++
		running++
		cctx := workflow.WithChildOptions(childCtx, workflow.ChildWorkflowOptions{
			WorkflowID: in.JobID + "-" + plan.Name,
			TaskQueue:  contract.TaskQueue,
			// A stopped job is CANCELLED only once its collections have stopped writing.
			WaitForCancellation: true,
		})
		f := workflow.ExecuteChildWorkflow(cctx, contract.CollectionWorkflow, contract.CollectionInput{
			JobID: in.JobID, Plan: plan, Connections: in.Connections, Options: in.Options, Hooks: in.Hooks,
			State: contract.CollectionState{Paused: ctl.pause.paused, PauseStamp: ctl.pause.stamp},
		})
		run := &childRun{name: plan.Name, future: f}
		active = append(active, run)
		sel.AddFuture(f, func(f workflow.Future) {
			running--
			for i, c := range active {
				if c == run {
					active = append(active[:i], active[i+1:]...)
					break
				}
			}
			var res contract.CollectionResult
			err := f.Get(ctx, &res)
			if err == nil {
				note(res)
				return
			}
			switch {
			case ctl.stopping:
				if !temporal.IsCanceledError(err) {
					logger.Warn("collection ended with an error while the job stops", "collection", plan.Name, "error", err)
				}
			case temporal.IsCanceledError(err) && firstErr != nil:
				// Cancelled because another collection failed.
			default:
				fail(err, plan.Name)
			}
		})
	}
	for {
		syncStatus()
		for firstErr == nil && !ctl.stopping && !ctl.pause.paused && running < parallelism && next < len(prep.Collections) {
			launch()
		}
		if running == 0 && (next >= len(prep.Collections) || firstErr != nil || ctl.stopping) {
			break
		}
		sel.Select(ctx)
	}
	// Reports sent just before their collection ended may still be queued.
	for {
		var r contract.CollectionResult
		if !progress.ReceiveAsync(&r) {
			break
		}
		note(r)
	}
	switch {
	case firstErr != nil:
		logger.Error("collection failed", "collection", failedAt, "error", firstErr)
		ctl.phase = contract.StatusFailed
		publish()
		return finish(ctx, in.JobID, failureOf(firstErr, false, failedAt, "COLLECTION"))
	case ctl.stopping:
		return cancelJob(ctx, in.JobID, ctl, syncStatus, publish)
	}
	if in.Verification.Enabled {
		verifyJob(ctx, in, prep, sel, ctl, childCtx, syncStatus)
		if ctl.stopping {
			return cancelJob(ctx, in.JobID, ctl, syncStatus, publish)
		}
	}
	ctl.phase = contract.StatusCleaningUp
	publish()
	err := finish(ctx, in.JobID, nil)
	ctl.phase = contract.StatusCompleted
	if err == nil {
		publish()
	}
	return err
}

// cancelJob ends a stopped job CANCELLED.
func cancelJob(ctx workflow.Context, jobID string, ctl *jobControl, syncStatus, publish func()) error {
	syncStatus()
	setJobStatus(ctx, jobID, contract.StatusCancelled)
	ctl.phase = contract.StatusCancelled
	publish()
	// Closing as cancelled (not completed) shows the stop in the Temporal Web UI too.
	return temporal.NewCanceledError("job stopped on request; documents written so far are kept")
}

// forwardPause sends the job's pause state to one collection. SignalChildWorkflow waits until the
// child has started, so a collection launched just before the pause still receives it; the stamp
// makes a late delivery harmless.
func forwardPause(ctx workflow.Context, c *childRun, p pauseState) {
	name := contract.SignalResume
	if p.paused {
		name = contract.SignalPause
	}
	workflow.Go(ctx, func(gctx workflow.Context) {
		if err := c.future.SignalChildWorkflow(gctx, name, p.stamp).Get(gctx, nil); err != nil {
			// The collection ended meanwhile: nothing left to pause or resume.
			workflow.GetLogger(gctx).Debug("forwarding pause state failed", "collection", c.name, "error", err)
		}
	})
}

// setJobStatus records a control transition (PAUSED, RUNNING, CANCELLING, CANCELLED) in the job
// record; it runs even when the workflow is being cancelled.
func setJobStatus(ctx workflow.Context, jobID, status string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(shortActivity(dctx), contract.SetJobStatusActivity, contract.FinishJobInput{JobID: jobID, Status: status}).Get(dctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("recording the job status failed", "job_id", jobID, "status", status, "error", err)
	}
}

// errorTally adds up the record errors that every collection reports, so that errorTolerance
// applies to the whole job (API.md, Record errors) and not to each collection alone.
type errorTally struct {
	opts  contract.Options
	order []string
	count map[string]int64
}

func newErrorTally(opts contract.Options) *errorTally {
	return &errorTally{opts: opts, count: map[string]int64{}}
}

// collections fixes the order in which the failure message lists collections (a map's order is
// not deterministic, and workflow code must be).
func (t *errorTally) collections(names []string) {
	for _, n := range names {
		t.track(n)
	}
}

func (t *errorTally) track(name string) {
	if _, ok := t.count[name]; !ok {
		t.count[name] = 0
		t.order = append(t.order, name)
	}
}

// note records a collection's cumulative counts (reports are cumulative, so a repeated or late one
// changes nothing) and returns the job's failure when the total exceeds the tolerance under FAIL.
func (t *errorTally) note(r contract.CollectionResult) error {
	t.track(r.Collection)
	if r.RecordErrors <= t.count[r.Collection] {
		return nil
	}
	t.count[r.Collection] = r.RecordErrors
	if t.opts.ErrorHandling != "FAIL" {
		return nil
	}
	var total int64
	var parts []string
	for _, name := range t.order {
		if n := t.count[name]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	if total <= t.opts.ErrorTolerance {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("%d record errors exceed errorTolerance %d (%s); see the job's ERROR events",
			total, t.opts.ErrorTolerance, strings.Join(parts, ", ")),
		contract.ErrTypeRecordLimit, nil)
}

// finish records the outcome; a failed job also fails the workflow so the Temporal UI shows it.
func finish(ctx workflow.Context, jobID string, failure *contract.FailureError) error {
	// A cancelled job still records its end: run the bookkeeping on a disconnected context.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	status := contract.StatusCompleted
	if failure != nil {
		status = contract.StatusFailed
		failure.FailureAt = workflow.Now(ctx).UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	err := workflow.ExecuteActivity(shortActivity(dctx), contract.FinishJobActivity, contract.FinishJobInput{JobID: jobID, Status: status, Failure: failure}).Get(dctx, nil)
	if err != nil {
		return fmt.Errorf("recording the end of job %s: %w", jobID, err)
	}
	if failure != nil {
		return temporal.NewNonRetryableApplicationError(failure.Message, failure.ErrorType, nil)
	}
	return nil
}

// failureOf turns an activity or child error into the job's failureError.
func failureOf(err error, setup bool, location, locationType string) *contract.FailureError {
	f := &contract.FailureError{ErrorType: contract.ErrTypeInternal, Message: err.Error(), SetupError: setup, FailedLocation: location, FailedLocationType: locationType}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if app.Type() != "" {
			f.ErrorType = app.Type()
		}
		f.Message = app.Message()
	}
	if f.ErrorType == contract.ErrTypeSetup {
		f.SetupError = true
	}
	return f
}
