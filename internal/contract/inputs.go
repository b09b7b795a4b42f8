package contract

import (
	"encoding/json"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/secret"
)

// Options are a job's options (API.md, Create request), with defaults applied.
type Options struct {
	Mode                 string `json:"mode"`
	DropCollections      bool   `json:"dropCollections"`
	ErrorHandling        string `json:"errorHandling"`
	ErrorTolerance       int64  `json:"errorTolerance"`
	SourceTimeZone       string `json:"sourceTimeZone"`
	ChunkRows            int64  `json:"chunkRows"`
	ChunkBytes           int64  `json:"chunkBytes"`
	Parallelism          int    `json:"parallelism"`
	ChunkWindow          int    `json:"chunkWindow"`
	MaxSourceConnections int    `json:"maxSourceConnections"`
}

// Connections are the sealed source and target connection details. Only ciphertext is ever
// serialized into workflow history (ARCHITECTURE.md step 1).
type Connections struct {
	SourceType string        `json:"sourceType"`
	Source     secret.Sealed `json:"source"`
	Target     secret.Sealed `json:"target"`
	// SourceConnectionID and TargetConnectionID name saved connections in a schedule's action,
	// whose Source or Target is then empty: each run resolves them as they are when it fires
	// (CreateScheduledJob), so a connection saved again applies to the next runs.
	SourceConnectionID string `json:"sourceConnectionId,omitempty"`
	TargetConnectionID string `json:"targetConnectionId,omitempty"`
}

// SourceSecret is the plaintext sealed in Connections.Source.
type SourceSecret struct {
	URL      string `json:"url"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

// TargetSecret is the plaintext sealed in Connections.Target.
type TargetSecret struct {
	ConnectionString string `json:"connectionString"`
}

// TestHooks are test-only knobs; a production API server refuses requests that set them.
type TestHooks struct {
	// FailChunkOnce makes the first attempt of the given chunk sequence number fail after it has
	// written half of its documents.
	FailChunkOnce *int64 `json:"failChunkOnce,omitempty"`
	// ThrottleRowsPerSecond slows CopyChunk so tests can observe a running job.
	ThrottleRowsPerSecond int64 `json:"throttleRowsPerSecond,omitempty"`
	// ContinueAsNewAfterChunks overrides the collection workflow's continue-as-new threshold.
	ContinueAsNewAfterChunks int `json:"continueAsNewAfterChunks,omitempty"`
	// DiscardWrites assembles documents but does not write them (benchmarks isolate
	// read + convert + assemble with it).
	DiscardWrites bool `json:"discardWrites,omitempty"`
	// StatementTimeoutMillis replaces the source statement timeout (tests of slow filters).
	StatementTimeoutMillis int64 `json:"statementTimeoutMillis,omitempty"`
	// AlterBeforeVerify changes stored documents inside the Verify activity, just before they are
	// compared, so a test can check that verification reports exactly those.
	AlterBeforeVerify *AlterBeforeVerify `json:"alterBeforeVerify,omitempty"`
}

// AlterBeforeVerify sets the field AlteredMarkerField to true in the first Count stored documents
// of Collection that verification compares (so a SAMPLE sees them too).
type AlterBeforeVerify struct {
	Collection string `json:"collection"`
	Count      int    `json:"count"`
}

// AlteredMarkerField is the field the AlterBeforeVerify hook adds to the documents it alters.
const AlteredMarkerField = "relmongoTestAltered"

// Verification is a job's verification request (API.md, Create request), with defaults applied.
type Verification struct {
	Enabled bool `json:"enabled"`
	// Mode is SAMPLE (SampleSize root rows spread over the key order) or ALL.
	Mode       string `json:"mode,omitempty"`
	SampleSize int64  `json:"sampleSize,omitempty"`
}

// Verification modes.
const (
	VerifySample = "SAMPLE"
	VerifyAll    = "ALL"
)

// MigrationInput starts MigrationWorkflow. The workflow ID is JobID.
type MigrationInput struct {
	JobID       string           `json:"jobId"`
	ProjectID   string           `json:"projectId"`
	Project     *project.Project `json:"project"`
	Connections Connections      `json:"connections"`
	Options     Options          `json:"options"`
	// CollectionFilters selects collections by name; empty = all.
	CollectionFilters []string `json:"collectionFilters,omitempty"`
	// TableFilters overrides the project's filters per table.
	TableFilters map[string]map[string]project.TableFilter `json:"tableFilters,omitempty"`
	Hooks        TestHooks                                 `json:"hooks,omitempty"`
	// Verification says whether and how the job verifies the collections after copying them.
	Verification Verification `json:"verification,omitempty"`
	// WindowParams are a scheduled run's window parameter values; Prepare puts them on every
	// collection's root plan (empty for a job started by POST /jobs).
	WindowParams map[string]string `json:"windowParams,omitempty"`
}

// PrepareInput is the input of the Prepare activity.
type PrepareInput struct {
	Job MigrationInput `json:"job"`
}

// PrepareResult is what Prepare resolved: the plan of every collection to copy.
type PrepareResult struct {
	Collections []project.CollectionPlan `json:"collections"`
}

// ChunkBound is a typed, text-encoded key tuple; each element is the key column's value in the
// source's text form, cast back to the column's type in SQL, so bigints, numerics and
// microsecond timestamps survive exactly (never float64).
type ChunkBound []string

// Chunk is one key range (Lower, Upper] of a collection's root table; a nil bound is open.
type Chunk struct {
	Seq   int64      `json:"seq"`
	Lower ChunkBound `json:"lower,omitempty"`
	Upper ChunkBound `json:"upper,omitempty"`
}

// CollectionState is what a CollectionWorkflow carries across continue-as-new.
type CollectionState struct {
	// NextLower is the exclusive lower bound of the next chunk to plan; nil = table start.
	NextLower ChunkBound `json:"nextLower,omitempty"`
	// PlanDone is set once planning has reached the end of the table.
	PlanDone bool `json:"planDone"`
	// Pending are planned chunks not yet copied.
	Pending []Chunk `json:"pending,omitempty"`
	// NextSeq is the sequence number of the next chunk to plan.
	NextSeq int64 `json:"nextSeq"`
	// Counters so far, for the workflow's own decisions (the store holds the reported figures).
	ChunksDone   int64 `json:"chunksDone"`
	RecordErrors int64 `json:"recordErrors"`
	// Paused carries the pause state across continue-as-new; PauseStamp is the stamp of the pause
	// or resume signal that set it (an older signal arriving later is ignored).
	Paused     bool  `json:"paused,omitempty"`
	PauseStamp int64 `json:"pauseStamp,omitempty"`
}

// CollectionInput starts one CollectionWorkflow (ID "<jobId>-<collection>").
type CollectionInput struct {
	JobID       string                 `json:"jobId"`
	Plan        project.CollectionPlan `json:"plan"`
	Connections Connections            `json:"connections"`
	Options     Options                `json:"options"`
	Hooks       TestHooks              `json:"hooks,omitempty"`
	State       CollectionState        `json:"state"`
}

// CollectionResult summarizes a finished collection.
type CollectionResult struct {
	Collection   string `json:"collection"`
	ChunksDone   int64  `json:"chunksDone"`
	RecordErrors int64  `json:"recordErrors"`
}

// PlanChunksInput asks for the next chunk boundaries after After.
type PlanChunksInput struct {
	JobID       string                 `json:"jobId"`
	Plan        project.CollectionPlan `json:"plan"`
	Connections Connections            `json:"connections"`
	Options     Options                `json:"options"`
	After       ChunkBound             `json:"after,omitempty"`
	FirstSeq    int64                  `json:"firstSeq"`
	// MaxChunks bounds the answer so a huge table's plan never travels in one payload.
	MaxChunks int       `json:"maxChunks"`
	Hooks     TestHooks `json:"hooks,omitempty"`
}

// PlanChunksResult lists the next chunks; Done means the last one is open-ended.
type PlanChunksResult struct {
	Chunks []Chunk `json:"chunks"`
	Done   bool    `json:"done"`
}

// CopyChunkInput copies one chunk.
type CopyChunkInput struct {
	JobID       string                 `json:"jobId"`
	Plan        project.CollectionPlan `json:"plan"`
	Connections Connections            `json:"connections"`
	Options     Options                `json:"options"`
	Hooks       TestHooks              `json:"hooks,omitempty"`
	Chunk       Chunk                  `json:"chunk"`
}

// CopyChunkResult reports one copied chunk.
type CopyChunkResult struct {
	RowsRead     int64 `json:"rowsRead"`
	DocsWritten  int64 `json:"docsWritten"`
	RecordErrors int64 `json:"recordErrors"`
	Bytes        int64 `json:"bytes"`
}

// VerifyInput verifies one copied collection (API.md, verification).
type VerifyInput struct {
	JobID        string                 `json:"jobId"`
	Plan         project.CollectionPlan `json:"plan"`
	Connections  Connections            `json:"connections"`
	Options      Options                `json:"options"`
	Verification Verification           `json:"verification"`
	Hooks        TestHooks              `json:"hooks,omitempty"`
}

// VerifyResult is one collection's verification outcome; the differences themselves are job
// events (never in workflow history: a collection may have millions).
type VerifyResult struct {
	Collection string `json:"collection"`
	Compared   int64  `json:"compared"`
	Mismatched int64  `json:"mismatched"`
	// CountsAgree is false when the count check failed.
	CountsAgree bool `json:"countsAgree"`
}

// Passed reports whether the collection verified without a difference.
func (r VerifyResult) Passed() bool { return r.CountsAgree && r.Mismatched == 0 }

// SetVerificationStatusInput records metadata.verificationStatus and its event.
type SetVerificationStatusInput struct {
	JobID  string `json:"jobId"`
	Status string `json:"status"`
	// Message is the event's text; empty for a status that speaks for itself.
	Message string `json:"message,omitempty"`
}

// FinishCollectionInput marks a collection done.
type FinishCollectionInput struct {
	JobID      string `json:"jobId"`
	Collection string `json:"collection"`
	State      string `json:"state"`
}

// FailureError is the failureError object of the job status (API.md).
type FailureError struct {
	ErrorType          string `json:"errorType"`
	Message            string `json:"message"`
	FailureAt          string `json:"failureAt,omitempty"`
	SetupError         bool   `json:"setupError"`
	FailedLocation     string `json:"failedLocation,omitempty"`
	FailedLocationType string `json:"failedLocationType,omitempty"`
}

// FinishJobInput records a job's end.
type FinishJobInput struct {
	JobID   string        `json:"jobId"`
	Status  string        `json:"status"`
	Failure *FailureError `json:"failure,omitempty"`
}

// ScheduledRunInput is the input of ScheduledRunWorkflow, fixed in the schedule's action: the
// sealed job request (MigrationInput without JobID; Project is re-read from the store at every
// run so project edits apply) and the schedule's window settings.
type ScheduledRunInput struct {
	ScheduleID string         `json:"scheduleId"`
	Job        MigrationInput `json:"job"`
	// Request is the job record's stored request document (no secrets), echoed in job statuses.
	Request []byte `json:"request,omitempty"`
	// TargetKey, JDBCConnectionString and MongoConnectionString are the job record's masked
	// connection fields.
	TargetKey             string `json:"targetKey"`
	JDBCConnectionString  string `json:"jdbcConnectionString"`
	MongoConnectionString string `json:"mongoConnectionString"`
	// InitialWindowStart is the first run's window start (RFC 3339; "" = 1970-01-01T00:00:00Z).
	InitialWindowStart string `json:"initialWindowStart,omitempty"`
	// LookbackSeconds is subtracted from the previous successful run's scheduled time.
	LookbackSeconds int64 `json:"lookbackSeconds,omitempty"`
	// Definition is the API's schedule definition as written (no secrets), answered by GET.
	Definition json.RawMessage `json:"definition,omitempty"`
}

// CreateScheduledJobInput asks for the job record of the run scheduled at ScheduledTime.
type CreateScheduledJobInput struct {
	JobID         string            `json:"jobId"`
	ScheduledTime string            `json:"scheduledTime"` // RFC 3339, UTC, whole seconds
	Run           ScheduledRunInput `json:"run"`
}

// CreateScheduledJobResult is the created job's window and the project as it is now.
type CreateScheduledJobResult struct {
	WindowStart string           `json:"windowStart"`
	WindowEnd   string           `json:"windowEnd"`
	Project     *project.Project `json:"project"`
	// Connections are the run's connections with the saved ones that the schedule names
	// resolved and sealed; nil when it names none.
	Connections *Connections `json:"connections,omitempty"`
}
