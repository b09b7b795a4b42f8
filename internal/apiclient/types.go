package apiclient

import (
	"encoding/json"
)

// Raw keeps the API's object exactly as received, so a client that prints it (the CLI's
// --output json) shows every field, also those the typed struct does not name.
type Raw struct {
	raw json.RawMessage
}

// RawJSON returns the object as the API sent it, or nil for a value not decoded from the API.
func (r Raw) RawJSON() json.RawMessage { return r.raw }

// FailureError is why a job failed (API.md, Job status object).
type FailureError struct {
	ErrorType          string `json:"errorType"`
	Message            string `json:"message"`
	FailureAt          string `json:"failureAt,omitempty"`
	SetupError         bool   `json:"setupError"`
	FailedLocation     string `json:"failedLocation,omitempty"`
	FailedLocationType string `json:"failedLocationType,omitempty"`
}

// JobStatistics are the counters of a job status object.
type JobStatistics struct {
	StartedAt           string   `json:"startedAt,omitempty"`
	ElapsedSeconds      int64    `json:"elapsedSeconds"`
	TotalTableCount     int      `json:"totalTableCount"`
	RemainingTableCount int      `json:"remainingTableCount"`
	ProcessingTables    []string `json:"processingTables"`
	MigratedTables      []string `json:"migratedTables"`
	TotalEvents         int64    `json:"totalEvents"`
	TotalEventsSeen     int64    `json:"totalEventsSeen"`
	TotalEventSize      int64    `json:"totalEventSize"`
	SnapshotCompleted   bool     `json:"snapshotCompleted"`
}

// Job is the part of the job status object clients usually read; RawJSON has all of it.
type Job struct {
	Raw                     `json:"-"`
	ID                      string        `json:"id"`
	ProjectID               string        `json:"projectId"`
	SubmittedAt             string        `json:"submittedAt"`
	ScheduleID              string        `json:"scheduleId,omitempty"`
	Status                  string        `json:"status"`
	JDBCConnectionString    string        `json:"jdbcConnectionString"`
	MongoDBConnectionString string        `json:"mongoDbConnectionString"`
	FailureError            *FailureError `json:"failureError,omitempty"`
	Statistics              JobStatistics `json:"statistics"`
	JobUpdates              []Event       `json:"jobUpdates"`
	Metadata                JobMetadata   `json:"metadata"`
	Links                   struct {
		TemporalUI string `json:"temporalUi"`
	} `json:"links"`
}

// JobMetadata is the job status object's metadata: whether verification was requested and how it
// went (VERIFYING, VERIFIED, FAILED, ABORTED, CANCELLED; empty until it starts).
type JobMetadata struct {
	VerificationRequested bool   `json:"verificationRequested"`
	VerificationStatus    string `json:"verificationStatus,omitempty"`
}

// VerificationText is the job's verification state for people: "" when none was requested,
// "pending" until it starts, else its status.
func (j *Job) VerificationText() string {
	switch {
	case !j.Metadata.VerificationRequested:
		return ""
	case j.Metadata.VerificationStatus == "":
		return "pending"
	}
	return j.Metadata.VerificationStatus
}

// UnmarshalJSON decodes the typed fields and keeps the whole object.
func (j *Job) UnmarshalJSON(b []byte) error {
	type plain Job
	if err := json.Unmarshal(b, (*plain)(j)); err != nil {
		return err
	}
	j.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the object as the API sent it when there is one, so re-encoding a decoded
// job loses nothing.
func (j Job) MarshalJSON() ([]byte, error) {
	if j.raw != nil {
		return j.raw, nil
	}
	type plain Job
	return json.Marshal(plain(j))
}

// Terminal reports whether the job can no longer change.
func (j *Job) Terminal() bool {
	return j.Status == "COMPLETED" || j.Status == "FAILED" || j.Status == "CANCELLED"
}

// Event is a job event (API.md: jobUpdates[] and /logs).
type Event struct {
	EventType    string            `json:"eventType"`
	Stage        string            `json:"stage,omitempty"`
	Message      string            `json:"message"`
	Details      string            `json:"details,omitempty"`
	Timestamp    string            `json:"timestamp"`
	ErrorType    string            `json:"errorType,omitempty"`
	ErrorCode    string            `json:"errorCode,omitempty"`
	StackTrace   []string          `json:"stackTrace"`
	LocationType string            `json:"locationType,omitempty"`
	LocationName string            `json:"locationName,omitempty"`
	FieldName    string            `json:"fieldName,omitempty"`
	Key          map[string]string `json:"key,omitempty"`
	Count        int64             `json:"count,omitempty"`
}

// Counters are the progress figures of a collection (those of its root table).
type Counters struct {
	EstimatedRows    int64 `json:"estimatedRows"`
	RowsRead         int64 `json:"rowsRead"`
	DocumentsWritten int64 `json:"documentsWritten"`
	RowsExcluded     int64 `json:"rowsExcluded"`
	RecordErrors     int64 `json:"recordErrors"`
	ChunksDone       int64 `json:"chunksDone"`
	ChunksPlanned    int64 `json:"chunksPlanned"`
	Bytes            int64 `json:"bytes"`
}

// CollectionProgress is one collection of GET /jobs/{id}/tables.
type CollectionProgress struct {
	Collection string `json:"collection"`
	// State is PENDING, RUNNING, PAUSED, CANCELLING, DONE, FAILED or CANCELLED.
	State     string `json:"state"`
	RootTable string `json:"rootTable"`
	Counters
	Tables []TableProgress `json:"tables"`
}

// TableProgress is one source table of a collection; only the root table has counters.
type TableProgress struct {
	Table  string `json:"table"`
	Role   string `json:"role"`
	Parent string `json:"parent,omitempty"`
	Field  string `json:"field,omitempty"`
	Kind   string `json:"kind,omitempty"`
	State  string `json:"state"`
	*Counters
}

// JobTables is GET /jobs/{id}/tables: per-collection progress of a job.
type JobTables struct {
	JobID       string               `json:"jobId"`
	Status      string               `json:"status"`
	Collections []CollectionProgress `json:"collections"`
}

// ProjectSummary is an element of GET /project and the answer of import and delete.
type ProjectSummary struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	JDBCID       string `json:"jdbcId,omitempty"`
	MongoDBID    string `json:"mongodbId,omitempty"`
	LastModified string `json:"lastModified"`
}

// Schedule is the part of a schedule (API.md, Schedules) the CLI shows; RawJSON has all of it.
type Schedule struct {
	Raw  `json:"-"`
	ID   string `json:"id"`
	Spec struct {
		Cron     string `json:"cron,omitempty"`
		Interval string `json:"interval,omitempty"`
		TimeZone string `json:"timeZone,omitempty"`
	} `json:"spec"`
	Overlap    string   `json:"overlap"`
	Paused     bool     `json:"paused"`
	NextRuns   []string `json:"nextRuns"`
	RecentRuns []struct {
		ScheduledTime string `json:"scheduledTime"`
		JobID         string `json:"jobId"`
		Status        string `json:"status"`
	} `json:"recentRuns"`
}

// UnmarshalJSON decodes the typed fields and keeps the whole object.
func (s *Schedule) UnmarshalJSON(b []byte) error {
	type plain Schedule
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	s.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the object as the API sent it when there is one.
func (s Schedule) MarshalJSON() ([]byte, error) {
	if s.raw != nil {
		return s.raw, nil
	}
	type plain Schedule
	return json.Marshal(plain(s))
}
