// Package metrics owns relmongo's Prometheus instruments (README, Metrics). Each process — or
// each in-process stack, so that tests running several stacks stay apart — has its own Registry
// rather than Prometheus's global default one, holding:
//
//   - the copy counters of the chunks this process completed (rows read, documents written,
//     records rejected, bytes written) and their durations;
//   - the jobs per status, read from the metadata store when Prometheus scrapes;
//   - the API's request latency per method, route template and status code;
//   - the Go runtime and process collectors.
//
// Temporal SDK metrics reach the same registry through package sdkmetrics.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every relmongo series.
const Namespace = "relmongo"

// Metrics is one process's registry and relmongo's instruments in it. A nil *Metrics is valid and
// records nothing, so code that may run without metrics needs no checks.
type Metrics struct {
	// Registry holds every series this process exposes.
	Registry *prometheus.Registry

	rowsRead      prometheus.Counter
	docsWritten   prometheus.Counter
	bytesWritten  prometheus.Counter
	rejected      *prometheus.CounterVec
	chunkDuration prometheus.Histogram
	apiDuration   *prometheus.HistogramVec
}

// chunkBuckets span chunk durations from a few milliseconds (a small table) to tens of minutes
// (a chunk of wide rows on a slow source).
var chunkBuckets = prometheus.ExponentialBuckets(0.005, 4, 10)

// apiBuckets span API latencies: reads answer in milliseconds, POST /jobs runs checks of up to 10 s.
var apiBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// New returns a fresh registry with relmongo's instruments and the Go runtime and process
// collectors registered.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		rowsRead: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "rows_read_total",
			Help: "Root-table rows read by the chunks this process completed. Each chunk counts once, when it completes, even if it was retried (the completing attempt's counts)."}),
		docsWritten: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "documents_written_total",
			Help: "Documents written (inserted or replaced) by the chunks this process completed, counted once per chunk when it completes."}),
		bytesWritten: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "bytes_written_total",
			Help: "BSON bytes of the documents sent to the target by the chunks this process completed, counted once per chunk when it completes."}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "records_rejected_total",
			Help: "Record errors (rows that could not become documents, documents the target refused) of the chunks this process completed, by the job's errorHandling (FAIL, WARN or SKIP); counted once per chunk when it completes."},
			[]string{"error_handling"}),
		chunkDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "chunk_duration_seconds",
			Help: "Duration of the CopyChunk attempt that completed each chunk, from its start to its last progress save.", Buckets: chunkBuckets}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "api_request_duration_seconds",
			Help: "REST API request latency by method, route template (e.g. /api/v1/jobs/{jobId}; \"unmatched\" when no route matches) and status code.", Buckets: apiBuckets},
			[]string{"method", "route", "code"}),
	}
	reg.MustRegister(m.rowsRead, m.docsWritten, m.bytesWritten, m.rejected, m.chunkDuration, m.apiDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, eh := range errorHandlings {
		m.rejected.WithLabelValues(eh) // every series exists from the start, at 0
	}
	return m
}

// errorHandlings are the values of the job option errorHandling (API.md); "" means FAIL.
var errorHandlings = []string{"FAIL", "WARN", "SKIP"}

// Chunk is what one completed chunk contributes.
type Chunk struct {
	RowsRead, DocsWritten, RecordErrors, BytesWritten int64
	// ErrorHandling is the job's errorHandling option ("" = FAIL).
	ErrorHandling string
	Duration      time.Duration
}

// ChunkCompleted adds a completed chunk's counts. Call it once per chunk, however many attempts
// the chunk took (the caller decides which attempt completed it).
func (m *Metrics) ChunkCompleted(c Chunk) {
	if m == nil {
		return
	}
	m.rowsRead.Add(float64(max(c.RowsRead, 0)))
	m.docsWritten.Add(float64(max(c.DocsWritten, 0)))
	m.bytesWritten.Add(float64(max(c.BytesWritten, 0)))
	m.rejected.WithLabelValues(errorHandlingLabel(c.ErrorHandling)).Add(float64(max(c.RecordErrors, 0)))
	m.chunkDuration.Observe(c.Duration.Seconds())
}

// errorHandlingLabel bounds the label to the documented values: anything else (which validation
// refuses before a job starts) would otherwise create a series per typo.
func errorHandlingLabel(eh string) string {
	for _, v := range errorHandlings {
		if v == eh {
			return v
		}
	}
	return "FAIL"
}

// Handler serves the registry in the Prometheus text format. A collector that fails (e.g. the
// store cannot be read for the job counts) is reported in the response's error metric and the
// other series are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest records one API request. route must be a route template, never a raw path,
// so that ids do not become series.
func (m *Metrics) ObserveRequest(method, route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.apiDuration.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

// JobCounter counts jobs per status (the store's CountJobsByStatus).
type JobCounter func(ctx context.Context) (map[string]int64, error)

// jobCountTimeout bounds the store query of one scrape.
const jobCountTimeout = 5 * time.Second

// jobsCollector reads the jobs per status from the store at scrape time: a gauge updated by the
// processes that change statuses would be wrong as soon as there are several of them.
type jobsCollector struct {
	desc  *prometheus.Desc
	count JobCounter
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), jobCountTimeout)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), st)
	}
}

// WatchJobs adds the gauge relmongo_jobs{status}, computed by count at every scrape (count
// should return every status, 0 included, so that series do not come and go). Call it once per
// registry, in the process that serves the API: several processes exposing it would count the
// same jobs twice in a sum.
func (m *Metrics) WatchJobs(count JobCounter) error {
	if m == nil {
		return nil
	}
	return m.Registry.Register(&jobsCollector{
		desc:  prometheus.NewDesc(Namespace+"_jobs", "Jobs in the metadata store by status, read when scraped.", []string{"status"}, nil),
		count: count,
	})
}
