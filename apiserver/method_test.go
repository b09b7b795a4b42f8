package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWrongMethodIs405: a known path with a method it does not serve answers 405 with the JSON
// error body, an unknown path 404.
func TestWrongMethodIs405(t *testing.T) {
	h := New(nil, nil, testKey(t), Config{}).Handler()
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodDelete, "/api/v1/jobs/abc", http.StatusMethodNotAllowed},
		{http.MethodPut, "/api/v1/jobs/abc/stop", http.StatusMethodNotAllowed},
		{http.MethodGet, "/api/v1/no-such-thing", http.StatusNotFound},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s: %d, want %d (%s)", tc.method, tc.path, rec.Code, tc.want, rec.Body.String())
		}
	}
}
