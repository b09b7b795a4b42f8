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

// Collection is CollectionWorkflow: plan key ranges lazily, keep a window of CopyChunk activities
// in flight, and continue as new with its position before the history grows large.
func Collection(ctx workflow.Context, in contract.CollectionInput) (contract.CollectionResult, error) {
	st := in.State
	res := contract.CollectionResult{Collection: in.Plan.Name}
	window := max(in.Options.ChunkWindow, 1)
	threshold := DefaultContinueAsNewAfterChunks
	if in.Hooks.ContinueAsNewAfterChunks > 0 {
		threshold = in.Hooks.ContinueAsNewAfterChunks
	}
	copyCtx, cancelCopies := workflow.WithCancel(ctx)
	defer cancelCopies()
	sel := workflow.NewSelector(ctx)
	inFlight, launched := 0, 0
	var firstErr error
	for {
		for firstErr == nil && inFlight < window && launched < threshold {
			if len(st.Pending) == 0 && !st.PlanDone {
				var plan contract.PlanChunksResult
				err := workflow.ExecuteActivity(shortActivity(ctx), contract.PlanChunksActivity, contract.PlanChunksInput{
					JobID: in.JobID, Plan: in.Plan, Connections: in.Connections, Options: in.Options,
					After: st.NextLower, FirstSeq: st.NextSeq, MaxChunks: planBatch,
				}).Get(ctx, &plan)
				if err != nil {
					firstErr = err
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
					if firstErr == nil {
						firstErr = err
						cancelCopies()
					}
					return
				}
				st.ChunksDone++
				st.RecordErrors += r.RecordErrors
				if in.Options.ErrorHandling == "FAIL" && st.RecordErrors > in.Options.ErrorTolerance && firstErr == nil {
					firstErr = temporal.NewNonRetryableApplicationError(
						fmt.Sprintf("collection %s: %d record errors exceed errorTolerance %d (see the job's ERROR events)", in.Plan.Name, st.RecordErrors, in.Options.ErrorTolerance),
						contract.ErrTypeRecordLimit, nil)
					cancelCopies()
				}
			})
		}
		if inFlight == 0 {
			break
		}
		sel.Select(ctx)
	}
	res.ChunksDone, res.RecordErrors = st.ChunksDone, st.RecordErrors
	if firstErr != nil {
		finishCollection(ctx, in.JobID, in.Plan.Name, "FAILED")
		return res, firstErr
	}
	if len(st.Pending) > 0 || !st.PlanDone {
		// Every launched chunk has finished: the state carries only what is left to do.
		next := in
		next.State = st
		return res, workflow.NewContinueAsNewError(ctx, contract.CollectionWorkflow, next)
	}
	finishCollection(ctx, in.JobID, in.Plan.Name, "DONE")
	return res, nil
}

func finishCollection(ctx workflow.Context, jobID, collection, state string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(shortActivity(dctx), contract.FinishCollectionActivity, contract.FinishCollectionInput{
		JobID: jobID, Collection: collection, State: state,
	}).Get(dctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("recording the collection's end failed", "collection", collection, "error", err)
	}
}
