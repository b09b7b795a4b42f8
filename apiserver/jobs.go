package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/preflight"
	"github.com/relmongo/relmongo/internal/project"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/store"
)

// storedRequest is what a job record keeps of its create request (no secrets): it is echoed in
// the status object.
type storedRequest struct {
	Options                contract.Options                      `json:"options"`
	RelationalTableFilters map[string]map[string]json.RawMessage `json:"relationalTableFilters,omitempty"`
	CollectionFilters      []string                              `json:"collectionFilters,omitempty"`
	VerificationRequested  bool                                  `json:"verificationRequested"`
	// The saved connections the job used or saved (ext), echoed in the status object.
	savedIDs
}

func (s *Server) createJob(w http.ResponseWriter, r *http.Request) {
	var req createJobRequest
	if err := decodeStrict(r, &req); err != nil {
		s.writeError(w, statusForBody(err), "invalid job request", err.Error(), "")
		return
	}
	opts, probs := req.validate(s.cfg.AllowTestHooks)
	verif := req.verificationOf(&probs)
	for schemaName, tables := range req.RelationalTableFilters {
		for table, f := range tables {
			if usesWindowParams(f.WhereClause) {
				probs.bad("relationalTableFilters[%q][%q].whereClause uses a window parameter (:windowStart, :windowEnd, :scheduledTime), which only a scheduled run has: create a schedule (POST /api/v1/schedules)", schemaName, table)
			}
		}
	}
	if len(probs.invalid) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid job request: "+strconv.Itoa(len(probs.invalid))+" problem(s)", strings.Join(probs.invalid, "; "), "")
		return
	}
	if len(probs.unrunning) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "the job cannot run", strings.Join(probs.unrunning, "; "), "")
		return
	}
	pj, ok := s.prepareJob(w, r, &req)
	if !ok {
		return
	}
	proj, src, mongoURI, targetKey := pj.proj, pj.src, pj.mongoURI, pj.targetKey
	if !s.saveConnections(w, r, pj.use) {
		return
	}
	jobID := uuid.NewString()
	input := contract.MigrationInput{
		JobID: jobID, ProjectID: *req.ProjectID, Project: proj,
		Connections: pj.conns,
		Options:     opts, CollectionFilters: req.CollectionFilters, TableFilters: req.RelationalTableFilters,
		Verification: verif,
	}
	if req.TestHooks != nil {
		input.Hooks = *req.TestHooks
	}
	projDoc, _ := json.Marshal(proj)
	filters, _ := json.Marshal(req.RelationalTableFilters)
	sr := storedRequest{Options: opts, CollectionFilters: req.CollectionFilters, VerificationRequested: verif.Enabled, savedIDs: pj.use.ids}
	_ = json.Unmarshal(filters, &sr.RelationalTableFilters)
	reqDoc, _ := json.Marshal(sr)
	job := store.Job{
		ID: jobID, ProjectID: *req.ProjectID, SubmittedAt: s.now().UTC(), Status: contract.StatusNotStarted,
		TargetKey: targetKey, Request: reqDoc, Project: projDoc,
		JDBCConnectionString: src.Masked(), MongoConnectionString: connstr.MaskMongoURI(mongoURI),
	}
	// The 409 rules are checked in the transaction that creates the job, so that two API servers
	// sharing a store cannot both admit a job for the same project and target.
	admission := store.Admission{ExclusiveTarget: true, MaxInProgress: s.cfg.MaxConcurrentJobs}
	err := s.store.CreateJobAdmitted(r.Context(), job, admission)
	var refused *store.AdmissionError
	if errors.As(err, &refused) && refused.SameTarget && s.reconcileTarget(r.Context(), *req.ProjectID, targetKey) {
		// The blocking job's workflow had closed without recording its end: now that it has,
		// the target is free.
		err = s.store.CreateJobAdmitted(r.Context(), job, admission)
	}
	switch {
	case errors.As(err, &refused) && refused.SameTarget:
		s.writeError(w, s.status(http.StatusConflict, legacyJobConflict), "another job of this project is in progress on the same target database",
			"wait for it to finish or stop it (POST /api/v1/jobs/{jobId}/stop; GET /api/v1/jobs?type=IN_PROGRESS&projectId="+*req.ProjectID+")", "")
		return
	case errors.As(err, &refused):
		s.writeError(w, s.status(http.StatusConflict, legacyJobConflict), fmt.Sprintf("%d job(s) in progress: this server runs at most %d at once (--max-concurrent-jobs)", refused.InProgress, refused.Max),
			"wait for a job to finish or stop one (GET /api/v1/jobs?type=IN_PROGRESS)", "")
		return
	case err != nil:
		s.storeError(w, err, "job")
		return
	}
	startOpts := client.StartWorkflowOptions{
		ID: jobID, TaskQueue: contract.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		Memo:                  contract.JobMemo(proj.Name, job.JDBCConnectionString, job.MongoConnectionString),
	}
	if s.cfg.SearchAttributes {
		startOpts.TypedSearchAttributes = contract.JobSearchAttributes(jobID, *req.ProjectID, proj.Name, "")
	}
	_, err = s.temporal.ExecuteWorkflow(r.Context(), startOpts, contract.MigrationWorkflow, input)
	if err != nil {
		failed := contract.StatusFailed
		now := s.now().UTC()
		fe, _ := json.Marshal(contract.FailureError{ErrorType: contract.ErrTypeInternal, Message: "the job could not be started in Temporal: " + err.Error(), FailureAt: now.Format(time.RFC3339), SetupError: true})
		_ = s.store.UpdateJob(r.Context(), jobID, store.JobUpdate{Status: &failed, FinishedAt: &now, FailureError: fe})
		s.log.Error("starting workflow", "job_id", jobID, "error", err)
		s.writeError(w, http.StatusServiceUnavailable, "the job could not be started: Temporal is unreachable", err.Error(), jobID)
		return
	}
	s.log.Info("job started", "job_id", jobID, "project_id", *req.ProjectID)
	s.respondJob(w, r, jobID)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["jobId"]
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid job id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return
	}
	s.respondJob(w, r, id)
}

func (s *Server) respondJob(w http.ResponseWriter, r *http.Request, id string) {
	st, err := s.jobStatus(r.Context(), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.writeError(w, http.StatusNotFound, "job "+id+" not found", "", id)
			return
		}
		s.log.Error("reading job", "job_id", id, "error", err)
		s.writeError(w, http.StatusInternalServerError, "internal error reading job "+id, "", id)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	sort, limit, ok := s.listParams(w, r, "submittedAt,DESC")
	if !ok {
		return
	}
	q := r.URL.Query()
	f := store.JobFilter{ProjectID: q.Get("projectId"), Sort: sort, Limit: limit}
	switch t := q.Get("type"); t {
	case "":
	case "IN_PROGRESS":
		f.InProgress = true
	default:
		s.writeError(w, http.StatusBadRequest, "invalid type "+strconv.Quote(t), "the only type filter is IN_PROGRESS", "")
		return
	}
	jobs, err := s.store.ListJobs(r.Context(), f)
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			s.writeError(w, http.StatusBadRequest, "invalid list parameters", err.Error(), "")
			return
		}
		s.storeError(w, err, "jobs")
		return
	}
	out := make([]*jobStatus, 0, len(jobs))
	for _, j := range jobs {
		st, err := s.statusOf(r.Context(), j)
		if err != nil {
			s.storeError(w, err, "job "+j.ID)
			return
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) jobLogs(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["jobId"]
	q := r.URL.Query()
	limit, offset := 1000, 0
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				s.writeError(w, http.StatusBadRequest, "invalid "+name+" "+strconv.Quote(v), name+" must be an integer >= 0", id)
				return
			}
			*dst = n
		}
	}
	evType := q.Get("eventType")
	if evType != "" && evType != "ERROR" && evType != "WARNING" && evType != "INFO" {
		s.writeError(w, http.StatusBadRequest, "invalid eventType "+strconv.Quote(evType), "use ERROR, WARNING or INFO", id)
		return
	}
	evs, err := s.store.ListEvents(r.Context(), id, limit, offset, evType)
	if err != nil {
		s.storeError(w, err, "job "+id)
		return
	}
	out := make([]jobEvent, 0, len(evs))
	for _, e := range evs {
		out = append(out, eventOf(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// preparedJob is a validated job request whose checks passed and whose secrets are sealed.
type preparedJob struct {
	proj      *project.Project
	src       connstr.Source
	mongoURI  string
	targetKey string
	conns     contract.Connections
	plans     []project.CollectionPlan
	// use is what the request does with saved connections; its saves are written by the caller
	// once its own checks have passed too.
	use connectionUse
}

// prepareJob loads the project of a validated request, completes its connections from the saved
// ones it names, parses both connections, runs the time-boxed preflight, seals the secrets and
// plans the saves savePassword asks for; on a problem it answers the request and returns false.
func (s *Server) prepareJob(w http.ResponseWriter, r *http.Request, req *createJobRequest) (*preparedJob, bool) {
	proj, ok := s.loadProject(w, r, *req.ProjectID)
	if !ok {
		return nil, false
	}
	if probs := tableFilterProblems(proj, *req.ProjectID, req.CollectionFilters, req.RelationalTableFilters); len(probs) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid relationalTableFilters", strings.Join(probs, "; "), "")
		return nil, false
	}
	use, ok := s.resolveSaved(w, r, req.JDBC, req.Mongo)
	if !ok {
		return nil, false
	}
	if proj.Source.Type != *req.JDBC.Type {
		s.writeError(w, http.StatusUnprocessableEntity, "the job cannot run",
			fmt.Sprintf("project %s reads a %s database but jdbcConnectionDetails.type is %s", *req.ProjectID, proj.Source.Type, *req.JDBC.Type), "")
		return nil, false
	}
	src, err := connstr.ParseSource(*req.JDBC.Type, *req.JDBC.URL, req.JDBC.User, req.JDBC.Password)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid jdbcConnectionDetails.url", err.Error(), "")
		return nil, false
	}
	mongoURI := *req.Mongo.ConnectionString
	if _, err := mongosink.DatabaseName(mongoURI); err != nil {
		s.writeError(w, s.status(http.StatusUnprocessableEntity, legacyNoDatabase), "invalid mongodbConnectionDetails.connectionString", err.Error(), "")
		return nil, false
	}
	targetKey, err := connstr.MongoTargetKey(mongoURI)
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, "invalid mongodbConnectionDetails.connectionString", err.Error(), "")
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.PreflightTimeout)
	defer cancel()
	check := preflight.Run(ctx, preflight.Input{Project: proj, Source: src, MongoURI: mongoURI,
		CollectionFilters: req.CollectionFilters, TableFilters: req.RelationalTableFilters})
	if len(check.Problems) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "the job cannot run: "+strconv.Itoa(len(check.Problems))+" check(s) failed",
			strings.Join(check.Problems, "; "), "")
		return nil, false
	}
	srcSealed, err := s.key.SealJSON(contract.SourceSecret{URL: *req.JDBC.URL, User: req.JDBC.User, Password: req.JDBC.Password})
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "internal error sealing the connection", "", "")
		return nil, false
	}
	tgtSealed, err := s.key.SealJSON(contract.TargetSecret{ConnectionString: mongoURI})
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "internal error sealing the connection", "", "")
		return nil, false
	}
	if !s.planSaves(w, &use, req.JDBC, src, req.Mongo, mongoURI) {
		return nil, false
	}
	return &preparedJob{proj: proj, src: src, mongoURI: mongoURI, targetKey: targetKey, plans: check.Plans, use: use,
		conns: contract.Connections{SourceType: *req.JDBC.Type, Source: srcSealed, Target: tgtSealed}}, true
}
