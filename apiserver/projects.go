package apiserver

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/relmongo/relmongo/internal/project"
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
		s.writeError(w, http.StatusBadRequest, "invalid project document", err.Error(), "")
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
