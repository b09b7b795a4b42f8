package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
	"github.com/relmongo/relmongo/internal/source/connect"
	"github.com/relmongo/relmongo/internal/store"
)

// projectSummary is an element of GET /project (API.md, Projects).
type projectSummary struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	JDBCID       string `json:"jdbcId,omitempty"`
	MongoDBID    string `json:"mongodbId,omitempty"`
	LastModified string `json:"lastModified"`
}

func summaryOf(p store.Project) projectSummary {
	return projectSummary{ID: p.ID, Name: p.Name, Type: p.SourceType, LastModified: p.LastModified.UTC().Format(time.RFC3339)}
}

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	sortPattern = regexp.MustCompile(`^\w+,(ASC|DESC)$`)
)

func (s *Server) importProject(w http.ResponseWriter, r *http.Request) {
	var p project.Project
	if err := decodeStrict(r, &p); err != nil {
		s.writeError(w, statusForBody(err), "invalid project document", err.Error(), "")
		return
	}
	if ps := p.Validate(); len(ps) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid project document: "+strconv.Itoa(len(ps))+" problem(s)", ps.Error(), "")
		return
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.ID = uuid.NewString()
	p.LastModified = &now
	doc, err := json.Marshal(&p)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "internal error encoding the project", "", "")
		return
	}
	rec := store.Project{ID: p.ID, Name: p.Name, SourceType: p.Source.Type, Document: doc, LastModified: now}
	if err := s.store.CreateProject(r.Context(), rec); err != nil {
		s.storeError(w, err, "project "+strconv.Quote(p.Name))
		return
	}
	writeJSON(w, http.StatusOK, summaryOf(rec))
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	sort, limit, ok := s.listParams(w, r, "lastModified,DESC")
	if !ok {
		return
	}
	ps, err := s.store.ListProjects(r.Context(), sort, limit)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid list parameters", err.Error(), "")
		return
	}
	out := make([]projectSummary, 0, len(ps))
	for _, p := range ps {
		out = append(out, summaryOf(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// loadProject reads and decodes a stored project; it writes the error response itself.
func (s *Server) loadProject(w http.ResponseWriter, r *http.Request, id string) (*project.Project, bool) {
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid project id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return nil, false
	}
	rec, err := s.store.GetProject(r.Context(), id)
	if err != nil {
		s.storeError(w, err, "project "+id)
		return nil, false
	}
	var p project.Project
	if err := json.Unmarshal(rec.Document, &p); err != nil {
		s.writeError(w, http.StatusInternalServerError, "the stored project "+id+" cannot be decoded", "", "")
		return nil, false
	}
	return &p, true
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.loadProject(w, r, mux.Vars(r)["projectId"]); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) exportProject(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.loadProject(w, r, mux.Vars(r)["projectId"]); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

// listParams reads `sort` and `limit` (API.md, Conventions).
func (s *Server) listParams(w http.ResponseWriter, r *http.Request, defaultSort string) (string, int, bool) {
	q := r.URL.Query()
	sort := q.Get("sort")
	if sort == "" {
		sort = defaultSort
	} else if !sortPattern.MatchString(sort) {
		s.writeError(w, http.StatusBadRequest, "invalid sort "+strconv.Quote(sort), "use <field>,ASC or <field>,DESC", "")
		return "", 0, false
	}
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			s.writeError(w, http.StatusBadRequest, "invalid limit "+strconv.Quote(l), "limit must be an integer >= 0", "")
			return "", 0, false
		}
		limit = n
	}
	return sort, limit, true
}

// createProjectRequest is the body of POST /project (API.md, Projects, ext): create a project from
// a live source with a default mapping. The connection is stored only as a saved connection
// (savePassword), never in the project.
type createProjectRequest struct {
	Name    *string      `json:"name"`
	JDBC    *jdbcDetails `json:"jdbcConnectionDetails"`
	Schemas []string     `json:"schemas"`
	// Tables optionally restricts the project to these tables, each "schema.table" or "table".
	Tables  []string `json:"tables,omitempty"`
	Mapping *string  `json:"mapping"`
}

// createProjectResponse is the answer of POST /project: the stored document and, for
// RECOMMENDED, the reason of each choice (an empty list for ONE_TO_ONE).
type createProjectResponse struct {
	Project *project.Project `json:"project"`
	Reasons []project.Reason `json:"reasons"`
	// JDBCConnectionID (ext) is the saved connection the project was read from or saved to.
	JDBCConnectionID string `json:"jdbcConnectionId,omitempty"`
}

// tableSelector is one element of createProjectRequest.Tables, resolved against its schemas.
type tableSelector struct {
	index  int
	schema string // "" = any of the request's schemas
	name   string
}

// validate checks the request's shape: invalid input (400) and valid requests this build cannot
// serve (422), like the job request.
func (req *createProjectRequest) validate() ([]tableSelector, requestProblems) {
	var p requestProblems
	if req.Name == nil {
		p.bad("name is required")
	} else if n := utf8.RuneCountInString(*req.Name); n < 1 || n > 50 {
		p.bad("name must be 1 to 50 characters (got %d)", n)
	}
	sqlite := false
	if req.JDBC == nil {
		p.bad("jdbcConnectionDetails is required")
	} else {
		switch {
		case req.JDBC.Type == nil || *req.JDBC.Type == "":
			p.bad("jdbcConnectionDetails.type is required (POSTGRESQL, SQL_SERVER or SQLITE)")
		case *req.JDBC.Type == connstr.TypeSQLite:
			sqlite = true
		}
		if req.JDBC.URL == nil || *req.JDBC.URL == "" {
			if req.JDBC.ExistingConnectionID == "" {
				p.bad("jdbcConnectionDetails.url is required (or existingConnectionId)")
			}
		}
		savedConnectionProblems(&p, "jdbcConnectionDetails", req.JDBC.ID, req.JDBC.ExistingConnectionID, req.JDBC.SavePassword)
	}
	if len(req.Schemas) == 0 && !sqlite {
		p.bad("schemas must list at least one schema to read (e.g. [\"public\"])")
	}
	for i, sc := range req.Schemas {
		if sc == "" {
			p.bad("schemas[%d] is empty", i)
		} else if slices.Index(req.Schemas, sc) != i {
			p.bad("schemas[%d] %q is listed twice", i, sc)
		}
	}
	var sel []tableSelector
	seen := map[tableSelector]int{}
	for i, t := range req.Tables {
		ts := tableSelector{index: i, name: t}
		if sc, name, ok := strings.Cut(t, "."); ok && slices.Contains(req.Schemas, sc) {
			ts.schema, ts.name = sc, name
		}
		if ts.name == "" {
			p.bad("tables[%d] %q names no table; use \"schema.table\" or \"table\"", i, t)
			continue
		}
		key := tableSelector{schema: ts.schema, name: ts.name}
		if j, dup := seen[key]; dup {
			p.bad("tables[%d] %q repeats tables[%d]", i, t, j)
			continue
		}
		seen[key] = i
		sel = append(sel, ts)
	}
	switch {
	case req.Mapping == nil || *req.Mapping == "":
		p.bad("mapping is required (ONE_TO_ONE or RECOMMENDED)")
	case *req.Mapping != project.MappingOneToOne && *req.Mapping != project.MappingRecommended:
		p.bad("mapping %q must be ONE_TO_ONE or RECOMMENDED", *req.Mapping)
	}
	return sel, p
}

// createProject handles POST /project: it connects to the source (time-boxed like the job
// pre-checks), introspects the schemas, builds the default mapping, checks that it resolves
// against the catalog and stores it. It answers 400 for bad input, 422 when the source cannot be
// read or mapped, 409 for a name in use.
func (s *Server) createProject(w http.ResponseWriter, r *http.Request) {
	var req createProjectRequest
	if err := decodeStrict(r, &req); err != nil {
		s.writeError(w, statusForBody(err), "invalid project request", err.Error(), "")
		return
	}
	sel, probs := req.validate()
	if len(probs.invalid) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid project request: "+strconv.Itoa(len(probs.invalid))+" problem(s)", strings.Join(probs.invalid, "; "), "")
		return
	}
	if len(probs.unrunning) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "the project cannot be created", strings.Join(probs.unrunning, "; "), "")
		return
	}
	use, ok := s.resolveSaved(w, r, req.JDBC, nil)
	if !ok {
		return
	}
	src, err := connstr.ParseSource(*req.JDBC.Type, *req.JDBC.URL, req.JDBC.User, req.JDBC.Password)
	if errors.Is(err, connstr.ErrUnsupportedType) {
		s.writeError(w, http.StatusUnprocessableEntity, "the project cannot be created", err.Error(), "")
		return
	} else if err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid jdbcConnectionDetails", err.Error(), "")
		return
	}
	// A taken name fails now rather than after a connection attempt; CreateProject still decides.
	if taken, err := s.projectNameTaken(r.Context(), *req.Name, ""); err != nil {
		s.storeError(w, err, "projects")
		return
	} else if taken {
		s.writeError(w, http.StatusConflict, "project name "+strconv.Quote(*req.Name)+" is already used", "choose another name, or delete or rename the other project", "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.PreflightTimeout)
	defer cancel()
	cat, err := introspectSource(ctx, src, req.Schemas)
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, "the source cannot be read",
			redact(fmt.Sprintf("source %s: %v", src.Masked(), err), src.Password), "")
		return
	}
	cat, missing := selectTables(cat, req.Schemas, sel, req.Tables)
	if len(missing) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "the source does not have the requested schemas or tables: "+strconv.Itoa(len(missing))+" problem(s)",
			strings.Join(missing, "; "), "")
		return
	}
	opts := project.DefaultOptions{Name: *req.Name, SourceType: src.Type, Schemas: req.Schemas}
	p, reasons := project.OneToOne(cat, opts), []project.Reason{}
	if *req.Mapping == project.MappingRecommended {
		p, reasons = project.Recommend(cat, opts)
	}
	ps := p.Validate()
	if len(ps) == 0 {
		_, ps = project.Resolve(p, cat, nil, nil)
	}
	if len(ps) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "the source's tables cannot be mapped as they are: "+strconv.Itoa(len(ps))+" problem(s)",
			ps.Error()+"; list the tables to map in tables[] to leave these out", "")
		return
	}
	// The source was read and mapped: its connection is worth saving (savePassword).
	if !s.planSaves(w, &use, req.JDBC, src, nil, "") || !s.saveConnections(w, r, use) {
		return
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.ID, p.LastModified = uuid.NewString(), &now
	doc, err := json.Marshal(p)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "internal error encoding the project", "", "")
		return
	}
	rec := store.Project{ID: p.ID, Name: p.Name, SourceType: p.Source.Type, Document: doc, LastModified: now}
	if err := s.store.CreateProject(r.Context(), rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			s.writeError(w, http.StatusConflict, "project name "+strconv.Quote(p.Name)+" is already used", "choose another name, or delete or rename the other project", "")
			return
		}
		s.storeError(w, err, "project "+strconv.Quote(p.Name))
		return
	}
	s.log.Info("project created from source", "project", p.ID, "mapping", *req.Mapping, "tables", len(cat.Tables), "collections", len(p.Collections))
	writeJSON(w, http.StatusOK, createProjectResponse{Project: p, Reasons: reasons, JDBCConnectionID: use.ids.JDBC})
}

// introspectSource opens the source with one connection, reads its catalog and closes it. The
// dialects' errors already say what they were doing ("connecting to PostgreSQL at ...").
func introspectSource(ctx context.Context, src connstr.Source, schemas []string) (*schema.Catalog, error) {
	db, err := connect.Open(ctx, src, 1)
	if err != nil {
		return nil, withTimeoutHint(ctx, err)
	}
	defer db.Close()
	cat, err := db.Introspect(ctx, schemas)
	if err != nil {
		return nil, withTimeoutHint(ctx, err)
	}
	return cat, nil
}

func withTimeoutHint(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (no answer within the time limit: is the host reachable?)", err)
	}
	return err
}

// redact removes a password from a message in case a driver echoes it.
func redact(msg, password string) string {
	if len(password) < 3 {
		return msg // too short to tell from ordinary text; drivers do not echo passwords anyway
	}
	return strings.ReplaceAll(msg, password, "****")
}

// selectTables returns the catalog restricted to the selected tables (all when sel is empty) and
// a problem for each selector that names no table, or a schema in which no table was found.
func selectTables(cat *schema.Catalog, schemas []string, sel []tableSelector, raw []string) (*schema.Catalog, []string) {
	var problems []string
	if len(sel) == 0 {
		for _, sc := range schemas {
			if !slices.ContainsFunc(cat.Tables, func(t schema.Table) bool { return t.Schema == sc }) {
				problems = append(problems, fmt.Sprintf("schema %q has no tables (or does not exist, or this user cannot see them)", sc))
			}
		}
		if len(schemas) == 0 && len(cat.Tables) == 0 {
			problems = append(problems, "the database has no tables")
		}
		return cat, problems
	}
	out := &schema.Catalog{}
	for _, ts := range sel {
		var found []schema.Table
		for _, t := range cat.Tables {
			if t.Name == ts.name && (ts.schema == "" || t.Schema == ts.schema) {
				found = append(found, t)
			}
		}
		switch {
		case len(found) == 0:
			problems = append(problems, fmt.Sprintf("tables[%d]: table %q does not exist in schemas %s (or this user cannot see it)", ts.index, raw[ts.index], strings.Join(schemas, ", ")))
		case len(found) > 1:
			problems = append(problems, fmt.Sprintf("tables[%d]: table %q exists in several schemas; write it as schema.table", ts.index, raw[ts.index]))
		case slices.ContainsFunc(out.Tables, func(t schema.Table) bool { return t.Schema == found[0].Schema && t.Name == found[0].Name }):
			// "t" and "s.t" name the same table: keep it once.
		default:
			out.Tables = append(out.Tables, found[0])
		}
	}
	return out, problems
}

// projectNameTaken reports whether a project other than exceptID has the name.
func (s *Server) projectNameTaken(ctx context.Context, name, exceptID string) (bool, error) {
	ps, err := s.store.ListProjects(ctx, "", 0)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ps, func(p store.Project) bool { return p.Name == name && p.ID != exceptID }), nil
}

// updateProject handles PUT /project/{projectId}: the body is a whole project document (as GET
// returns it) that replaces the stored one after validation; the id stays, lastModified is set.
func (s *Server) updateProject(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["projectId"]
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid project id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return
	}
	var p project.Project
	if err := decodeStrict(r, &p); err != nil {
		s.writeError(w, statusForBody(err), "invalid project document", err.Error(), "")
		return
	}
	if p.ID != "" && p.ID != id {
		s.writeError(w, http.StatusBadRequest, "invalid project document",
			fmt.Sprintf("the document's id %q differs from the path's %q: send it to /api/v1/project/%s or remove its id", p.ID, id, p.ID), "")
		return
	}
	if ps := p.Validate(); len(ps) > 0 {
		s.writeError(w, http.StatusBadRequest, "invalid project document: "+strconv.Itoa(len(ps))+" problem(s)", ps.Error(), "")
		return
	}
	// An unknown project is a 404 even when the new name clashes with another project.
	if _, err := s.store.GetProject(r.Context(), id); err != nil {
		s.storeError(w, err, "project "+id)
		return
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.ID, p.LastModified = id, &now
	doc, err := json.Marshal(&p)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "internal error encoding the project", "", "")
		return
	}
	err = s.store.UpdateProject(r.Context(), store.Project{ID: id, Name: p.Name, SourceType: p.Source.Type, Document: doc, LastModified: now})
	switch {
	case errors.Is(err, store.ErrConflict):
		s.writeError(w, http.StatusConflict, "project name "+strconv.Quote(p.Name)+" is already used by another project", "choose another name", "")
		return
	case err != nil:
		s.storeError(w, err, "project "+id)
		return
	}
	s.log.Info("project updated", "project", id)
	writeJSON(w, http.StatusOK, &p)
}

// deleteProject handles DELETE /project/{projectId}: 409 while one of its jobs is in progress
// (finished jobs keep their frozen copy of the project). It answers with the deleted project's
// summary.
func (s *Server) deleteProject(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["projectId"]
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid project id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return
	}
	rec, err := s.store.GetProject(r.Context(), id)
	if err != nil {
		s.storeError(w, err, "project "+id)
		return
	}
	err = s.store.DeleteProject(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrConflict):
		s.writeError(w, http.StatusConflict, "project "+id+" has jobs in progress",
			"stop them (POST /api/v1/jobs/{jobId}/stop) or wait for them to finish; they are listed by GET /api/v1/jobs?type=IN_PROGRESS&projectId="+id, "")
		return
	case err != nil:
		s.storeError(w, err, "project "+id)
		return
	}
	s.log.Info("project deleted", "project", id)
	writeJSON(w, http.StatusOK, summaryOf(rec))
}
