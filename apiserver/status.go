package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
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

	// savedIDs (ext) name the saved connections the job used or saved.
	savedIDs
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
		JDBCConnectionString: j.JDBCConnectionString, MongoDBConnectionString: j.MongoConnectionString, savedIDs: req.savedIDs,
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
			stats.MigratedTables = appendOnce(stats.MigratedTables, c.RootTable)
			stats.RemainingTableCount--
		case "RUNNING":
			stats.ProcessingTables = appendOnce(stats.ProcessingTables, c.RootTable)
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

// jobTablesResponse is GET /jobs/{jobId}/tables (API.md, ext): per collection and per source
// table, what has been read, written, excluded and refused so far.
type jobTablesResponse struct {
	JobID       string               `json:"jobId"`
	Status      string               `json:"status"`
	Collections []collectionProgress `json:"collections"`
}

// progressCounters are the figures of a collection's root table. The store counts them per chunk
// and replaces a retried chunk's figures, so they stay exact under retries.
type progressCounters struct {
	EstimatedRows    int64 `json:"estimatedRows"`
	RowsRead         int64 `json:"rowsRead"`
	DocumentsWritten int64 `json:"documentsWritten"`
	RowsExcluded     int64 `json:"rowsExcluded"`
	RecordErrors     int64 `json:"recordErrors"`
	ChunksDone       int64 `json:"chunksDone"`
	// ChunksPlanned grows while the collection is planned lazily; it is final once the
	// collection is DONE.
	ChunksPlanned int64 `json:"chunksPlanned"`
	Bytes         int64 `json:"bytes"`
}

// collectionProgress is one collection of a job.
type collectionProgress struct {
	Collection string `json:"collection"`
	// State is PENDING, RUNNING, PAUSED, CANCELLING, DONE, FAILED or CANCELLED.
	State     string `json:"state"`
	RootTable string `json:"rootTable"`
	progressCounters
	Tables []tableProgress `json:"tables"`
}

// tableProgress is one source table of a collection: its root table, which carries the
// collection's counters, and every embedded table, read for exactly the root rows of each chunk
// (they have no counters of their own: each of their rows ends up inside a root row's document).
type tableProgress struct {
	Table string `json:"table"`
	// Role is ROOT or EMBEDDED.
	Role string `json:"role"`
	// Parent and Field say where an embedded table's rows go.
	Parent string `json:"parent,omitempty"`
	Field  string `json:"field,omitempty"`
	// Kind is the embedding kind (EMBEDDED_DOCUMENT_ARRAY, EMBEDDED_DOCUMENT).
	Kind  string `json:"kind,omitempty"`
	State string `json:"state"`
	*progressCounters
}

func (s *Server) jobTables(w http.ResponseWriter, r *http.Request) {
	j, ok := s.loadJob(w, r)
	if !ok {
		return
	}
	id := j.ID
	stats, err := s.store.CollectionStats(r.Context(), id)
	if err != nil {
		s.storeError(w, err, "job "+id)
		return
	}
	writeJSON(w, http.StatusOK, tablesOf(j, stats))
}

// tablesOf merges the job's frozen project (which collections and tables it copies, including
// collections not started yet) with the counters of the store.
func tablesOf(j store.Job, stats []store.CollectionStats) jobTablesResponse {
	out := jobTablesResponse{JobID: j.ID, Status: j.Status, Collections: []collectionProgress{}}
	var req storedRequest
	_ = json.Unmarshal(j.Request, &req)
	var proj project.Project
	_ = json.Unmarshal(j.Project, &proj)
	byName := map[string]store.CollectionStats{}
	for _, st := range stats {
		byName[st.Collection] = st
	}
	selected := func(name string) bool {
		return len(req.CollectionFilters) == 0 || slices.Contains(req.CollectionFilters, name)
	}
	seen := map[string]bool{}
	for i := range proj.Collections {
		c := &proj.Collections[i]
		if !selected(c.Name) {
			continue
		}
		seen[c.Name] = true
		st, ok := byName[c.Name]
		if !ok {
			st = store.CollectionStats{CollectionState: store.CollectionState{Collection: c.Name, State: "PENDING", RootTable: c.Table.String()}}
		}
		out.Collections = append(out.Collections, collectionOf(j.Status, st, c))
	}
	// Collections the store knows but the project does not list (a project stored before a
	// rename, say) are still reported.
	for _, st := range stats {
		if !seen[st.Collection] {
			out.Collections = append(out.Collections, collectionOf(j.Status, st, nil))
		}
	}
	return out
}

func collectionOf(jobStatus string, st store.CollectionStats, c *project.Collection) collectionProgress {
	state := effectiveState(jobStatus, st.State)
	counters := progressCounters{EstimatedRows: st.EstimatedRows, RowsRead: st.RowsRead, DocumentsWritten: st.DocsWritten,
		RowsExcluded: st.RowsExcluded, RecordErrors: st.RecordErrors, ChunksDone: st.ChunksDone, ChunksPlanned: st.ChunksPlanned, Bytes: st.Bytes}
	root := st.RootTable
	if root == "" && c != nil {
		root = c.Table.String()
	}
	cp := collectionProgress{Collection: st.Collection, State: state, RootTable: root, progressCounters: counters}
	cp.Tables = append(cp.Tables, tableProgress{Table: root, Role: "ROOT", State: state, progressCounters: &counters})
	if c != nil {
		var walk func(parent string, es []project.Embedded)
		walk = func(parent string, es []project.Embedded) {
			for _, e := range es {
				cp.Tables = append(cp.Tables, tableProgress{Table: e.Table.String(), Role: "EMBEDDED", Parent: parent,
					Field: e.Field, Kind: e.Kind, State: state})
				walk(e.Table.String(), e.Embedded)
			}
		}
		walk(root, c.Embedded)
	}
	return cp
}

// effectiveState shows a running collection as PAUSED or CANCELLING while its job is: the
// collection's record changes only when it ends.
func effectiveState(jobStatus, state string) string {
	if state == "RUNNING" && (jobStatus == contract.StatusPaused || jobStatus == contract.StatusCancelling) {
		return jobStatus
	}
	if state == "" {
		return "RUNNING"
	}
	return state
}

// loadJob reads the job named by the {jobId} route variable; it writes the error response itself.
func (s *Server) loadJob(w http.ResponseWriter, r *http.Request) (store.Job, bool) {
	id := mux.Vars(r)["jobId"]
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid job id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return store.Job{}, false
	}
	j, err := s.store.GetJob(r.Context(), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.writeError(w, http.StatusNotFound, "job "+id+" not found", "", id)
		} else {
			s.storeError(w, err, "job "+id)
		}
		return store.Job{}, false
	}
	return j, true
}

// appendOnce appends table unless present: two collections built from one table list it once.
func appendOnce(tables []string, table string) []string {
	if slices.Contains(tables, table) {
		return tables
	}
	return append(tables, table)
}
