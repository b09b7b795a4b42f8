package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// DefaultContinueAsNewAfterChunks bounds the chunks one run of a CollectionWorkflow copies before
// it continues as new, which keeps its history small however large the table (each chunk adds a
// handful of events).
const DefaultContinueAsNewAfterChunks = 500

// planBatch is how many chunk boundaries one PlanChunks call returns at most.
const planBatch = 64

// Collection states recorded in the store when a CollectionWorkflow ends.
const (
	collectionDone      = "DONE"
	collectionFailed    = "FAILED"
	collectionCancelled = "CANCELLED"
)

// Collection is CollectionWorkflow: plan key ranges lazily, keep a window of CopyChunk activities
// in flight, and continue as new with its position before the history grows large.
//
// Control: a pause signal stops launching chunks (those in flight finish), resume launches again
// from the next unfinished chunk; both survive continue-as-new (drained, then carried in the
// state). Stop arrives as the cancellation of this workflow (the job cancels its children): the
// chunks in flight are cancelled, the workflow waits until they have stopped writing, records the
// collection CANCELLED and ends cancelled. Record errors are reported to the job after every chunk
// that had some, so errorTolerance counts them across all collections.
func Collection(ctx workflow.Context, in contract.CollectionInput) (contract.CollectionResult, error) {
	st := in.State
	res := contract.CollectionResult{Collection: in.Plan.Name}
	window := max(in.Options.ChunkWindow, 1)
	threshold := DefaultContinueAsNewAfterChunks
	if in.Hooks.ContinueAsNewAfterChunks > 0 {
		threshold = in.Hooks.ContinueAsNewAfterChunks
	}
	pause := pauseState{paused: st.Paused, stamp: st.PauseStamp}
	copyCtx, cancelCopies := workflow.WithCancel(ctx)
	defer cancelCopies()
	sel := workflow.NewSelector(ctx)
	addPauseSignals(ctx, sel, &pause, nil)
	stopping := false
	sel.AddReceive(cancelled(ctx), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		stopping = true
	})
	inFlight, launched, reporting := 0, 0, 0
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
			cancelCopies()
		}
	}
	// Planning is never cancelled: it records the collection RUNNING when it ends, and an abandoned
	// attempt could do so after a stop recorded it CANCELLED. A stop waits for it (it is short).
	planCtx, _ := workflow.NewDisconnectedContext(ctx)
	for {
		for firstErr == nil && !stopping && !pause.paused && inFlight < window && launched < threshold {
			if len(st.Pending) == 0 && !st.PlanDone {
				var plan contract.PlanChunksResult
				err := workflow.ExecuteActivity(shortActivity(planCtx), contract.PlanChunksActivity, contract.PlanChunksInput{
					JobID: in.JobID, Plan: in.Plan, Connections: in.Connections, Options: in.Options,
					After: st.NextLower, FirstSeq: st.NextSeq, MaxChunks: planBatch, Hooks: in.Hooks,
				}).Get(ctx, &plan)
				if err != nil {
					fail(err)
					break
				}
				st.Pending = append(st.Pending, plan.Chunks...)
				st.NextSeq += int64(len(plan.Chunks))
				if n := len(plan.Chunks); n > 0 && plan.Chunks[n-1].Upper != nil {
					st.NextLower = plan.Chunks[n-1].Upper
				}
				st.PlanDone = plan.Done
			}
			if len(st.Pending) == 0 {
				break
			}
			chunk := st.Pending[0]
			st.Pending = st.Pending[1:]
			inFlight++
			launched++
			f := workflow.ExecuteActivity(copyActivity(copyCtx), contract.CopyChunkActivity, contract.CopyChunkInput{
				JobID: in.JobID, Plan: in.Plan, Connections: in.Connections, Options: in.Options, Hooks: in.Hooks, Chunk: chunk,
			})
			sel.AddFuture(f, func(f workflow.Future) {
				inFlight--
				var r contract.CopyChunkResult
				if err := f.Get(ctx, &r); err != nil {
					if temporal.IsCanceledError(err) && (ctx.Err() != nil || firstErr != nil) {
						// Cancelled by a stop or by another chunk's failure: not a failure of its own.
						// What it wrote stays (and is counted in the store); a later job rewrites it.
						stopping = stopping || ctx.Err() != nil
						return
					}
					fail(err)
					return
				}
				st.ChunksDone++
				if r.RecordErrors == 0 {
					return
				}
				st.RecordErrors += r.RecordErrors
				if in.Options.ErrorHandling != "FAIL" {
					return // WARN and SKIP have no tolerance: the job needs no report
				}
				// Cumulative counts, so a report that is delayed or repeated cannot be counted twice.
				// Under FAIL there are at most errorTolerance+1 of them (plus the chunks in flight)
				// before the job fails.
				reporting++
				report := workflow.SignalExternalWorkflow(ctx, in.JobID, "", contract.SignalCollectionProgress,
					contract.CollectionResult{Collection: in.Plan.Name, ChunksDone: st.ChunksDone, RecordErrors: st.RecordErrors})
				sel.AddFuture(report, func(f workflow.Future) {
					reporting--
					if err := f.Get(ctx, nil); err != nil {
						// The job may have ended (or this collection runs on its own, in tests): the
						// local check below still enforces the tolerance for this collection.
						workflow.GetLogger(ctx).Warn("reporting record errors to the job failed", "job_id", in.JobID, "collection", in.Plan.Name, "error", err)
					}
				})
				// This collection's own count is a lower bound of the job's: when it alone exceeds the
				// tolerance the job fails without waiting for the job to add up every collection.
				if st.RecordErrors > in.Options.ErrorTolerance {
					fail(temporal.NewNonRetryableApplicationError(
						fmt.Sprintf("collection %s: %d record errors exceed errorTolerance %d (see the job's ERROR events)", in.Plan.Name, st.RecordErrors, in.Options.ErrorTolerance),
						contract.ErrTypeRecordLimit, nil))
				}
			})
		}
		if inFlight == 0 && reporting == 0 {
			// Nothing running: wait only while paused (a resume or a stop wakes us); otherwise the
			// run is done, failed, stopped or due to continue as new.
			if !pause.paused || stopping || firstErr != nil || launched >= threshold {
				break
			}
		}
		sel.Select(ctx)
	}
	res.ChunksDone, res.RecordErrors = st.ChunksDone, st.RecordErrors
	switch {
	case firstErr != nil:
		finishCollection(ctx, in.JobID, in.Plan.Name, collectionFailed)
		return res, firstErr
	case stopping || ctx.Err() != nil:
		finishCollection(ctx, in.JobID, in.Plan.Name, collectionCancelled)
		return res, temporal.NewCanceledError("collection " + in.Plan.Name + " stopped")
	case len(st.Pending) > 0 || !st.PlanDone:
		// Every launched chunk has finished: the state carries only what is left to do, and the
		// pause state including signals delivered since the last Select.
		drainPauseSignals(ctx, &pause)
		st.Paused, st.PauseStamp = pause.paused, pause.stamp
		next := in
		next.State = st
		return res, workflow.NewContinueAsNewError(ctx, contract.CollectionWorkflow, next)
	}
	finishCollection(ctx, in.JobID, in.Plan.Name, collectionDone)
	return res, nil
}

func finishCollection(ctx workflow.Context, jobID, collection, state string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(shortActivity(dctx), contract.FinishCollectionActivity, contract.FinishCollectionInput{
		JobID: jobID, Collection: collection, State: state,
	}).Get(dctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("recording the collection's end failed", "job_id", jobID, "collection", collection, "error", err)
	}
}
