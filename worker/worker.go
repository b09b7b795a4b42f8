// Package worker registers relmongo's workflows and activities under their stable contract names
// and runs a Temporal worker on the relmongo task queue.
package worker

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/activities"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/workflows"
)

// heartbeatThrottle bounds how long the SDK holds back a heartbeat, hence how long a stop takes to
// reach a running chunk.
const heartbeatThrottle = time.Second

// Options tune the worker.
type Options struct {
	// MaxConcurrentActivities bounds activities run at once by this process (0 = SDK default).
	MaxConcurrentActivities int
}

// Register adds relmongo's workflows and activities to w under their contract names.
func Register(w sdkworker.Registry, acts *activities.Activities) {
	w.RegisterWorkflowWithOptions(workflows.Migration, workflow.RegisterOptions{Name: contract.MigrationWorkflow})
	w.RegisterWorkflowWithOptions(workflows.Collection, workflow.RegisterOptions{Name: contract.CollectionWorkflow})
	w.RegisterWorkflowWithOptions(workflows.ScheduledRun, workflow.RegisterOptions{Name: contract.ScheduledRunWorkflow})
	w.RegisterActivityWithOptions(acts.Prepare, activity.RegisterOptions{Name: contract.PrepareActivity})
	w.RegisterActivityWithOptions(acts.PlanChunks, activity.RegisterOptions{Name: contract.PlanChunksActivity})
	w.RegisterActivityWithOptions(acts.CopyChunk, activity.RegisterOptions{Name: contract.CopyChunkActivity})
	w.RegisterActivityWithOptions(acts.FinishCollection, activity.RegisterOptions{Name: contract.FinishCollectionActivity})
	w.RegisterActivityWithOptions(acts.FinishJob, activity.RegisterOptions{Name: contract.FinishJobActivity})
	w.RegisterActivityWithOptions(acts.SetJobStatus, activity.RegisterOptions{Name: contract.SetJobStatusActivity})
	w.RegisterActivityWithOptions(acts.CreateScheduledJob, activity.RegisterOptions{Name: contract.CreateScheduledJobActivity})
	w.RegisterActivityWithOptions(acts.Verify, activity.RegisterOptions{Name: contract.VerifyActivity})
	w.RegisterActivityWithOptions(acts.SetVerificationStatus, activity.RegisterOptions{Name: contract.SetVerificationStatusActivity})
}

// New creates a worker on the relmongo task queue with everything registered. Stop it with
// Stop(), which waits for in-flight activities up to the worker stop timeout.
func New(c client.Client, acts *activities.Activities, opts Options) sdkworker.Worker {
	w := sdkworker.New(c, contract.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize: opts.MaxConcurrentActivities,
		WorkerStopTimeout:                  30 * time.Second,
		// The SDK batches heartbeats for up to 80% of the heartbeat timeout (48 s for CopyChunk);
		// a cancellation only reaches an activity in the answer to a heartbeat, so a stop would
		// take that long. One heartbeat call per second per running chunk costs little.
		MaxHeartbeatThrottleInterval: heartbeatThrottle,
	})
	Register(w, acts)
	return w
}
