package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// Migration is MigrationWorkflow: prepare, copy every collection through a child workflow with at
// most Options.Parallelism at once, then record the outcome in the job record.
func Migration(ctx workflow.Context, in contract.MigrationInput) error {
	logger := workflow.GetLogger(ctx)
	var prep contract.PrepareResult
	err := workflow.ExecuteActivity(shortActivity(ctx), contract.PrepareActivity, contract.PrepareInput{Job: in}).Get(ctx, &prep)
	if err != nil {
		return finish(ctx, in.JobID, failureOf(err, true, "", ""))
	}
	parallelism := max(in.Options.Parallelism, 1)
	childCtx, cancelChildren := workflow.WithCancel(ctx)
	defer cancelChildren()
	sel := workflow.NewSelector(ctx)
	running := 0
	next := 0
	var firstErr error
	var failedAt string
	launch := func() {
		plan := prep.Collections[next]
		next++
		running++
		cctx := workflow.WithChildOptions(childCtx, workflow.ChildWorkflowOptions{
			WorkflowID: in.JobID + "-" + plan.Name,
			TaskQueue:  contract.TaskQueue,
		})
		f := workflow.ExecuteChildWorkflow(cctx, contract.CollectionWorkflow, contract.CollectionInput{
			JobID: in.JobID, Plan: plan, Connections: in.Connections, Options: in.Options, Hooks: in.Hooks,
		})
		sel.AddFuture(f, func(f workflow.Future) {
			running--
			var res contract.CollectionResult
			if err := f.Get(ctx, &res); err != nil && firstErr == nil {
				firstErr = err
				failedAt = plan.Name
				cancelChildren()
			}
		})
	}
	for next < len(prep.Collections) || running > 0 {
		for firstErr == nil && running < parallelism && next < len(prep.Collections) {
			launch()
		}
		if running == 0 {
			break
		}
		sel.Select(ctx)
	}
	if firstErr != nil {
		logger.Error("collection failed", "collection", failedAt, "error", firstErr)
		return finish(ctx, in.JobID, failureOf(firstErr, false, failedAt, "COLLECTION"))
	}
	return finish(ctx, in.JobID, nil)
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
