package metrics

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// UnmatchedRoute is the route label of a request that matches no route (404, 405, or a 401
// answered before routing for a path the API does not have).
const UnmatchedRoute = "unmatched"

// Instrument wraps next so that every request is observed in
// relmongo_api_request_duration_seconds. route returns the request's route template, or "" when
// none matches (labelled UnmatchedRoute): raw paths never become labels, so ids cannot multiply
// series.
func (m *Metrics) Instrument(next http.Handler, route func(*http.Request) string) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			// Observed even when next panics (the recoverer inside has answered 500 by then).
			rt := route(r)
			if rt == "" {
				rt = UnmatchedRoute
			}
			m.ObserveRequest(methodLabel(r.Method), rt, rec.code(), time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// methodLabel keeps the method label bounded: a client may send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK // nothing written: net/http answers 200
	}
	return s.status
}

// ServeToken returns the metrics page for a listener of its own (`relmongo worker
// --metrics-addr`): with a token, only requests with "Authorization: Bearer <token>" get it.
func (m *Metrics) ServeToken(token string) http.Handler {
	page := m.Handler()
	if token == "" {
		return page
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="relmongo"`)
			http.Error(w, "missing or wrong metrics token: send the header Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		page.ServeHTTP(w, r)
	})
}
