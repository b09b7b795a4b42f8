package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// scheduledStartTime is the search attribute Temporal sets on a workflow started by a schedule.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ScheduledRun is ScheduledRunWorkflow, the action of a relmongo schedule. Its job ID is
// "<scheduleId>-<yyyymmddThhmmssZ>" of the scheduled time (read from the search attribute, so
// replays see the same value; Temporal's own workflow ID for the action holds colons). It creates
// the job record and the window (resolving the saved connections the schedule names), passes the
// window parameters for the root tables' filters, then runs MigrationWorkflow as a child whose
// workflow ID is the job ID and waits for it, so the schedule's overlap policy governs jobs, not
// just this wrapper.
func ScheduledRun(ctx workflow.Context, in contract.ScheduledRunInput) error {
	at, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime)
	if !ok {
		at = workflow.GetInfo(ctx).WorkflowStartTime // started by hand, not by the schedule
	}
	at = at.UTC().Truncate(time.Second)
	jobID := in.ScheduleID + "-" + at.Format(contract.ScheduledIDTime)
	var win contract.CreateScheduledJobResult
	err := workflow.ExecuteActivity(shortActivity(ctx), contract.CreateScheduledJobActivity, contract.CreateScheduledJobInput{
		JobID: jobID, ScheduledTime: at.Format(time.RFC3339), Run: in,
	}).Get(ctx, &win)
	if err != nil {
		return fmt.Errorf("creating scheduled job %s: %w", jobID, err)
	}
	job := in.Job
	job.JobID = jobID
	job.Project = win.Project
	if win.Connections != nil {
		job.Connections = *win.Connections
	}
	// Prepare binds these in the filters of the collections' root tables only.
	job.WindowParams = map[string]string{"windowStart": win.WindowStart, "windowEnd": win.WindowEnd, "scheduledTime": win.WindowEnd}
	var projectName string
	if win.Project != nil {
		projectName = win.Project.Name
	}
	_, registered := workflow.GetTypedSearchAttributes(ctx).GetKeyword(contract.SAScheduleID)
	cctx := workflow.WithChildOptions(ctx, childJobOptions(workflow.ChildWorkflowOptions{
		WorkflowID: jobID, TaskQueue: contract.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// A cancelled run (overlap CANCEL_OTHER) stops its job cleanly, which then ends CANCELLED.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
	}, in, jobID, projectName, registered))
	if err := workflow.ExecuteChildWorkflow(cctx, contract.MigrationWorkflow, job).Get(ctx, nil); err != nil {
		return fmt.Errorf("scheduled job %s: %w", jobID, err)
	}
	return nil
}
