package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/stack"
)

// benchStack is the in-process stack without its worker, plus what the benchmark needs to
// drive it and to start `relmongo worker` processes against it.
type benchStack struct {
	st    *stack.Stack
	key   string // base64 secret key shared with the worker processes
	bin   string
	dir   string
	api   *apiclient.Client
	mongo *mongo.Client
}

// buildRelmongo builds ./cmd/relmongo (the benchmark runs from the repository root).
func buildRelmongo(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "relmongo")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/relmongo")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building relmongo (run the benchmark from the repository root, or pass -bin): %w\n%s", err, out)
	}
	return bin, nil
}

func startBench(ctx context.Context, dir, bin string, log *slog.Logger) (*benchStack, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("creating a secret key: %w", err)
	}
	key := base64.StdEncoding.EncodeToString(raw)
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	st, err := stack.Start(sctx, stack.Config{DataDir: dir, UIPort: -1, EmbeddedMongo: true, AllowTestHooks: true,
		NoWorker: true, SecretKey: key, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("starting the stack: %w", err)
	}
	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(st.Dev.MongoURI()))
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("connecting to the embedded FerretDB: %w", err)
	}
	return &benchStack{st: st, key: key, bin: bin, dir: dir, api: apiclient.New(st.APIURL, ""), mongo: mc}, nil
}

func (b *benchStack) close() {
	_ = b.mongo.Disconnect(context.Background())
	if err := b.st.Close(); err != nil {
		progress("stopping the stack: %v", err)
	}
}

// workerProc is a `relmongo worker` process.
type workerProc struct {
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	done    chan struct{}
}

// startWorker starts a worker process and waits until it polls the task queue, so a job's
// clock does not include the worker's start.
func (b *benchStack) startWorker(ctx context.Context, cfg *config, name string) (*workerProc, error) {
	logPath := filepath.Join(b.dir, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the worker log: %w", err)
	}
	cmd := exec.Command(b.bin, "worker", "--temporal-address", b.st.Dev.TemporalAddress(), "--namespace", b.st.Dev.Namespace(),
		"--store", b.st.StorePath, "--log-level", "warn")
	if cfg.profileDir != "" {
		cmd.Args = append(cmd.Args, "--cpuprofile", filepath.Join(cfg.profileDir, name+".pprof"))
	}
	cmd.Env = append(os.Environ(), "RELMONGO_SECRET_KEY="+b.key)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("starting %s: %w", b.bin, err)
	}
	w := &workerProc{cmd: cmd, logPath: logPath, logFile: lf, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(w.done) }()
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(logPath)
		if bytes.Contains(data, []byte("polling task queue")) {
			return w, nil
		}
		select {
		case <-w.done:
			return nil, fmt.Errorf("worker %s exited at start:\n%s", name, data)
		case <-ctx.Done():
			w.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			w.stop()
			return nil, fmt.Errorf("worker %s did not start polling within a minute:\n%s", name, data)
		}
	}
}

// peakRSS returns VmHWM (the process's peak resident set) in bytes.
func (w *workerProc) peakRSS() (int64, error) { return w.status("VmHWM:") }

// rss returns VmRSS (the process's current resident set) in bytes.
func (w *workerProc) rss() (int64, error) { return w.status("VmRSS:") }

// status reads a kB figure of /proc/<pid>/status.
func (w *workerProc) status(field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", w.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading the worker's peak RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing %s %q: %w", field, rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s line in /proc/%d/status", field, w.cmd.Process.Pid)
}

// stop interrupts the worker (it finishes in-flight activities) and kills it after 20 s.
func (w *workerProc) stop() {
	_ = w.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
	w.logFile.Close()
}

// jobResult is one relmongo job's figures.
type jobResult struct {
	Name         string  `json:"name"`
	Description  string  `json:"description"`
	JobID        string  `json:"jobId"`
	Status       string  `json:"status"`
	SourceRows   int64   `json:"sourceRows"`  // root + embedded rows read
	SourceBytes  int64   `json:"sourceBytes"` // binary COPY size of those rows
	Documents    int64   `json:"documents"`   // counted in the target afterwards
	Seconds      float64 `json:"seconds"`     // POST to COMPLETED, client side
	RowsPerSec   float64 `json:"rowsPerSec"`
	MBPerSec     float64 `json:"mbPerSec"` // source (COPY) bytes per second
	EventBytes   int64   `json:"reportedBytes"`
	WorkerPeakMB float64 `json:"workerPeakRssMB"`
	// WorkerIdleMB is the worker's RSS once it polls, before the job: the part of the peak
	// that does not depend on the job.
	WorkerIdleMB float64 `json:"workerIdleRssMB"`
}

// jobSpec describes one job to run.
type jobSpec struct {
	name, description string
	projectID         string
	collection        string
	rows, bytes       int64
	hooks             map[string]any
	wantDocs          int64
}

// importProject imports a project document and returns its id.
func (b *benchStack) importProject(ctx context.Context, doc map[string]any) (string, error) {
	var created struct{ ID string }
	if err := b.api.Do(ctx, http.MethodPost, "/api/v1/project/import", doc, &created); err != nil {
		return "", fmt.Errorf("importing project %v: %w", doc["name"], err)
	}
	return created.ID, nil
}

func project(name string, collection map[string]any) map[string]any {
	return map[string]any{
		"version": 1, "name": name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		"source":      map[string]any{"type": "POSTGRESQL", "schemas": []string{"public"}},
		"settings":    map[string]any{"keyHandling": "SINGLE", "casing": "KEEP", "nullHandling": "INCLUDE"},
		"collections": []any{collection},
	}
}

func table(name string) map[string]any { return map[string]any{"schema": "public", "name": name} }

// jobBody builds a POST /jobs request.
func (b *benchStack) jobBody(cfg *config, srcURL, projectID, targetDB string, hooks map[string]any) (map[string]any, error) {
	opts := map[string]any{"mode": "SNAPSHOT"}
	if cfg.jobOptions != "" {
		if err := json.Unmarshal([]byte(cfg.jobOptions), &opts); err != nil {
			return nil, fmt.Errorf("-job-options must be a JSON object: %w", err)
		}
		opts["mode"] = "SNAPSHOT"
	}
	body := map[string]any{
		"projectId":                projectID,
		"jdbcConnectionDetails":    map[string]any{"type": "POSTGRESQL", "url": srcURL},
		"mongodbConnectionDetails": map[string]any{"connectionString": strings.TrimRight(b.st.Dev.MongoURI(), "/") + "/" + targetDB},
		"options":                  opts,
		"verification":             map[string]any{"enabled": false},
	}
	if hooks != nil {
		body["testHooks"] = hooks
	}
	return body, nil
}

// runJob runs one job on a fresh worker process (so VmHWM is this job's peak) and checks the
// documents that arrived.
func (b *benchStack) runJob(ctx context.Context, cfg *config, src *source, spec jobSpec) (*jobResult, error) {
	target := "bench_" + spec.name
	_ = b.mongo.Database(target).Drop(ctx)
	defer b.mongo.Database(target).Drop(context.Background()) //nolint:errcheck // frees FerretDB's disk

	w, err := b.startWorker(ctx, cfg, "worker-"+spec.name)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	idle, err := w.rss()
	if err != nil {
		return nil, err
	}
	body, err := b.jobBody(cfg, src.url, spec.projectID, target, spec.hooks)
	if err != nil {
		return nil, err
	}
	progress("job %s: %s", spec.name, spec.description)
	jctx, cancel := context.WithTimeout(ctx, cfg.jobTimeout)
	defer cancel()
	start := time.Now()
	var job apiclient.Job
	if err := b.api.Do(jctx, http.MethodPost, "/api/v1/jobs", body, &job); err != nil {
		return nil, fmt.Errorf("starting job %s: %w", spec.name, err)
	}
	last := time.Now()
	j, err := b.api.WaitJob(jctx, job.ID, 100*time.Millisecond, func(j *apiclient.Job) {
		if time.Since(last) >= 15*time.Second {
			last = time.Now()
			progress("  %s %s: %d/%d tables done, %.0fs", spec.name, j.Status,
				j.Statistics.TotalTableCount-j.Statistics.RemainingTableCount, j.Statistics.TotalTableCount, time.Since(start).Seconds())
		}
	})
	secs := time.Since(start).Seconds()
	if err != nil {
		return nil, fmt.Errorf("job %s: %w (worker log: %s)", spec.name, err, w.logPath)
	}
	peak, err := w.peakRSS()
	if err != nil {
		return nil, err
	}
	r := &jobResult{Name: spec.name, Description: spec.description, JobID: j.ID, Status: j.Status, SourceRows: spec.rows,
		SourceBytes: spec.bytes, Seconds: secs, EventBytes: j.Statistics.TotalEventSize, WorkerPeakMB: float64(peak) / (1 << 20),
		WorkerIdleMB: float64(idle) / (1 << 20)}
	if j.Status != "COMPLETED" {
		msg := ""
		if j.FailureError != nil {
			msg = j.FailureError.ErrorType + ": " + j.FailureError.Message
		}
		return nil, fmt.Errorf("job %s ended %s %s (worker log: %s)", spec.name, j.Status, msg, w.logPath)
	}
	r.RowsPerSec = float64(r.SourceRows) / secs
	r.MBPerSec = float64(r.SourceBytes) / 1e6 / secs
	// The estimate is cheap on FerretDB's SQLite backend; with an exact count, the 1M-row
	// run here spent over a minute between COMPLETED and the next job. The exact count only
	// settles a mismatch.
	coll := b.mongo.Database(target).Collection(spec.collection)
	if r.Documents, err = coll.EstimatedDocumentCount(ctx); err == nil && r.Documents != spec.wantDocs {
		r.Documents, err = coll.CountDocuments(ctx, bson.D{})
	}
	if err != nil {
		return nil, fmt.Errorf("counting the documents of job %s: %w", spec.name, err)
	}
	if r.Documents != spec.wantDocs {
		return nil, fmt.Errorf("job %s completed but the target holds %d documents, expected %d", spec.name, r.Documents, spec.wantDocs)
	}
	progress("  %s: %.1fs, %.0f rows/s, %.1f MB/s, worker peak RSS %.0f MB (idle %.0f MB)", spec.name, secs, r.RowsPerSec, r.MBPerSec,
		r.WorkerPeakMB, r.WorkerIdleMB)
	return r, nil
}

// latencyResult is the POST->COMPLETED time of one-row jobs.
type latencyResult struct {
	Seconds       []float64 `json:"seconds"`
	MedianSeconds float64   `json:"medianSeconds"`
	MinSeconds    float64   `json:"minSeconds"`
}

// latency runs one-row jobs back to back on one (already polling) worker, polling status
// every 10 ms so the poll interval hardly adds to the figure.
func (b *benchStack) latency(ctx context.Context, cfg *config, src *source, projectID string) (*latencyResult, error) {
	w, err := b.startWorker(ctx, cfg, "worker-latency")
	if err != nil {
		return nil, err
	}
	defer w.stop()
	res := &latencyResult{}
	for i := range cfg.latencyRuns {
		target := fmt.Sprintf("bench_tiny_%d", i)
		body, err := b.jobBody(cfg, src.url, projectID, target, nil)
		if err != nil {
			return nil, err
		}
		jctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		start := time.Now()
		var job apiclient.Job
		err = b.api.Do(jctx, http.MethodPost, "/api/v1/jobs", body, &job)
		var j *apiclient.Job
		if err == nil {
			j, err = b.api.WaitJob(jctx, job.ID, 10*time.Millisecond, nil)
		}
		secs := time.Since(start).Seconds()
		cancel()
		_ = b.mongo.Database(target).Drop(ctx)
		if err != nil {
			return nil, fmt.Errorf("one-row job: %w", err)
		}
		if j.Status != "COMPLETED" {
			return nil, fmt.Errorf("one-row job ended %s (worker log: %s)", j.Status, w.logPath)
		}
		progress("  one-row job %d: %.3fs", i+1, secs)
		res.Seconds = append(res.Seconds, secs)
	}
	s := slices.Clone(res.Seconds)
	slices.Sort(s)
	res.MinSeconds, res.MedianSeconds = s[0], s[len(s)/2]
	return res, nil
}

// runJobs imports the projects and runs every job.
func runJobs(ctx context.Context, cfg *config, b *benchStack, src *source, res *results) error {
	flatID, err := b.importProject(ctx, project("bench-flat", map[string]any{
		"name": "flat", "table": table("flat"), "fields": map[string]any{"amount": map[string]any{"type": "STRING"}},
	}))
	if err != nil {
		return err
	}
	ordersID, err := b.importProject(ctx, project("bench-orders", map[string]any{
		"name": "orders", "table": table("orders"), "fields": map[string]any{"total": map[string]any{"type": "STRING"}},
		"embedded": []any{map[string]any{
			"kind": "EMBEDDED_DOCUMENT_ARRAY", "field": "lines", "table": table("order_lines"),
			"fields": map[string]any{"price": map[string]any{"type": "STRING"}, "discount": map[string]any{"type": "STRING"}},
		}},
	}))
	if err != nil {
		return err
	}
	tinyID, err := b.importProject(ctx, project("bench-tiny", map[string]any{"name": "tiny", "table": table("tiny")}))
	if err != nil {
		return err
	}
	in := src.info
	specs := []jobSpec{
		{name: "flat", description: "flat table, numeric as STRING, into FerretDB", projectID: flatID, collection: "flat",
			rows: in.FlatRows, bytes: in.FlatCopyBytes, wantDocs: in.FlatRows},
		{name: "orders_embedded", description: "orders with lines[] embedded, into FerretDB", projectID: ordersID, collection: "orders",
			rows: in.Orders + in.Lines, bytes: in.OrderCopyBytes + in.LineCopyBytes, wantDocs: in.Orders},
		{name: "flat_discard", description: "flat table, discardWrites (read+convert+assemble only)", projectID: flatID, collection: "flat",
			rows: in.FlatRows, bytes: in.FlatCopyBytes, hooks: map[string]any{"discardWrites": true}, wantDocs: 0},
	}
	// Latency first: its first run is the cold path a user meets, and it warms the stack's
	// Temporal so the first bulk job is not charged for that.
	progress("one-row job latency (%d runs)", cfg.latencyRuns)
	if res.Latency, err = b.latency(ctx, cfg, src, tinyID); err != nil {
		return err
	}
	for _, s := range specs {
		if !cfg.runs(s.name) {
			continue
		}
		r, err := b.runJob(ctx, cfg, src, s)
		if err != nil {
			return err
		}
		res.Jobs = append(res.Jobs, *r)
	}
	return nil
}
