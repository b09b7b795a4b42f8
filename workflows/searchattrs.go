package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// statusAttr keeps the RelmongoStatus search attribute of a job's workflow equal to the job
// status, so the Temporal Web UI can filter jobs by status.
//
// It only upserts when the workflow started with RelmongoStatus set: the API sets it only when
// the namespace has relmongo's search attributes (upserting an unregistered one would fail the
// workflow task and stall the job), and a workflow started before this existed — whose history
// has no upsert commands — never gains one on replay. Either way, a missing attribute never
// breaks a job.
type statusAttr struct {
	enabled bool
	last    string
}

func newStatusAttr(ctx workflow.Context) *statusAttr {
	last, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(contract.SAStatus)
	return &statusAttr{enabled: ok, last: last}
}

// set upserts status if it differs from the value last written.
func (a *statusAttr) set(ctx workflow.Context, status string) {
	if !a.enabled || status == a.last {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.SAStatus.ValueSet(status)); err != nil {
		// Only a local validation error can come back; the job goes on without the attribute.
		workflow.GetLogger(ctx).Warn("upserting search attribute "+contract.SearchAttrStatus+" failed", "status", status, "error", err)
		a.enabled = false
		return
	}
	a.last = status
}

// childJobOptions adds a scheduled job's search attributes and memo to its child options.
// registered says whether the namespace has relmongo's search attributes: ScheduledRun knows from
// its own, since the schedule's action carries RelmongoScheduleId only when the API found them.
func childJobOptions(opts workflow.ChildWorkflowOptions, in contract.ScheduledRunInput, jobID, projectName string, registered bool) workflow.ChildWorkflowOptions {
	opts.Memo = contract.JobMemo(projectName, in.JDBCConnectionString, in.MongoConnectionString)
	if registered {
		opts.TypedSearchAttributes = contract.JobSearchAttributes(jobID, in.Job.ProjectID, projectName, in.ScheduleID)
	}
	return opts
}
