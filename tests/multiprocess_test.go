package tests

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/contract"
)

// TestMultiProcessPostgresStore runs relmongo as production does across hosts: one `relmongo api`
// process and two `relmongo worker` processes, all separate from the test and from each other,
// sharing a PostgreSQL metadata store and an (embedded, in-process) Temporal server. A Chinook job
// and a 120,000-row job run at once through the api process; both must complete with exact
// counts and content, both workers must have copied chunks, the api process must answer
// progress and events from the store its workers wrote, and a second job for the same project
// and target is refused while the first runs. Then one worker is killed in the middle of a third
// job, which the other finishes.
func TestMultiProcessPostgresStore(t *testing.T) {
	t.Parallel()
	const rows = 120_000
	bin := buildRelmongo(t, t.TempDir())
	s := startBareStack(t) // Temporal (and an unused API on SQLite): no worker
	storeDB, _ := emptyTestDB(t)
	// Trust authentication ignores the password: it is there to prove that no process logs it.
	const storePassword = "Zq9storePW"
	storeURL := fmt.Sprintf("postgres://postgres:%s@127.0.0.1:5432/%s?sslmode=disable", storePassword, storeDB)
	if u := os.Getenv("RELMONGO_TEST_PG_URL"); u != "" {
		cfg, err := pgx.ParseConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		storeURL = fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, storePassword, cfg.Host, cfg.Port, storeDB)
	}
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(keyFile, []byte(s.key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--temporal-address", s.Dev.TemporalAddress(), "--namespace", s.Dev.Namespace(),
		"--store", storeURL, "--secret-key-file", keyFile}

	listen := freeAddr(t)
	apiProc := startProcess(t, bin, "api", append([]string{"api", "--listen", listen, "--log-level", "info"}, common...)...)
	api := apiclient.New("http://"+listen, "")
	waitFor(t, time.Minute, "the api process to answer /healthz", func() bool {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	// Two slots per worker and four chunks in flight: neither worker can take every chunk.
	workers := []*procHandle{
		startProcess(t, bin, "worker-a", append([]string{"worker", "--max-concurrent-activities", "2", "--log-level", "info"}, common...)...),
		startProcess(t, bin, "worker-b", append([]string{"worker", "--max-concurrent-activities", "2", "--log-level", "info"}, common...)...),
	}
	waitFor(t, time.Minute, "both workers polling for activities", func() bool {
		resp, err := s.Temporal.DescribeTaskQueue(context.Background(), contract.TaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		if err != nil {
			return false
		}
		seen := map[int]bool{}
		for _, p := range resp.GetPollers() {
			seen[identityPID(p.GetIdentity())] = true
		}
		return seen[workers[0].cmd.Process.Pid] && seen[workers[1].cmd.Process.Pid]
	})

	chDB, chURL := chinookDB(t)
	seriesTarget, srcURL := seriesDB(t, rows)
	chinookProject := importProjectTo(t, api, readTestdata(t, "chinook_flat.json"))
	seriesProjectID := importProjectTo(t, api, seriesProject())
	seriesBody := jobRequestTo(e2e.stack.Dev.MongoURI(), seriesProjectID, srcURL, seriesTarget, map[string]any{"chunkRows": 2000, "chunkWindow": 4})
	var seriesJob, chinookJob apiclient.Job
	if err := api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", seriesBody, &seriesJob); err != nil {
		t.Fatalf("starting the series job: %v", err)
	}
	chBody := jobRequestTo(e2e.stack.Dev.MongoURI(), chinookProject, chURL, chDB, map[string]any{"chunkRows": 500})
	if err := api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", chBody, &chinookJob); err != nil {
		t.Fatalf("starting the Chinook job: %v", err)
	}
	// The same project and target again: refused while the first job is in progress (the rule is
	// checked in the store's transaction, so it holds for several api processes too).
	err := api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", seriesBody, nil)
	if st := errStatus(err); st != http.StatusConflict {
		if getJob(t, api, seriesJob.ID).Terminal() {
			t.Logf("the series job finished before the second request: 409 not checked (got %v)", err)
		} else {
			t.Errorf("a second job for the same project and target: got %v (status %d), want 409", err, st)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	for _, id := range []string{seriesJob.ID, chinookJob.ID} {
		j, err := api.WaitJob(ctx, id, 250*time.Millisecond, nil)
		if err != nil {
			t.Fatalf("waiting for job %s: %v", id, err)
		}
		if j.Status != "COMPLETED" {
			t.Fatalf("job %s ended %s: %+v", id, j.Status, j.FailureError)
		}
	}

	// Exact counts and content.
	series := getJob(t, api, seriesJob.ID)
	if series.Statistics.TotalEventsSeen != rows || series.Statistics.TotalEvents != rows {
		t.Errorf("series job: totalEventsSeen %d totalEvents %d, want %d", series.Statistics.TotalEventsSeen, series.Statistics.TotalEvents, rows)
	}
	if n := checkSeriesCopy(t, srcURL, e2e.mongo, seriesTarget, false); n != rows {
		t.Errorf("%d series documents, want %d", n, rows)
	}
	chinook := getJob(t, api, chinookJob.ID)
	conn := pgConn(t, chURL)
	var chinookRows int64
	for _, c := range chinookCollections {
		chinookRows += compareCollection(t, conn, chDB, c.collection, c.table, c.key)
	}
	if chinook.Statistics.TotalEventsSeen != chinookRows {
		t.Errorf("Chinook job: totalEventsSeen %d, want %d", chinook.Statistics.TotalEventsSeen, chinookRows)
	}

	// Both workers copied chunks: the identity of each CopyChunk attempt, from Temporal's history.
	perPID := map[int]int{}
	for _, wf := range []string{seriesJob.ID + "-items", chinookJob.ID + "-invoiceLines", chinookJob.ID + "-tracks"} {
		for identity, n := range copyChunkIdentities(t, s.Temporal, wf) {
			perPID[identityPID(identity)] += n
		}
	}
	for _, w := range workers {
		if perPID[w.cmd.Process.Pid] == 0 {
			t.Errorf("%s (pid %d) copied no chunk: chunks per worker pid %v", w.name, w.cmd.Process.Pid, perPID)
		}
	}
	t.Logf("CopyChunk attempts per worker pid: %v", perPID)

	// Progress and events, as the api process reads them from the store the workers wrote.
	tv := jobTables(t, api, seriesJob.ID)
	// Sampled boundaries make about rows/chunkRows chunks, not exactly that many.
	if len(tv.Collections) != 1 || tv.Collections[0].RowsRead != rows || tv.Collections[0].DocumentsWritten != rows ||
		tv.Collections[0].ChunksDone < rows/2000 || tv.Collections[0].ChunksDone != tv.Collections[0].ChunksPlanned || tv.Collections[0].State != "DONE" {
		t.Errorf("GET /jobs/%s/tables = %+v, want items DONE with %d rows read and written, all of at least %d chunks done", seriesJob.ID, tv, rows, rows/2000)
	}
	var evs []map[string]any
	if err := api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+seriesJob.ID+"/logs", nil, &evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0]["message"] != "snapshot completed" {
		t.Errorf("GET /jobs/%s/logs = %v, want the completion event first", seriesJob.ID, evs)
	}
	// The store is the PostgreSQL database (read directly), and not the stack's own SQLite file.
	sc := pgConn(t, strings.Replace(storeURL, ":"+storePassword+"@", "@", 1))
	var (
		status      string
		read, nEvts int64
	)
	if err := sc.QueryRow(context.Background(), `SELECT status FROM jobs WHERE id = $1`, seriesJob.ID).Scan(&status); err != nil || status != "COMPLETED" {
		t.Errorf("the store's job row: status %q, %v; want COMPLETED", status, err)
	}
	if err := sc.QueryRow(context.Background(), `SELECT COALESCE(SUM(rows_read), 0) FROM job_chunks WHERE job_id = $1`, seriesJob.ID).Scan(&read); err != nil || read != rows {
		t.Errorf("the store's chunk rows: %d rows read, %v; want %d", read, err, rows)
	}
	if err := sc.QueryRow(context.Background(), `SELECT COUNT(*) FROM job_events WHERE job_id = $1`, seriesJob.ID).Scan(&nEvts); err != nil || nEvts != int64(len(evs)) {
		t.Errorf("the store holds %d events of the job (%v), the api answered %d", nEvts, err, len(evs))
	}
	if err := s.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+seriesJob.ID, nil, nil); errStatus(err) != http.StatusNotFound {
		t.Errorf("the in-process API on its SQLite store knows the job (%v): the processes did not use the PostgreSQL store", err)
	}

	// The store URL's password appears in no process's output; the api logs the masked URL.
	for _, p := range append([]*procHandle{apiProc}, workers...) {
		out := p.output(t)
		if strings.Contains(out, storePassword) {
			t.Errorf("%s's output contains the store password", p.name)
		}
		if !strings.Contains(out, "metadata store opened") || !strings.Contains(out, "password=*****") {
			t.Errorf("%s's output lacks the masked store URL:\n%s", p.name, tail(out, 20))
		}
	}

	// A worker killed (SIGKILL) in the middle of a job: the other finishes it, with exact counts
	// (the retried chunks replace what the dead worker had reported to the store).
	rerun := jobRequestTo(e2e.stack.Dev.MongoURI(), seriesProjectID, srcURL, seriesTarget,
		map[string]any{"chunkRows": 2000, "chunkWindow": 4, "dropCollections": true})
	var third apiclient.Job
	if err := api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", rerun, &third); err != nil {
		t.Fatalf("starting the job to interrupt: %v", err)
	}
	waitFor(t, 3*time.Minute, "a quarter of the rows read", func() bool {
		j := getJob(t, api, third.ID)
		return j.Terminal() || j.Statistics.TotalEventsSeen >= rows/4
	})
	if err := workers[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = workers[1].cmd.Wait()
	if j := getJob(t, api, third.ID); j.Terminal() {
		t.Fatalf("the job was %s before the worker was killed: the kill proves nothing", j.Status)
	}
	final, err := api.WaitJob(ctx, third.ID, 250*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != "COMPLETED" || final.Statistics.TotalEventsSeen != rows {
		t.Fatalf("after the kill the job ended %s with %d rows read, want COMPLETED with %d: %+v", final.Status, final.Statistics.TotalEventsSeen, rows, final.FailureError)
	}
	if n := checkSeriesCopy(t, srcURL, e2e.mongo, seriesTarget, false); n != rows {
		t.Errorf("%d series documents after the kill, want %d", n, rows)
	}
}

// procHandle is a relmongo process started by a test; it is killed at cleanup.
type procHandle struct {
	name, log string
	cmd       *exec.Cmd
}

func (p *procHandle) output(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(p.log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startProcess starts bin with args, output to a log file shown when the test fails.
func startProcess(t *testing.T, bin, name string, args ...string) *procHandle {
	t.Helper()
	return startProcessEnv(t, bin, name, nil, args...)
}

// startProcessEnv is startProcess with extra environment variables (KEY=value).
func startProcessEnv(t *testing.T, bin, name string, env []string, args ...string) *procHandle {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, tail(string(b), 40))
		}
	})
	return &procHandle{name: name, log: logPath, cmd: cmd}
}

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// identityPID is the process id in a Temporal SDK default identity ("<pid>@<host>@"), or -1.
func identityPID(identity string) int {
	pid, _, ok := strings.Cut(identity, "@")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(pid)
	if err != nil {
		return -1
	}
	return n
}

// copyChunkIdentities counts the started CopyChunk attempts of a workflow per worker identity,
// over all its runs (a collection workflow continues as new).
func copyChunkIdentities(t *testing.T, tc client.Client, workflowID string) map[string]int {
	t.Helper()
	out := map[string]int{}
	runID := ""
	for {
		types := map[int64]string{}
		previous := ""
		it := tc.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatalf("reading the history of %s: %v", workflowID, err)
			}
			if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				previous = a.GetContinuedExecutionRunId()
			}
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
				types[ev.GetEventId()] = a.GetActivityType().GetName()
			}
			if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && types[a.GetScheduledEventId()] == contract.CopyChunkActivity {
				out[a.GetIdentity()]++
			}
		}
		if previous == "" {
			return out
		}
		runID = previous
	}
}
