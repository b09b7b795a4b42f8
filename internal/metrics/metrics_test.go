package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/metrics"
	"github.com/relmongo/relmongo/internal/metrics/metricstest"
)

func gather(t *testing.T, m *metrics.Metrics) metricstest.Samples {
	t.Helper()
	s, err := metricstest.Gather(m.Registry)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestChunkCompleted(t *testing.T) {
	m := metrics.New()
	m.ChunkCompleted(metrics.Chunk{RowsRead: 10, DocsWritten: 8, RecordErrors: 2, BytesWritten: 800, ErrorHandling: "WARN", Duration: 30 * time.Millisecond})
	m.ChunkCompleted(metrics.Chunk{RowsRead: 5, DocsWritten: 5, BytesWritten: 500, Duration: 3 * time.Second})
	// An unknown errorHandling (validation refuses it earlier) must not create a series.
	m.ChunkCompleted(metrics.Chunk{RecordErrors: 1, ErrorHandling: "typo", Duration: time.Millisecond})
	got := gather(t, m)
	for key, want := range map[string]float64{
		`relmongo_rows_read_total{}`:                             15,
		`relmongo_documents_written_total{}`:                     13,
		`relmongo_bytes_written_total{}`:                         1300,
		`relmongo_records_rejected_total{error_handling="FAIL"}`: 1,
		`relmongo_records_rejected_total{error_handling="WARN"}`: 2,
		`relmongo_records_rejected_total{error_handling="SKIP"}`: 0,
		`relmongo_chunk_duration_seconds_count{}`:                3,
		`relmongo_chunk_duration_seconds_bucket{le="0.005"}`:     1,
		`relmongo_chunk_duration_seconds_bucket{le="0.08"}`:      2,
		`relmongo_chunk_duration_seconds_bucket{le="1.28"}`:      2,
		`relmongo_chunk_duration_seconds_bucket{le="5.12"}`:      3,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if n := len(got.WithPrefix("relmongo_records_rejected_total")); n != 3 {
		t.Errorf("%d rejected series, want 3 (FAIL, WARN, SKIP)", n)
	}
	if len(got.WithPrefix("go_goroutines")) != 1 || len(got.WithPrefix("process_")) == 0 {
		t.Error("the Go runtime and process collectors are missing")
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *metrics.Metrics
	m.ChunkCompleted(metrics.Chunk{RowsRead: 1})
	m.ObserveRequest("GET", "/x", 200, time.Second)
	if err := m.WatchJobs(nil); err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rec := httptest.NewRecorder()
	m.Instrument(h, func(*http.Request) string { return "" }).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("code %d", rec.Code)
	}
}

func TestInstrument(t *testing.T) {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/jobs/{jobId}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
	mux.HandleFunc("POST /api/v1/jobs", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /empty", func(http.ResponseWriter, *http.Request) {})
	route := func(r *http.Request) string {
		_, pattern := mux.Handler(r)
		_, path, _ := strings.Cut(pattern, " ")
		return path
	}
	h := m.Instrument(mux, route)
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/jobs/a1"}, {"GET", "/api/v1/jobs/b2"}, {"POST", "/api/v1/jobs"}, {"GET", "/nope/123"}, {"GET", "/empty"}, {"BREW", "/api/v1/jobs"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	got := gather(t, m).WithPrefix("relmongo_api_request_duration_seconds_count")
	want := map[string]float64{
		`relmongo_api_request_duration_seconds_count{code="200",method="GET",route="/api/v1/jobs/{jobId}"}`: 2,
		`relmongo_api_request_duration_seconds_count{code="201",method="POST",route="/api/v1/jobs"}`:        1,
		`relmongo_api_request_duration_seconds_count{code="404",method="GET",route="unmatched"}`:            1,
		`relmongo_api_request_duration_seconds_count{code="200",method="GET",route="/empty"}`:               1,
		`relmongo_api_request_duration_seconds_count{code="405",method="OTHER",route="unmatched"}`:          1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want exactly %v", got, want)
	}
}

func TestWatchJobs(t *testing.T) {
	m := metrics.New()
	fail := false
	err := m.WatchJobs(func(context.Context) (map[string]int64, error) {
		if fail {
			return nil, errors.New("store unavailable")
		}
		return map[string]int64{"COMPLETED": 3, "RUNNING": 1, "FAILED": 0}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := gather(t, m).WithPrefix("relmongo_jobs{")
	want := metricstest.Samples{`relmongo_jobs{status="COMPLETED"}`: 3, `relmongo_jobs{status="RUNNING"}`: 1, `relmongo_jobs{status="FAILED"}`: 0}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
	// A failing store query fails the scrape of that series only: the page still serves the rest.
	fail = true
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "relmongo_rows_read_total 0") || strings.Contains(body, "relmongo_jobs{") {
		t.Errorf("code %d, body without jobs but with the rest expected:\n%s", rec.Code, body)
	}
	if err := m.WatchJobs(func(context.Context) (map[string]int64, error) { return nil, nil }); err == nil {
		t.Error("a second WatchJobs on one registry was accepted")
	}
}
