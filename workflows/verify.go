package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// verifyActivity is for Verify: like CopyChunk long, heartbeating (it resumes from its last
// heartbeat on a retry) and cancelled by a stop, which waits until it has stopped reading.
func verifyActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    time.Minute,
		WaitForCancellation: true,
		RetryPolicy:         retry(20),
	})
}

// verifyJob verifies the copied collections (API.md, verification) while the job is RUNNING:
// verificationStatus VERIFYING, one Verify activity per collection with at most
// Options.Parallelism at once, then VERIFIED, FAILED (a difference: the job still completes),
// ABORTED (a collection could not be verified) or CANCELLED (a stop; the caller then ends the job
// CANCELLED). It selects on the job's selector, so pause (no new collection starts), resume and
// stop work as during the copy; actCtx is cancelled by a stop.
//
// No workflow.GetVersion guards this branch: before it existed the API refused verification, so
// no recorded history has Verification.Enabled set.
func verifyJob(ctx workflow.Context, in contract.MigrationInput, prep contract.PrepareResult, sel workflow.Selector,
	ctl *jobControl, actCtx workflow.Context, syncStatus func()) {
	setVerificationStatus(ctx, in.JobID, contract.VerificationVerifying, "")
	parallelism := max(in.Options.Parallelism, 1)
	running, next, failed := 0, 0, 0
	var abortErr error
	var abortAt string
	for {
		syncStatus()
		for !ctl.stopping && !ctl.pause.paused && running < parallelism && next < len(prep.Collections) {
			plan := prep.Collections[next]
			next++
			running++
			f := workflow.ExecuteActivity(verifyActivity(actCtx), contract.VerifyActivity, contract.VerifyInput{
				JobID: in.JobID, Plan: plan, Connections: in.Connections, Options: in.Options,
				Verification: in.Verification, Hooks: in.Hooks,
			})
			sel.AddFuture(f, func(f workflow.Future) {
				running--
				var r contract.VerifyResult
				if err := f.Get(ctx, &r); err != nil {
					if !(ctl.stopping && temporal.IsCanceledError(err)) && abortErr == nil {
						abortErr, abortAt = err, plan.Name
					}
					return
				}
				if !r.Passed() {
					failed++
				}
			})
		}
		if running == 0 && (next >= len(prep.Collections) || ctl.stopping) {
			break
		}
		sel.Select(ctx)
	}
	switch {
	case ctl.stopping:
		setVerificationStatus(ctx, in.JobID, contract.VerificationCancelled, "")
	case abortErr != nil:
		setVerificationStatus(ctx, in.JobID, contract.VerificationAborted,
			fmt.Sprintf("collection %s: %s", abortAt, failureOf(abortErr, false, "", "").Message))
	case failed > 0:
		setVerificationStatus(ctx, in.JobID, contract.VerificationFailed,
			fmt.Sprintf("%d of %d collections differ", failed, len(prep.Collections)))
	default:
		setVerificationStatus(ctx, in.JobID, contract.VerificationVerified, "")
	}
}

// setVerificationStatus records metadata.verificationStatus; it runs even when the workflow is
// being cancelled (a stop records CANCELLED).
func setVerificationStatus(ctx workflow.Context, jobID, status, message string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(shortActivity(dctx), contract.SetVerificationStatusActivity,
		contract.SetVerificationStatusInput{JobID: jobID, Status: status, Message: message}).Get(dctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("recording the verification status failed", "status", status, "error", err)
	}
}
