// Package apiserver is relmongo's REST API (API.md): a gorilla/mux router whose handlers validate
// requests strictly, read the store, and start or query Temporal workflows.
package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/metrics"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
)

// Config configures the API server.
type Config struct {
	// Namespace is the Temporal namespace jobs run in.
	Namespace string
	// TemporalUIURL is the base URL of the Temporal Web UI, for job links ("" = no link).
	TemporalUIURL string
	// AllowTestHooks accepts the test-only "testHooks" request field (tests and benchmarks only).
	AllowTestHooks bool
	// PreflightTimeout bounds the checks of POST /jobs (API.md: at most 10 s).
	PreflightTimeout time.Duration
	// Token, when set, is required as "Authorization: Bearer <token>" on every endpoint but
	// /healthz. Listening beyond loopback requires one (the commands refuse to start otherwise).
	Token string
	// MaxConcurrentJobs bounds the jobs in progress at once (0 = no limit; 1 = Relational
	// Migrator's one job at a time); a job over the limit is refused with 409.
	MaxConcurrentJobs int
	// LegacyStatusCodes answers with Relational Migrator 1.13–1.18's codes (API.md): 440 for a
	// MongoDB connection string without a database, 470 for a job that conflicts with a running
	// one, 400 for pause/resume in a state that forbids it.
	LegacyStatusCodes bool
	// SearchAttributes sets relmongo's custom search attributes (contract.SearchAttributeNames)
	// on the workflows it starts. Only when the namespace has them all: starting a workflow with
	// an unregistered attribute fails, so a server that found them missing runs without.
	SearchAttributes bool
	// Logger receives request logs (never secrets).
	Logger *slog.Logger
	// Metrics is the process's registry, served on GET /metrics (behind the token like every
	// endpoint but /healthz); nil creates one for this server. The server adds the API latency
	// and the jobs-by-status gauge to it.
	Metrics *metrics.Metrics
}

// Server holds the handlers' dependencies.
type Server struct {
	store    *store.Store
	temporal client.Client
	key      secret.Key
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics.Metrics
}

// New creates the API server.
func New(st *store.Store, tc client.Client, key secret.Key, cfg Config) *Server {
	if cfg.PreflightTimeout <= 0 {
		cfg.PreflightTimeout = 10 * time.Second
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if st != nil {
		// Only the API exposes the jobs gauge: every process that did would count the same jobs.
		if err := cfg.Metrics.WatchJobs(st.CountJobsByStatus); err != nil {
			cfg.Logger.Warn("the relmongo_jobs gauge is already registered in this registry; keeping the first one", "error", err)
		}
	}
	return &Server{store: st, temporal: tc, key: key, cfg: cfg, log: cfg.Logger, now: time.Now, metrics: cfg.Metrics}
}

// Handler returns the router with every route of API.md that this build implements, behind the
// token check when a token is configured.
func (s *Server) Handler() http.Handler {
	r := s.router()
	var h http.Handler = r
	if s.cfg.Token != "" {
		h = s.requireToken(r)
	}
	// Outermost, so that refused (401) and failed (500) requests are observed too.
	return s.metrics.Instrument(s.recoverer(h), routeTemplate(r))
}

// router builds the routes (the OpenAPI route test walks them).
func (s *Server) router() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	r.Handle("/metrics", s.metrics.Handler()).Methods(http.MethodGet)
	api := r.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/project", s.listProjects).Methods(http.MethodGet)
	api.HandleFunc("/project/import", s.importProject).Methods(http.MethodPost)
	api.HandleFunc("/project", s.createProject).Methods(http.MethodPost)
	api.HandleFunc("/project/{projectId}", s.getProject).Methods(http.MethodGet)
	api.HandleFunc("/project/{projectId}", s.updateProject).Methods(http.MethodPut)
	api.HandleFunc("/project/{projectId}", s.deleteProject).Methods(http.MethodDelete)
	api.HandleFunc("/project/{projectId}/export", s.exportProject).Methods(http.MethodGet)
	api.HandleFunc("/jobs", s.listJobs).Methods(http.MethodGet)
	api.HandleFunc("/jobs", s.createJob).Methods(http.MethodPost)
	api.HandleFunc("/jobs/{jobId}", s.getJob).Methods(http.MethodGet)
	api.HandleFunc("/jobs/{jobId}/logs", s.jobLogs).Methods(http.MethodGet)
	api.HandleFunc("/openapi.json", s.openapi).Methods(http.MethodGet)
	s.controlRoutes(api)
	s.scheduleRoutes(api)
	s.connectionRoutes(api)
	methodNotAllowed := func(w http.ResponseWriter, req *http.Request, allowed []string) {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s", req.Method, req.URL.Path),
			"allowed: "+strings.Join(allowed, ", "), "")
	}
	// mux answers 404 instead of 405 for some method mismatches under a subrouter, so the
	// not-found handler asks the router itself which methods the path has.
	notFound := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if allowed := allowedMethods(r, req); len(allowed) > 0 {
			methodNotAllowed(w, req, allowed)
			return
		}
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s; the API lives under /api/v1 (see the README)", req.URL.Path), "", "")
	})
	r.NotFoundHandler = notFound
	r.MethodNotAllowedHandler = notFound
	// The subrouter answers for its own paths: give it the same JSON handlers.
	api.NotFoundHandler = notFound
	api.MethodNotAllowedHandler = notFound
	return r
}

// routeTemplate returns the path template of the route a request matches (e.g.
// /api/v1/jobs/{jobId}), or "" when none does: the API latency's route label, never the raw
// path with its ids.
func routeTemplate(r *mux.Router) func(*http.Request) string {
	return func(req *http.Request) string {
		var m mux.RouteMatch
		if !r.Match(req, &m) || m.MatchErr != nil || m.Route == nil {
			return ""
		}
		t, err := m.Route.GetPathTemplate()
		if err != nil {
			return ""
		}
		return t
	}
}

// recoverer turns a panic into a 500 without a stack trace in the response.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				s.writeError(w, http.StatusInternalServerError, "internal error (a bug): please report it", "", "")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	var problems []string
	if err := s.store.Ping(ctx); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		problems = append(problems, "temporal: "+err.Error())
	}
	if len(problems) > 0 {
		s.writeError(w, http.StatusServiceUnavailable, "not ready", strings.Join(problems, "; "), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// errorBody is API.md's error body.
type errorBody struct {
	Message     string `json:"message"`
	Description string `json:"description,omitempty"`
	Timestamp   string `json:"timestamp"`
	JobID       string `json:"jobId,omitempty"`
}

func (s *Server) writeError(w http.ResponseWriter, status int, message, description, jobID string) {
	writeJSON(w, status, errorBody{Message: message, Description: description, Timestamp: s.now().UTC().Format(time.RFC3339), JobID: jobID})
}

// storeError maps store errors to API errors.
func (s *Server) storeError(w http.ResponseWriter, err error, what string) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.writeError(w, http.StatusNotFound, what+" not found", "", "")
	case errors.Is(err, store.ErrConflict):
		s.writeError(w, http.StatusConflict, what+" conflicts with an existing one", err.Error(), "")
	default:
		s.log.Error("store error", "what", what, "error", err)
		s.writeError(w, http.StatusInternalServerError, "internal error reading "+what, "", "")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// maxBodyBytes bounds request bodies (projects are the largest: a few hundred KB at most).
const maxBodyBytes = 8 << 20

// decodeStrict decodes one JSON value, refusing unknown fields, keys in the wrong case, duplicate
// keys and trailing data; the error lists every such problem and says where the body is wrong.
func decodeStrict(r *http.Request, v any) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return errors.New("the request body is empty; send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("malformed JSON: the body ends in the middle of a value")
		case errors.As(err, &syn):
			return fmt.Errorf("malformed JSON at byte %d: %v", syn.Offset, syn)
		case errors.As(err, &typ) && typ.Field == "":
			return fmt.Errorf("the request body must be a JSON object, not JSON %s", typ.Value)
		case errors.As(err, &typ):
			return fmt.Errorf("field %q must be %s, not JSON %s", typ.Field, jsonTypeName(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	if dec.More() {
		return errors.New("the request body holds more than one JSON value")
	}
	if probs := keyProblems(data, reflect.TypeOf(v)); len(probs) > 0 {
		return fmt.Errorf("%s (see the REST contract in the README)", strings.Join(probs, "; "))
	}
	return nil
}

// jsonTypeName names a Go kind the way a JSON user thinks of it.
func jsonTypeName(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "a " + kind
}

// Legacy status codes of Relational Migrator 1.13–1.18 (API.md, Conventions).
const (
	legacyNoDatabase  = 440
	legacyJobConflict = 470
)

// status maps a standard status to its legacy code when --rm-legacy-status-codes is set.
func (s *Server) status(standard, legacy int) int {
	if s.cfg.LegacyStatusCodes {
		return legacy
	}
	return standard
}

// allowedMethods lists the methods for which the router has a route matching req's path.
func allowedMethods(r *mux.Router, req *http.Request) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == req.Method {
			continue
		}
		probe := req.Clone(req.Context())
		probe.Method = m
		var match mux.RouteMatch
		if r.Match(probe, &match) && match.MatchErr == nil {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
