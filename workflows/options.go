// Package workflows holds relmongo's deterministic orchestration: MigrationWorkflow (one per job)
// and CollectionWorkflow (one per collection). They only schedule activities and children and
// keep small counters; all I/O happens in activities, all progress lives in the store.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// nonRetryable are the error types that retrying cannot fix.
var nonRetryable = []string{contract.ErrTypeSetup, contract.ErrTypeSource, contract.ErrTypeTarget, contract.ErrTypeRecordLimit, contract.ErrTypeInternal}

func retry(max int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		MaximumAttempts:        max,
		NonRetryableErrorTypes: nonRetryable,
	}
}

// shortActivity is for bookkeeping and preparation (catalog reads, store writes).
func shortActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         retry(10),
	})
}

// copyActivity is for CopyChunk: long, heartbeating, retried (writes are idempotent).
//
// A cancellation (stop, or another chunk's failure) reaches a running CopyChunk through its next
// heartbeat, which it records after every batch (the worker holds a heartbeat back for at most a
// second before sending it, worker.Options). WaitForCancellation makes the workflow wait until the activity has actually
// stopped, so a job is CANCELLED only once nothing writes any more. The heartbeat timeout is also
// how long a chunk of a crashed worker waits before another worker retries it.
func copyActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    time.Minute,
		WaitForCancellation: true,
		RetryPolicy:         retry(20),
	})
}
