package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/metrics"
	"github.com/relmongo/relmongo/internal/metrics/metricstest"
)

// TestRequestMetricsByRouteTemplate: the API latency is labelled with the mux route template,
// never the raw path (ids would multiply series); unknown paths, wrong methods and requests
// refused by the token check before routing are labelled too.
func TestRequestMetricsByRouteTemplate(t *testing.T) {
	m := metrics.New()
	h := New(nil, nil, testKey(t), Config{Token: "tok", Metrics: m}).Handler()
	for _, tc := range []struct {
		method, path, token string
		want                int
	}{
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodDelete, "/api/v1/jobs/abc", "tok", http.StatusMethodNotAllowed},
		{http.MethodPut, "/api/v1/jobs/def/stop", "tok", http.StatusMethodNotAllowed},
		{http.MethodGet, "/api/v1/jobs/abc", "", http.StatusUnauthorized},
		{http.MethodGet, "/api/v1/jobs/xyz", "", http.StatusUnauthorized},
		{http.MethodGet, "/api/v1/no-such-thing/42", "tok", http.StatusNotFound},
		{http.MethodGet, "/metrics", "", http.StatusUnauthorized},
		{http.MethodGet, "/metrics", "tok", http.StatusOK},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Fatalf("%s %s: %d, want %d (%s)", tc.method, tc.path, rec.Code, tc.want, rec.Body.String())
		}
	}
	got, err := metricstest.Gather(m.Registry)
	if err != nil {
		t.Fatal(err)
	}
	got = got.WithPrefix("relmongo_api_request_duration_seconds_count")
	want := metricstest.Samples{
		`relmongo_api_request_duration_seconds_count{code="200",method="GET",route="/healthz"}`:             2,
		`relmongo_api_request_duration_seconds_count{code="405",method="DELETE",route="unmatched"}`:         1,
		`relmongo_api_request_duration_seconds_count{code="405",method="PUT",route="unmatched"}`:            1,
		`relmongo_api_request_duration_seconds_count{code="401",method="GET",route="/api/v1/jobs/{jobId}"}`: 2,
		`relmongo_api_request_duration_seconds_count{code="404",method="GET",route="unmatched"}`:            1,
		`relmongo_api_request_duration_seconds_count{code="401",method="GET",route="/metrics"}`:             1,
		`relmongo_api_request_duration_seconds_count{code="200",method="GET",route="/metrics"}`:             1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected series %s", k)
		}
		if strings.Contains(k, "abc") || strings.Contains(k, "xyz") {
			t.Errorf("a raw id became a label: %s", k)
		}
	}
}
