// Package contract holds what the API server, the workflows and the activities share: the names
// Temporal persists (task queue, workflow, activity, signal and query names), the inputs and
// results of every workflow and activity, and the job status model. Names here never change
// silently: a rename would orphan running workflows.
package contract

// TaskQueue is the Temporal task queue every relmongo worker polls.
const TaskQueue = "relmongo"

// Workflow type names.
const (
	MigrationWorkflow  = "relmongo.Migration"
	CollectionWorkflow = "relmongo.Collection"
	// ScheduledRunWorkflow is the action of a Temporal schedule: it creates the run's job record
	// and runs MigrationWorkflow as a child whose workflow ID is the job ID.
	ScheduledRunWorkflow = "relmongo.ScheduledRun"
)

// Activity type names.
const (
	PrepareActivity          = "relmongo.Prepare"
	PlanChunksActivity       = "relmongo.PlanChunks"
	CopyChunkActivity        = "relmongo.CopyChunk"
	FinishCollectionActivity = "relmongo.FinishCollection"
	FinishJobActivity        = "relmongo.FinishJob"
	SetJobStatusActivity     = "relmongo.SetJobStatus"
	// CreateScheduledJobActivity creates the job record of one scheduled run.
	CreateScheduledJobActivity = "relmongo.CreateScheduledJob"
	// VerifyActivity verifies one collection; SetVerificationStatusActivity records
	// metadata.verificationStatus.
	VerifyActivity                = "relmongo.Verify"
	SetVerificationStatusActivity = "relmongo.SetVerificationStatus"
)

// Verification statuses (API.md, metadata.verificationStatus). ABORTED is a verification that
// could not run to its end (an error, not a difference).
const (
	VerificationVerifying = "VERIFYING"
	VerificationVerified  = "VERIFIED"
	VerificationFailed    = "FAILED"
	VerificationCancelled = "CANCELLED"
	VerificationAborted   = "ABORTED"
)

// Job statuses (API.md, Job status object).
const (
	StatusNotStarted = "NOT_STARTED"
	StatusRunning    = "RUNNING"
	StatusPaused     = "PAUSED"
	StatusCancelling = "CANCELLING"
	StatusCancelled  = "CANCELLED"
	StatusFailed     = "FAILED"
	StatusCleaningUp = "CLEANING_UP"
	StatusCompleted  = "COMPLETED"
)

// IsTerminal reports whether a job in status s can no longer change.
func IsTerminal(s string) bool {
	return s == StatusCancelled || s == StatusFailed || s == StatusCompleted
}

// Error types of non-retryable application errors; stable because they reach failureError.errorType.
const (
	ErrTypeSetup       = "SetupError"
	ErrTypeSource      = "SourceError"
	ErrTypeTarget      = "TargetError"
	ErrTypeRecordLimit = "RecordErrorLimitExceeded"
	ErrTypeInternal    = "InternalError"
	// ErrTypeClosedOutside is not raised by an activity: the API records it for an in-progress
	// job whose workflow closed in Temporal (terminated, timed out) without recording its end.
	ErrTypeClosedOutside = "WorkflowClosedOutsideRelmongo"
)

// Signal and query names of job control (API.md, States and control). Pause and resume carry an
// int64 stamp (Unix nanoseconds of the request): the latest stamp wins, so signals that Temporal
// delivers out of order, or that a workflow task sees together, cannot undo a newer request.
// SignalCollectionProgress goes from a CollectionWorkflow to its job with a CollectionResult
// (cumulative counts) so record errors count against errorTolerance job-wide.
const (
	SignalPause              = "relmongo.pause"
	SignalResume             = "relmongo.resume"
	SignalStop               = "relmongo.stop"
	SignalCollectionProgress = "relmongo.collectionProgress"
	QueryControlState        = "relmongo.controlState"
)

// ScheduledIDTime is the layout of the scheduled time that ends a scheduled job's ID
// ("<scheduleId>-<yyyymmddThhmmssZ>"): no colons, so the ID matches ^[A-Za-z0-9-]+$.
const ScheduledIDTime = "20060102T150405Z"
