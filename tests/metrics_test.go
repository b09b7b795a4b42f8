package tests

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/freeport"
	"github.com/relmongo/relmongo/internal/metrics/metricstest"
	"github.com/relmongo/relmongo/internal/stack"
)

// TestMetrics (issue 9, acceptance 4): GET /metrics exposes the copy counters, chunk durations,
// jobs by status, API latency by route template and the Temporal SDK's metrics, with values that
// match the finished jobs exactly. It runs on a stack of its own (with its worker) so that no
// other test's jobs reach its registry: a Chinook job, then a job with 4 rows the target refuses
// under errorHandling WARN whose chunk 1 fails once after a partial write and is retried.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := startBareStack(t, func(c *stack.Config) { c.NoWorker = false })
	ctx := context.Background()
	run := func(body map[string]any) (*apiclient.Job, int64) {
		t.Helper()
		var created apiclient.Job
		if err := s.api.Do(ctx, http.MethodPost, "/api/v1/jobs", body, &created); err != nil {
			t.Fatalf("starting the job: %v", err)
		}
		wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		job, err := s.api.WaitJob(wctx, created.ID, 200*time.Millisecond, nil)
		if err != nil {
			t.Fatal(err)
		}
		if job.Status != "COMPLETED" {
			t.Fatalf("job %s ended %s: %+v", job.ID, job.Status, job.FailureError)
		}
		chunks := int64(0)
		for _, c := range jobTables(t, s.api, job.ID).Collections {
			chunks += c.ChunksDone
		}
		return job, chunks
	}
	countDocs := func(db string) int64 {
		t.Helper()
		names, err := s.mongo.Database(db).ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		total := int64(0)
		for _, n := range names {
			c, err := s.mongo.Database(db).Collection(n).CountDocuments(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			total += c
		}
		return total
	}

	chinookName, chinookURL := chinookDB(t)
	chinookJob, chinookChunks := run(jobRequestTo(s.Dev.MongoURI(), importProjectTo(t, s.api, readTestdata(t, "chinook_flat.json")),
		chinookURL, chinookName, map[string]any{"chunkRows": 500}))
	rootRows := int64(0)
	conn := pgConn(t, chinookURL)
	for _, c := range chinookCollections {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+c.table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rootRows += n
	}
	if chinookJob.Statistics.TotalEventsSeen != rootRows {
		t.Fatalf("totalEventsSeen %d, want the %d Chinook rows", chinookJob.Statistics.TotalEventsSeen, rootRows)
	}
	chinookDocs := countDocs(chinookName)

	readingsName, readingsURL := readingsDB(t, 4)
	body := jobRequestTo(s.Dev.MongoURI(), importProjectTo(t, s.api, readingsProject()), readingsURL, readingsName,
		map[string]any{"chunkRows": 4, "errorHandling": "WARN"})
	body["testHooks"] = map[string]any{"failChunkOnce": 1}
	readingsJob, readingsChunks := run(body)
	readingsDocs := countDocs(readingsName)
	if readingsJob.Statistics.TotalEventsSeen != 20 || readingsDocs != 16 {
		t.Fatalf("readings job: totalEventsSeen %d, %d documents; want 20 and 16", readingsJob.Statistics.TotalEventsSeen, readingsDocs)
	}
	if got := getJob(t, s.api, chinookJob.ID); got.ID != chinookJob.ID { // a GET /jobs/{jobId} answered 200 for the latency series
		t.Fatalf("GET job answered %+v", got)
	}

	resp, err := http.Get(s.APIURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m, err := metricstest.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	exact := map[string]float64{
		`relmongo_rows_read_total{}`:                             float64(rootRows + 20),
		`relmongo_documents_written_total{}`:                     float64(chinookDocs + readingsDocs),
		`relmongo_bytes_written_total{}`:                         float64(chinookJob.Statistics.TotalEventSize + readingsJob.Statistics.TotalEventSize),
		`relmongo_records_rejected_total{error_handling="FAIL"}`: 0,
		`relmongo_records_rejected_total{error_handling="WARN"}`: 4,
		`relmongo_records_rejected_total{error_handling="SKIP"}`: 0,
		`relmongo_chunk_duration_seconds_count{}`:                float64(chinookChunks + readingsChunks),
		`relmongo_jobs{status="COMPLETED"}`:                      2,
		`relmongo_jobs{status="RUNNING"}`:                        0,
	}
	t.Logf("rows read %v, documents %v, bytes %v, chunks %v (Chinook %d + readings %d), rejected WARN %v",
		m[`relmongo_rows_read_total{}`], m[`relmongo_documents_written_total{}`], m[`relmongo_bytes_written_total{}`],
		m[`relmongo_chunk_duration_seconds_count{}`], chinookChunks, readingsChunks, m[`relmongo_records_rejected_total{error_handling="WARN"}`])
	for k, want := range exact {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	if chinookChunks < 11 || readingsChunks < 5 {
		t.Errorf("chunks done: Chinook %d (want at least one per collection), readings %d (want at least 5)", chinookChunks, readingsChunks)
	}
	if m[`relmongo_api_request_duration_seconds_count{code="200",method="GET",route="/api/v1/jobs/{jobId}"}`] < 1 {
		t.Errorf("no latency series for GET /api/v1/jobs/{jobId}: %v", m.WithPrefix("relmongo_api_request_duration_seconds_count"))
	}
	for k := range m.WithPrefix("relmongo_api_request_duration_seconds_count") {
		if strings.Contains(k, chinookJob.ID) || strings.Contains(k, readingsJob.ID) {
			t.Errorf("a job id became a label: %s", k)
		}
	}
	// Temporal SDK metrics of the stack's client and worker: both Migration workflows completed,
	// and the chunk that the hook failed is an activity failure.
	sum := func(prefix, contains string) float64 {
		total := 0.0
		for k, v := range m.WithPrefix(prefix) {
			if strings.Contains(k, contains) {
				total += v
			}
		}
		return total
	}
	if got := sum("temporal_workflow_completed_total{", `workflow_type="relmongo.Migration"`); got != 2 {
		t.Errorf("temporal_workflow_completed_total for relmongo.Migration = %v, want 2", got)
	}
	if got := sum("temporal_activity_execution_failed_total{", `activity_type="relmongo.CopyChunk"`); got < 1 {
		t.Errorf("temporal_activity_execution_failed_total for relmongo.CopyChunk = %v, want at least the hook's failure", got)
	}
	if sum("temporal_request_total{", "") < 1 || len(m.WithPrefix("go_goroutines")) != 1 {
		t.Error("temporal_request_total or the Go runtime metrics are missing")
	}
}

// TestWorkerMetricsAddr: a separate `relmongo worker --metrics-addr` serves its own registry with
// the copy counters of the chunks it ran, while the API process's page has the jobs gauge and
// no copies of its own.
func TestWorkerMetricsAddr(t *testing.T) {
	t.Parallel()
	s := startBareStack(t)
	bin := buildRelmongo(t, t.TempDir())
	ports, err := freeport.Get(1)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	startWorker(t, bin, s, "worker-metrics", "--metrics-addr", addr)
	db, srcURL := readingsDB(t, 0)
	var created apiclient.Job
	if err := s.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs",
		jobRequestTo(s.Dev.MongoURI(), importProjectTo(t, s.api, readingsProject()), srcURL, db, map[string]any{"chunkRows": 8}), &created); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	job, err := s.api.WaitJob(ctx, created.ID, 200*time.Millisecond, nil)
	if err != nil || job.Status != "COMPLETED" {
		t.Fatalf("job %+v, %v", job, err)
	}
	scrape := func(url string) metricstest.Samples {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
		m, err := metricstest.Parse(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	w := scrape("http://" + addr + "/metrics")
	if w[`relmongo_rows_read_total{}`] != 20 || w[`relmongo_documents_written_total{}`] != 20 || len(w.WithPrefix("relmongo_jobs{")) != 0 {
		t.Errorf("worker: rows %v documents %v jobs %v; want 20, 20 and no jobs gauge",
			w[`relmongo_rows_read_total{}`], w[`relmongo_documents_written_total{}`], w.WithPrefix("relmongo_jobs{"))
	}
	if len(w.WithPrefix("temporal_workflow_completed_total{")) == 0 {
		t.Error("the worker exposes no temporal_workflow_completed_total")
	}
	api := scrape(s.APIURL + "/metrics")
	if api[`relmongo_rows_read_total{}`] != 0 || api[`relmongo_jobs{status="COMPLETED"}`] != 1 {
		t.Errorf("API: rows %v, COMPLETED jobs %v; want 0 and 1", api[`relmongo_rows_read_total{}`], api[`relmongo_jobs{status="COMPLETED"}`])
	}
}
