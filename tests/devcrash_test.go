package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/freeport"
)

// devProcess is a `relmongo dev` child process.
type devProcess struct {
	cmd *exec.Cmd
	api *apiclient.Client
	// exited is closed once the process has exited.
	exited chan struct{}
}

// startDev runs `relmongo dev` on dataDir and the given ports (temporal, ui, api, mongo) and
// returns once its API answers /readyz. --allow-test-hooks is the hidden test-only flag.
func startDev(t *testing.T, bin, dataDir string, ports []int, name string) *devProcess {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	apiAddr := "127.0.0.1:" + strconv.Itoa(ports[2])
	cmd := exec.Command(bin, "dev", "--data-dir", dataDir, "--temporal-port", strconv.Itoa(ports[0]), "--ui-port", strconv.Itoa(ports[1]),
		"--api-addr", apiAddr, "--embedded-mongo", "--mongo-port", strconv.Itoa(ports[3]), "--allow-test-hooks", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p := &devProcess{cmd: cmd, api: apiclient.New("http://"+apiAddr, ""), exited: exited}
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, tail(string(b), 40))
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case <-exited:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited before it was ready:\n%s", name, tail(string(b), 40))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := p.api.Do(ctx, http.MethodGet, "/readyz", nil, nil)
		cancel()
		if err == nil {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 3 minutes: %v", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (p *devProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the killed dev process did not exit within 30 s")
	}
}

// TestDevProcessCrashResume is issue 5's acceptance 2, second sentence: SIGKILL the whole
// `relmongo dev` process (embedded Temporal on SQLite, FerretDB, API and worker) while a
// 200,000-row table is about half copied, start it again on the same data directory and ports,
// and require the job to complete with exactly one document per row and a checksum equal to the
// source's, in the restarted process's own FerretDB.
func TestDevProcessCrashResume(t *testing.T) {
	t.Parallel()
	const rows = 200_000
	bin := buildRelmongo(t, t.TempDir())
	db, srcURL := seriesDB(t, rows)
	ports, err := freeport.Get(4)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	first := startDev(t, bin, dataDir, ports, "dev-1")
	projectID := importProjectTo(t, first.api, seriesProject())
	mongoURI := fmt.Sprintf("mongodb://127.0.0.1:%d/", ports[3])
	// 2 chunks at 5,000 rows/s each: about 20 s for the table, so "half copied" is observable.
	// Small chunks and a small window bound what is rewritten after the restart: on FerretDB each
	// rewrite of a retried chunk's batch deletes by _id with a scan of the whole collection, and
	// CopyChunk heartbeats only between batches (1 minute heartbeat timeout), so many large
	// concurrent rewrites on a loaded machine can outlast it and retry again and again.
	body := jobRequestTo(mongoURI, projectID, srcURL, db, map[string]any{"chunkRows": 2000, "chunkWindow": 2})
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 5000}
	var created apiclient.Job
	if err := first.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", body, &created); err != nil {
		t.Fatalf("starting the job: %v", err)
	}
	id := created.ID

	var atKill *apiclient.Job
	waitFor(t, 3*time.Minute, "half of the rows copied", func() bool {
		atKill = getJob(t, first.api, id)
		return atKill.Statistics.TotalEventsSeen >= rows/2
	})
	first.kill(t)
	t.Logf("dev process killed at %d rows read, status %s", atKill.Statistics.TotalEventsSeen, atKill.Status)
	if atKill.Terminal() || atKill.Statistics.TotalEventsSeen >= rows {
		t.Fatalf("the job was already done when the process was killed: the test proves nothing")
	}

	killedAt := time.Now()
	second := startDev(t, bin, dataDir, ports, "dev-2")
	t.Logf("dev process ready again after %s", time.Since(killedAt).Round(time.Second))
	if j := getJob(t, second.api, id); j.Terminal() {
		t.Fatalf("the restarted process reports the job %s before resuming it", j.Status)
	}
	waitResumed(t, second.api, id, rows, killedAt)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(context.Background()) //nolint:errcheck
	if n := checkSeriesCopy(t, srcURL, mc, db, false); n != rows {
		t.Errorf("%d documents, want %d", n, rows)
	}

	// The job resumed in the persisted Temporal history: a chunk that the killed process had in
	// flight ran again (attempt > 1), rather than the job starting over.
	tc, err := client.Dial(client.Options{HostPort: "127.0.0.1:" + strconv.Itoa(ports[0]), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	retried := false
	it := tc.GetWorkflowHistory(ctx, id+"-items", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && a.GetAttempt() > 1 {
			retried = true
		}
	}
	if !retried {
		t.Error("no chunk was retried after the crash: the killed process had nothing in flight")
	}
}
