package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/secret"
)

// maxScheduleIDLen keeps "<scheduleId>-<yyyymmddThhmmssZ>" job IDs short.
const maxScheduleIDLen = 64

// scheduleRequest is the body of POST /schedules and PATCH /schedules/{id} (API.md, Schedules).
// On PATCH every field is optional and only the given ones change; id and paused are POST-only.
type scheduleRequest struct {
	ID                 *string           `json:"id,omitempty"`
	Spec               *scheduleSpec     `json:"spec,omitempty"`
	Overlap            *string           `json:"overlap,omitempty"`
	CatchupWindow      *string           `json:"catchupWindow,omitempty"`
	Paused             *bool             `json:"paused,omitempty"`
	InitialWindowStart *string           `json:"initialWindowStart,omitempty"`
	Lookback           *string           `json:"lookback,omitempty"`
	Job                *createJobRequest `json:"job,omitempty"`
}

// scheduleSpec is when a schedule runs: a cron expression or an interval, in a time zone,
// between optional bounds.
type scheduleSpec struct {
	Cron     string `json:"cron,omitempty"`
	Interval string `json:"interval,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
	StartAt  string `json:"startAt,omitempty"`
	EndAt    string `json:"endAt,omitempty"`
}

// scheduleDefinition is what relmongo keeps of a schedule's request (no secrets) in its action
// input, so GET answers the spec as it was written (Temporal turns cron text into calendars).
type scheduleDefinition struct {
	Spec               scheduleSpec `json:"spec"`
	Overlap            string       `json:"overlap"`
	CatchupWindow      string       `json:"catchupWindow,omitempty"`
	InitialWindowStart string       `json:"initialWindowStart,omitempty"`
	Lookback           string       `json:"lookback,omitempty"`
}

// scheduleView is a schedule as the API answers it.
type scheduleView struct {
	ID                 string          `json:"id"`
	Spec               scheduleSpec    `json:"spec"`
	Overlap            string          `json:"overlap"`
	CatchupWindow      string          `json:"catchupWindow,omitempty"`
	InitialWindowStart string          `json:"initialWindowStart,omitempty"`
	Lookback           string          `json:"lookback,omitempty"`
	Paused             bool            `json:"paused"`
	Note               string          `json:"note,omitempty"`
	Job                scheduleJobView `json:"job"`
	NextRuns           []string        `json:"nextRuns"`
	RecentRuns         []scheduleRun   `json:"recentRuns"`
	RunningWorkflows   []string        `json:"runningWorkflowIds"`
	// Actions counts the runs started; SkippedOverlap those skipped by the overlap policy.
	Actions        int    `json:"actions"`
	SkippedOverlap int    `json:"skippedOverlap"`
	MissedCatchup  int    `json:"missedCatchupWindow"`
	TemporalURL    string `json:"temporalUrl,omitempty"`
}

// scheduleJobView is a schedule's job without secrets: masked connection strings.
type scheduleJobView struct {
	ProjectID                string          `json:"projectId"`
	SourceType               string          `json:"sourceType"`
	JDBCConnectionString     string          `json:"jdbcConnectionString"`
	MongoConnectionString    string          `json:"mongodbConnectionString"`
	Request                  json.RawMessage `json:"request,omitempty"`
	CollectionFiltersApplied []string        `json:"collectionFilters,omitempty"`

	// JDBCConnectionID and MongoConnectionID name the saved connections each run resolves
	// when it fires.
	JDBCConnectionID  string `json:"jdbcConnectionId,omitempty"`
	MongoConnectionID string `json:"mongodbConnectionId,omitempty"`
}

// scheduleRun is one recent action of a schedule and the job it ran.
type scheduleRun struct {
	ScheduledTime string `json:"scheduledTime"`
	ActualTime    string `json:"actualTime"`
	JobID         string `json:"jobId"`
	Status        string `json:"status"`
}

// backfillRequest is the body of POST /schedules/{id}/backfill.
type backfillRequest struct {
	StartAt *string `json:"startAt"`
	EndAt   *string `json:"endAt"`
}

var overlapPolicies = map[string]enumspb.ScheduleOverlapPolicy{
	"SKIP":         enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
	"BUFFER_ONE":   enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
	"ALLOW_ALL":    enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
	"CANCEL_OTHER": enumspb.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER,
}

// windowParamRe finds a window parameter outside the position of a cast ("::"); it may also match
// inside a literal or comment, which only makes the embedded-table check stricter.
var windowParamRe = regexp.MustCompile(`(^|[^:A-Za-z0-9_]):(windowStart|windowEnd|scheduledTime)\b`)

func usesWindowParams(where string) bool { return windowParamRe.MatchString(where) }

func (s *Server) scheduleRoutes(api *mux.Router) {
	api.HandleFunc("/schedules", s.listSchedules).Methods(http.MethodGet)
	api.HandleFunc("/schedules", s.createSchedule).Methods(http.MethodPost)
	api.HandleFunc("/schedules/{scheduleId}", s.getSchedule).Methods(http.MethodGet)
	api.HandleFunc("/schedules/{scheduleId}", s.updateSchedule).Methods(http.MethodPatch)
	api.HandleFunc("/schedules/{scheduleId}", s.deleteSchedule).Methods(http.MethodDelete)
	api.HandleFunc("/schedules/{scheduleId}/pause", s.scheduleControl("pause")).Methods(http.MethodPost)
	api.HandleFunc("/schedules/{scheduleId}/unpause", s.scheduleControl("unpause")).Methods(http.MethodPost)
	api.HandleFunc("/schedules/{scheduleId}/trigger", s.scheduleControl("trigger")).Methods(http.MethodPost)
	api.HandleFunc("/schedules/{scheduleId}/backfill", s.backfillSchedule).Methods(http.MethodPost)
}

// validateSchedule checks the schedule's own fields into p and returns the definition and the
// Temporal spec. full means POST (spec required); on PATCH absent fields keep def's values.
func (req *scheduleRequest) validateSchedule(p *requestProblems, def scheduleDefinition, full bool) scheduleDefinition {
	if req.Spec != nil {
		def.Spec = *req.Spec
	} else if full {
		p.bad("spec is required ({\"interval\": \"1h\"} or {\"cron\": \"0 2 * * *\"})")
	}
	sp := def.Spec
	switch {
	case sp.Cron == "" && sp.Interval == "":
		if req.Spec != nil {
			p.bad("spec needs cron or interval")
		}
	case sp.Cron != "" && sp.Interval != "":
		p.bad("spec takes cron or interval, not both")
	case sp.Interval != "":
		if d, err := time.ParseDuration(sp.Interval); err != nil || d < time.Second {
			p.bad("spec.interval %q must be a duration of at least 1s (e.g. 30s, 1h)", sp.Interval)
		}
	}
	if sp.TimeZone != "" {
		if _, err := time.LoadLocation(sp.TimeZone); err != nil || strings.EqualFold(sp.TimeZone, "local") {
			p.bad("spec.timeZone %q is not an IANA time zone name (e.g. UTC, Europe/Paris)", sp.TimeZone)
		}
	}
	for name, v := range map[string]string{"spec.startAt": sp.StartAt, "spec.endAt": sp.EndAt} {
		if v != "" {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				p.bad("%s %q must be an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)", name, v)
			}
		}
	}
	if req.Overlap != nil {
		def.Overlap = *req.Overlap
	}
	if def.Overlap == "" {
		def.Overlap = "SKIP"
	}
	if _, ok := overlapPolicies[def.Overlap]; !ok {
		p.bad("overlap %q must be SKIP, BUFFER_ONE, ALLOW_ALL or CANCEL_OTHER", def.Overlap)
	}
	if req.CatchupWindow != nil {
		def.CatchupWindow = *req.CatchupWindow
	}
	if def.CatchupWindow != "" {
		if d, err := time.ParseDuration(def.CatchupWindow); err != nil || d < 10*time.Second {
			p.bad("catchupWindow %q must be a duration of at least 10s", def.CatchupWindow)
		}
	}
	if req.InitialWindowStart != nil {
		def.InitialWindowStart = *req.InitialWindowStart
	}
	if def.InitialWindowStart != "" {
		if _, err := time.Parse(time.RFC3339, def.InitialWindowStart); err != nil {
			p.bad("initialWindowStart %q must be an RFC 3339 time", def.InitialWindowStart)
		}
	}
	if req.Lookback != nil {
		def.Lookback = *req.Lookback
	}
	if def.Lookback != "" {
		if d, err := time.ParseDuration(def.Lookback); err != nil || d < 0 {
			p.bad("lookback %q must be a duration >= 0 (e.g. 0s, 5m)", def.Lookback)
		}
	}
	if full && req.ID != nil {
		if *req.ID == "" || !idPattern.MatchString(*req.ID) || len(*req.ID) > maxScheduleIDLen {
			p.bad("id %q must match ^[A-Za-z0-9-]+$ and be at most %d characters", *req.ID, maxScheduleIDLen)
		}
	}
	if !full && (req.ID != nil || req.Paused != nil) {
		p.bad("id and paused cannot be patched: use POST /schedules/{id}/pause or /unpause")
	}
	return def
}

// scheduledJobProblems are the job checks that only schedules have (API.md, Schedules), found
// without the source: dropCollections and window parameters outside a root table's filter.
// proj nil (not found) checks only the request.
func scheduledJobProblems(p *requestProblems, req *createJobRequest, proj *project.Project) {
	if req.Options != nil && req.Options.DropCollections != nil && *req.Options.DropCollections {
		p.bad("job.options.dropCollections is refused for scheduled jobs: each run would drop what the previous runs wrote")
	}
	if proj == nil {
		return // the project is missing: answered once the rest is valid
	}
	roots := map[project.TableRef]bool{}
	for _, c := range proj.Collections {
		roots[c.Table] = true
	}
	check := func(where string, filters map[string]map[string]project.TableFilter) {
		for schemaName, tables := range filters {
			for table, f := range tables {
				if usesWindowParams(f.WhereClause) && !roots[project.TableRef{Schema: schemaName, Name: table}] {
					p.bad("%s[%q][%q].whereClause uses a window parameter, which only a collection's root table filter may use", where, schemaName, table)
				}
			}
		}
	}
	check("job.relationalTableFilters", req.RelationalTableFilters)
	check("the project's tableFilters", proj.TableFilters)
	if req.JDBC != nil && req.JDBC.Type != nil && *req.JDBC.Type != "POSTGRESQL" {
		for _, tables := range req.RelationalTableFilters {
			for _, f := range tables {
				if usesWindowParams(f.WhereClause) {
					p.cannot("window parameters in a whereClause are supported for POSTGRESQL sources only")
					return
				}
			}
		}
	}
}

// buildSchedule validates a schedule's job (like POST /jobs, plus the schedule-only rules),
// preflights it and returns the action input with its secrets sealed; on a problem it answers
// the request and returns false.
func (s *Server) buildRun(w http.ResponseWriter, r *http.Request, id string, req *createJobRequest, def scheduleDefinition, p requestProblems) (contract.ScheduledRunInput, bool) {
	opts, jp := req.validate(s.cfg.AllowTestHooks)
	verif := req.verificationOf(&jp)
	for _, m := range jp.invalid {
		p.bad("job: %s", m)
	}
	for _, m := range jp.unrunning {
		p.cannot("job: %s", m)
	}
	// The project's roots tell which filters may use window parameters; every problem is
	// reported at once, and a missing project is answered 404 (as POST /jobs does) once the
	// request is otherwise valid.
	var proj *project.Project
	if req.ProjectID != nil && idPattern.MatchString(*req.ProjectID) {
		if rec, err := s.store.GetProject(r.Context(), *req.ProjectID); err == nil {
			proj = &project.Project{}
			if err := json.Unmarshal(rec.Document, proj); err != nil {
				proj = nil
			}
		}
	}
	scheduledJobProblems(&p, req, proj)
	if proj == nil && len(p.invalid) == 0 && req.ProjectID != nil {
		if _, ok := s.loadProject(w, r, *req.ProjectID); !ok {
			return contract.ScheduledRunInput{}, false
		}
	}
	if len(p.invalid) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid schedule request: "+strconv.Itoa(len(p.invalid))+" problem(s)", strings.Join(p.invalid, "; "), "")
		return contract.ScheduledRunInput{}, false
	}
	if len(p.unrunning) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "the schedule's job cannot run", strings.Join(p.unrunning, "; "), "")
		return contract.ScheduledRunInput{}, false
	}
	pj, ok := s.prepareJob(w, r, req)
	if !ok {
		return contract.ScheduledRunInput{}, false
	}
	var keyless []string
	for _, pl := range pj.plans {
		if pl.Staging {
			keyless = append(keyless, pl.Root.Table.String())
		}
	}
	if len(keyless) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid schedule request: root tables without a primary key",
			"scheduled runs replace documents by _id, so every root table needs a key; "+strings.Join(keyless, ", ")+
				" has none (exclude its collection with job.collectionFilters, or give the table a primary key)", "")
		return contract.ScheduledRunInput{}, false
	}
	if !s.saveConnections(w, r, pj.use) {
		return contract.ScheduledRunInput{}, false
	}
	// A saved connection used as it is saved is held by id, not as ciphertext: each run
	// resolves it when it fires, so saving it again (a rotated password) applies to later runs.
	conns := pj.conns
	if id := pj.use.refs.JDBC; id != "" {
		conns.Source, conns.SourceConnectionID = secret.Sealed{}, id
	}
	if id := pj.use.refs.Mongo; id != "" {
		conns.Target, conns.TargetConnectionID = secret.Sealed{}, id
	}
	filters, _ := json.Marshal(req.RelationalTableFilters)
	sr := storedRequest{Options: opts, CollectionFilters: req.CollectionFilters, VerificationRequested: verif.Enabled, savedIDs: pj.use.ids}
	_ = json.Unmarshal(filters, &sr.RelationalTableFilters)
	reqDoc, _ := json.Marshal(sr)
	defDoc, _ := json.Marshal(def)
	in := contract.ScheduledRunInput{
		ScheduleID: id,
		Job: contract.MigrationInput{ProjectID: *req.ProjectID, Connections: conns, Options: opts,
			CollectionFilters: req.CollectionFilters, TableFilters: req.RelationalTableFilters, Verification: verif},
		Request: reqDoc, TargetKey: pj.targetKey, Definition: defDoc,
		JDBCConnectionString: pj.src.Masked(), MongoConnectionString: connstr.MaskMongoURI(pj.mongoURI),
		InitialWindowStart: def.InitialWindowStart,
	}
	if def.Lookback != "" {
		d, _ := time.ParseDuration(def.Lookback)
		in.LookbackSeconds = int64(d / time.Second)
	}
	if req.TestHooks != nil {
		in.Job.Hooks = *req.TestHooks
	}
	return in, true
}

// temporalSpec turns a validated definition into Temporal's schedule spec and policies.
func temporalSpec(def scheduleDefinition) (client.ScheduleSpec, enumspb.ScheduleOverlapPolicy, time.Duration) {
	var spec client.ScheduleSpec
	if def.Spec.Cron != "" {
		spec.CronExpressions = []string{def.Spec.Cron}
	}
	if def.Spec.Interval != "" {
		d, _ := time.ParseDuration(def.Spec.Interval)
		spec.Intervals = []client.ScheduleIntervalSpec{{Every: d}}
	}
	spec.TimeZoneName = def.Spec.TimeZone
	if def.Spec.StartAt != "" {
		spec.StartAt, _ = time.Parse(time.RFC3339, def.Spec.StartAt)
	}
	if def.Spec.EndAt != "" {
		spec.EndAt, _ = time.Parse(time.RFC3339, def.Spec.EndAt)
	}
	var catchup time.Duration
	if def.CatchupWindow != "" {
		catchup, _ = time.ParseDuration(def.CatchupWindow)
	}
	return spec, overlapPolicies[def.Overlap], catchup
}

// scheduleAction is the schedule's action: start ScheduledRunWorkflow with the run's input.
// Its search attributes name the schedule and project (the job ID is only known once the run
// starts); ScheduledRun passes them on to the job's workflow. The project name is the one when
// the schedule was written (a rename shows in the jobs' memo, which ScheduledRun reads afresh).
func (s *Server) scheduleAction(ctx context.Context, id string, in contract.ScheduledRunInput) *client.ScheduleWorkflowAction {
	var projectName string
	if rec, err := s.store.GetProject(ctx, in.Job.ProjectID); err == nil {
		projectName = rec.Name
	}
	a := &client.ScheduleWorkflowAction{
		// Temporal appends the scheduled time to this ID; the job ID is set by ScheduledRun.
		ID: "relmongo-schedule-" + id, Workflow: contract.ScheduledRunWorkflow,
		Args: []any{in}, TaskQueue: contract.TaskQueue,
		Memo: contract.JobMemo(projectName, in.JDBCConnectionString, in.MongoConnectionString),
	}
	if s.cfg.SearchAttributes {
		sas := []temporal.SearchAttributeUpdate{contract.SAScheduleID.ValueSet(id), contract.SAProjectID.ValueSet(in.Job.ProjectID)}
		if projectName != "" {
			sas = append(sas, contract.SAProjectName.ValueSet(projectName))
		}
		a.TypedSearchAttributes = temporal.NewSearchAttributes(sas...)
	}
	return a
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request) {
	var req scheduleRequest
	if err := decodeStrict(r, &req); err != nil {
		s.writeError(w, statusForBody(err), "invalid schedule request", err.Error(), "")
		return
	}
	var p requestProblems
	def := req.validateSchedule(&p, scheduleDefinition{}, true)
	if req.Job == nil {
		p.bad("job is required (a job create request, as for POST /api/v1/jobs)")
		s.writeError(w, http.StatusBadRequest, "invalid schedule request: "+strconv.Itoa(len(p.invalid))+" problem(s)", strings.Join(p.invalid, "; "), "")
		return
	}
	id := uuid.NewString()
	if req.ID != nil {
		id = *req.ID
	}
	in, ok := s.buildRun(w, r, id, req.Job, def, p)
	if !ok {
		return
	}
	spec, overlap, catchup := temporalSpec(def)
	opts := client.ScheduleOptions{ID: id, Spec: spec, Action: s.scheduleAction(r.Context(), id, in), Overlap: overlap, CatchupWindow: catchup,
		Paused: req.Paused != nil && *req.Paused}
	if _, err := s.temporal.ScheduleClient().Create(r.Context(), opts); err != nil {
		s.temporalError(w, err, "creating schedule "+id)
		return
	}
	s.log.Info("schedule created", "schedule_id", id, "project_id", in.Job.ProjectID)
	s.respondSchedule(w, r, id, http.StatusOK)
}

func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request) {
	id, ok := s.scheduleID(w, r)
	if !ok {
		return
	}
	var req scheduleRequest
	if err := decodeStrict(r, &req); err != nil {
		s.writeError(w, statusForBody(err), "invalid schedule request", err.Error(), "")
		return
	}
	h := s.temporal.ScheduleClient().GetHandle(r.Context(), id)
	desc, err := h.Describe(r.Context())
	if err != nil {
		s.temporalError(w, err, "schedule "+id)
		return
	}
	cur, err := actionInput(desc.Schedule.Action)
	if err != nil {
		s.writeError(w, http.StatusConflict, "schedule "+id+" was not created by relmongo", err.Error(), "")
		return
	}
	var def scheduleDefinition
	_ = json.Unmarshal(cur.Definition, &def)
	var p requestProblems
	def = req.validateSchedule(&p, def, false)
	in := cur
	if req.Job != nil {
		if in, ok = s.buildRun(w, r, id, req.Job, def, p); !ok {
			return
		}
	} else if len(p.invalid) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid schedule request: "+strconv.Itoa(len(p.invalid))+" problem(s)", strings.Join(p.invalid, "; "), "")
		return
	}
	in.Definition, _ = json.Marshal(def)
	in.InitialWindowStart = def.InitialWindowStart
	in.LookbackSeconds = 0
	if def.Lookback != "" {
		d, _ := time.ParseDuration(def.Lookback)
		in.LookbackSeconds = int64(d / time.Second)
	}
	spec, overlap, catchup := temporalSpec(def)
	err = h.Update(r.Context(), client.ScheduleUpdateOptions{DoUpdate: func(u client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		sch := u.Description.Schedule
		sch.Spec = &spec
		sch.Action = s.scheduleAction(r.Context(), id, in)
		if sch.Policy == nil {
			sch.Policy = &client.SchedulePolicies{}
		}
		sch.Policy.Overlap = overlap
		sch.Policy.CatchupWindow = catchup
		return &client.ScheduleUpdate{Schedule: &sch}, nil
	}})
	if err != nil {
		s.temporalError(w, err, "updating schedule "+id)
		return
	}
	s.respondSchedule(w, r, id, http.StatusOK)
}

func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.scheduleID(w, r); ok {
		s.respondSchedule(w, r, id, http.StatusOK)
	}
}

func (s *Server) respondSchedule(w http.ResponseWriter, r *http.Request, id string, status int) {
	v, err := s.describeSchedule(r.Context(), id)
	if err != nil {
		s.temporalError(w, err, "schedule "+id)
		return
	}
	writeJSON(w, status, v)
}

// describeSchedule reads a schedule from Temporal and its runs' statuses from the store.
func (s *Server) describeSchedule(ctx context.Context, id string) (*scheduleView, error) {
	desc, err := s.temporal.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	if err != nil {
		return nil, err
	}
	in, err := actionInput(desc.Schedule.Action)
	if err != nil {
		return nil, err
	}
	var def scheduleDefinition
	_ = json.Unmarshal(in.Definition, &def)
	v := &scheduleView{
		ID: id, Spec: def.Spec, Overlap: def.Overlap, CatchupWindow: def.CatchupWindow,
		InitialWindowStart: def.InitialWindowStart, Lookback: def.Lookback,
		Job: scheduleJobView{ProjectID: in.Job.ProjectID, SourceType: in.Job.Connections.SourceType,
			JDBCConnectionString: in.JDBCConnectionString, MongoConnectionString: in.MongoConnectionString,
			Request: in.Request, JDBCConnectionID: in.Job.Connections.SourceConnectionID, MongoConnectionID: in.Job.Connections.TargetConnectionID},
		NextRuns: []string{}, RecentRuns: []scheduleRun{}, RunningWorkflows: []string{},
	}
	if desc.Schedule.State != nil {
		v.Paused, v.Note = desc.Schedule.State.Paused, desc.Schedule.State.Note
	}
	v.Actions, v.SkippedOverlap, v.MissedCatchup = desc.Info.NumActions, desc.Info.NumActionsSkippedOverlap, desc.Info.NumActionsMissedCatchupWindow
	for _, t := range desc.Info.NextActionTimes {
		v.NextRuns = append(v.NextRuns, t.UTC().Format(time.RFC3339))
	}
	for _, a := range desc.Info.RecentActions {
		jobID := id + "-" + a.ScheduleTime.UTC().Truncate(time.Second).Format(contract.ScheduledIDTime)
		run := scheduleRun{ScheduledTime: a.ScheduleTime.UTC().Format(time.RFC3339), ActualTime: a.ActualTime.UTC().Format(time.RFC3339), JobID: jobID}
		if j, err := s.store.GetJob(ctx, jobID); err == nil {
			run.Status = j.Status
		}
		v.RecentRuns = append(v.RecentRuns, run)
	}
	for _, ex := range desc.Info.RunningWorkflows {
		// The running action's own workflow ID carries Temporal's timestamp (its job is a child).
		v.RunningWorkflows = append(v.RunningWorkflows, ex.WorkflowID)
	}
	if s.cfg.TemporalUIURL != "" {
		v.TemporalURL = strings.TrimRight(s.cfg.TemporalUIURL, "/") + "/namespaces/" + s.cfg.Namespace + "/schedules/" + id
	}
	return v, nil
}

// actionInput decodes the ScheduledRun input of a schedule's action.
func actionInput(a client.ScheduleAction) (contract.ScheduledRunInput, error) {
	var in contract.ScheduledRunInput
	wa, ok := a.(*client.ScheduleWorkflowAction)
	if !ok || len(wa.Args) != 1 {
		return in, errors.New("its action is not a relmongo scheduled run")
	}
	if name, _ := wa.Workflow.(string); name != contract.ScheduledRunWorkflow {
		return in, fmt.Errorf("its action starts %v, not %s", wa.Workflow, contract.ScheduledRunWorkflow)
	}
	p, ok := wa.Args[0].(*commonpb.Payload)
	if !ok {
		return in, errors.New("its action input cannot be read")
	}
	if err := converter.GetDefaultDataConverter().FromPayload(p, &in); err != nil {
		return in, fmt.Errorf("decoding its action input: %w", err)
	}
	return in, nil
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	it, err := s.temporal.ScheduleClient().List(r.Context(), client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		s.temporalError(w, err, "schedules")
		return
	}
	out := []*scheduleView{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			s.temporalError(w, err, "schedules")
			return
		}
		if e.WorkflowType.Name != contract.ScheduledRunWorkflow {
			continue // another application's schedule in the same namespace
		}
		v, err := s.describeSchedule(r.Context(), e.ID)
		if err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				continue // deleted since the (eventually consistent) list was read
			}
			s.temporalError(w, err, "schedule "+e.ID)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request) {
	id, ok := s.scheduleID(w, r)
	if !ok {
		return
	}
	// The last view is the answer, as DELETE /project answers the deleted project.
	v, err := s.describeSchedule(r.Context(), id)
	if err != nil {
		s.temporalError(w, err, "schedule "+id)
		return
	}
	if err := s.temporal.ScheduleClient().GetHandle(r.Context(), id).Delete(r.Context()); err != nil {
		s.temporalError(w, err, "schedule "+id)
		return
	}
	s.log.Info("schedule deleted", "schedule_id", id)
	writeJSON(w, http.StatusOK, v)
}

// scheduleControl answers pause, unpause and trigger (an empty body, or none).
func (s *Server) scheduleControl(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.scheduleID(w, r)
		if !ok {
			return
		}
		h := s.temporal.ScheduleClient().GetHandle(r.Context(), id)
		note := "relmongo API: " + action
		var err error
		switch action {
		case "pause":
			err = h.Pause(r.Context(), client.SchedulePauseOptions{Note: note})
		case "unpause":
			err = h.Unpause(r.Context(), client.ScheduleUnpauseOptions{Note: note})
		case "trigger":
			// The schedule's own overlap policy decides (SKIP skips a trigger while a run is on).
			err = h.Trigger(r.Context(), client.ScheduleTriggerOptions{})
		}
		if err != nil {
			s.temporalError(w, err, "schedule "+id)
			return
		}
		s.respondSchedule(w, r, id, http.StatusOK)
	}
}

func (s *Server) backfillSchedule(w http.ResponseWriter, r *http.Request) {
	id, ok := s.scheduleID(w, r)
	if !ok {
		return
	}
	var req backfillRequest
	if err := decodeStrict(r, &req); err != nil {
		s.writeError(w, statusForBody(err), "invalid backfill request", err.Error(), "")
		return
	}
	var p requestProblems
	var start, end time.Time
	for _, f := range []struct {
		name string
		v    *string
		dst  *time.Time
	}{{"startAt", req.StartAt, &start}, {"endAt", req.EndAt, &end}} {
		if f.v == nil {
			p.bad("%s is required (an RFC 3339 time)", f.name)
			continue
		}
		t, err := time.Parse(time.RFC3339, *f.v)
		if err != nil {
			p.bad("%s %q must be an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)", f.name, *f.v)
			continue
		}
		*f.dst = t
	}
	if len(p.invalid) == 0 && !end.After(start) {
		p.bad("endAt must be after startAt")
	}
	if len(p.invalid) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid backfill request: "+strconv.Itoa(len(p.invalid))+" problem(s)", strings.Join(p.invalid, "; "), "")
		return
	}
	// BUFFER_ALL runs every missed window, one after the other, so each sees the previous one's end.
	err := s.temporal.ScheduleClient().GetHandle(r.Context(), id).Backfill(r.Context(), client.ScheduleBackfillOptions{
		Backfill: []client.ScheduleBackfill{{Start: start, End: end, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL}},
	})
	if err != nil {
		s.temporalError(w, err, "schedule "+id)
		return
	}
	s.respondSchedule(w, r, id, http.StatusOK)
}

func (s *Server) scheduleID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := mux.Vars(r)["scheduleId"]
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid schedule id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return "", false
	}
	return id, true
}

// temporalError maps a schedule client error to an API error.
func (s *Server) temporalError(w http.ResponseWriter, err error, what string) {
	var nf *serviceerror.NotFound
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	var inv *serviceerror.InvalidArgument
	switch {
	case errors.As(err, &nf):
		s.writeError(w, http.StatusNotFound, what+" not found", "", "")
	case errors.As(err, &exists), errors.Is(err, temporal.ErrScheduleAlreadyRunning):
		s.writeError(w, http.StatusConflict, what+": a schedule with this id already exists", "choose another id or delete the schedule", "")
	case errors.As(err, &inv):
		s.writeError(w, http.StatusBadRequest, what+": Temporal refused it", inv.Message, "")
	case strings.Contains(err.Error(), "not a relmongo scheduled run"), strings.Contains(err.Error(), "its action"):
		s.writeError(w, http.StatusConflict, what+" was not created by relmongo", err.Error(), "")
	default:
		s.log.Error("temporal schedule error", "what", what, "error", err)
		s.writeError(w, http.StatusServiceUnavailable, what+": Temporal did not answer", err.Error(), "")
	}
}
