package apiserver

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// jobStatus is the job status object of API.md.
type jobStatus struct {
	ID                      string                                `json:"id"`
	ProjectID               string                                `json:"projectId"`
	SubmittedAt             string                                `json:"submittedAt"`
	ScheduleID              string                                `json:"scheduleId,omitempty"`
	Status                  string                                `json:"status"`
	CdcStatus               string                                `json:"cdcStatus"`
	Options                 contract.Options                      `json:"options"`
	RelationalTableFilters  map[string]map[string]json.RawMessage `json:"relationalTableFilters,omitempty"`
	CollectionFilters       []string                              `json:"collectionFilters,omitempty"`
	JDBCConnectionString    string                                `json:"jdbcConnectionString"`
	MongoDBConnectionString string                                `json:"mongoDbConnectionString"`
	VerificationJobID       string                                `json:"verificationJobId,omitempty"`
	Statistics              statistics                            `json:"statistics"`
	CdcStatistics           cdcStatistics                         `json:"cdcStatistics"`
	JobUpdates              []jobEvent                            `json:"jobUpdates"`
	FailureError            *contract.FailureError                `json:"failureError,omitempty"`
	Metadata                metadata                              `json:"metadata"`
	Links                   links                                 `json:"links"`
}

type statistics struct {
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

type cdcStatistics struct {
	StartedAt          string `json:"startedAt,omitempty"`
	LastEventTime      string `json:"lastEventTime,omitempty"`
	EventsInLastHour   int64  `json:"eventsInLastHour"`
	EventsInLastMinute int64  `json:"eventsInLastMinute"`
	TotalEventsSeen    int64  `json:"totalEventsSeen"`
}

type metadata struct {
	VerificationRequested bool   `json:"verificationRequested"`
	VerificationStatus    string `json:"verificationStatus,omitempty"`
}

type links struct {
	TemporalUI string `json:"temporalUi,omitempty"`
}

// jobEvent is a job event of API.md.
type jobEvent struct {
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

func eventOf(e store.Event) jobEvent {
	return jobEvent{EventType: e.EventType, Stage: e.Stage, Message: e.Message, Details: e.Details,
		Timestamp: e.Timestamp.UTC().Format(time.RFC3339), ErrorType: e.ErrorType, ErrorCode: e.ErrorCode,
		StackTrace: []string{}, LocationType: e.LocationType, LocationName: e.LocationName, FieldName: e.FieldName,
		Key: e.Key, Count: e.Count}
}

// recentEvents is how many events jobUpdates carries.
const recentEvents = 20

func (s *Server) jobStatus(ctx context.Context, id string) (*jobStatus, error) {
	j, err := s.store.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.statusOf(ctx, j)
}

// statusOf builds the status object from the store alone, so it answers even when no worker runs.
func (s *Server) statusOf(ctx context.Context, j store.Job) (*jobStatus, error) {
	var req storedRequest
	_ = json.Unmarshal(j.Request, &req)
	st := &jobStatus{
		ID: j.ID, ProjectID: j.ProjectID, SubmittedAt: j.SubmittedAt.UTC().Format(time.RFC3339), ScheduleID: j.ScheduleID,
		Status: j.Status, CdcStatus: "NOT_STARTED", Options: req.Options,
		RelationalTableFilters: req.RelationalTableFilters, CollectionFilters: req.CollectionFilters,
		JDBCConnectionString: j.JDBCConnectionString, MongoDBConnectionString: j.MongoConnectionString,
		Metadata:   metadata{VerificationRequested: req.VerificationRequested, VerificationStatus: j.VerificationStatus},
		JobUpdates: []jobEvent{},
	}
	if req.VerificationRequested {
		st.VerificationJobID = j.ID
	}
	if s.cfg.TemporalUIURL != "" {
		st.Links.TemporalUI = s.cfg.TemporalUIURL + "/namespaces/" + url.PathEscape(s.cfg.Namespace) + "/workflows/" + url.PathEscape(j.ID)
	}
	if len(j.FailureError) > 0 {
		var fe contract.FailureError
		if json.Unmarshal(j.FailureError, &fe) == nil {
			st.FailureError = &fe
		}
	}
	stats := statistics{TotalTableCount: j.TotalTableCount, TotalEvents: j.EstimatedRows, SnapshotCompleted: j.SnapshotCompleted,
		ProcessingTables: []string{}, MigratedTables: []string{}}
	if j.StartedAt != nil {
		stats.StartedAt = j.StartedAt.UTC().Format(time.RFC3339)
		end := s.now()
		if j.FinishedAt != nil {
			end = *j.FinishedAt
		}
		stats.ElapsedSeconds = int64(end.Sub(*j.StartedAt).Seconds())
	}
	cols, err := s.store.CollectionStats(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	stats.RemainingTableCount = j.TotalTableCount
	for _, c := range cols {
		switch c.State {
		case "DONE":
			stats.MigratedTables = append(stats.MigratedTables, c.RootTable)
			stats.RemainingTableCount--
		case "RUNNING":
			stats.ProcessingTables = append(stats.ProcessingTables, c.RootTable)
		}
		stats.TotalEventsSeen += c.RowsRead
		stats.TotalEventSize += c.Bytes
	}
	st.Statistics = stats
	evs, err := s.store.ListEvents(ctx, j.ID, recentEvents, 0, "")
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		st.JobUpdates = append(st.JobUpdates, eventOf(e))
	}
	return st, nil
}
