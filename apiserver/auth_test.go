package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/relmongo/relmongo/internal/secret"
)

// TestTokenRequired: with a token configured every endpoint but /healthz answers 401 without it
// or with a wrong one, and passes with it.
func TestTokenRequired(t *testing.T) {
	s := New(nil, nil, testKey(t), Config{Token: "s3cret-token"})
	h := s.Handler()
	tests := []struct {
		path, auth string
		want       int
	}{
		{"/healthz", "", http.StatusOK},
		{"/api/v1/jobs", "", http.StatusUnauthorized},
		{"/api/v1/project", "Bearer wrong", http.StatusUnauthorized},
		{"/readyz", "", http.StatusUnauthorized},
		{"/api/v1/nothing-here", "Bearer s3cret-token", http.StatusNotFound},
		{"/api/v1/nothing-here", "s3cret-token", http.StatusUnauthorized},
		{"/api/v1/nothing-here", "bearer s3cret-token", http.StatusNotFound},
		{"/api/v1/nothing-here", "Bearer s3cret-token-longer", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("GET %s with %q: %d, want %d (%s)", tc.path, tc.auth, rec.Code, tc.want, rec.Body.String())
		}
	}
}

func testKey(t *testing.T) secret.Key {
	t.Helper()
	k, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
