package tests

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/stack"
)

// The series table: n generated rows of every kind of value the canonical comparison checks
// (int64 key, text with NULLs, int32, int64, timestamp, boolean), in a flat collection.

// seriesDB creates database relmongo_test_<random> with table items of n rows and drops it at
// cleanup.
func seriesDB(t *testing.T, n int) (name, url string) {
	t.Helper()
	return paddedSeriesDB(t, n, 0)
}

// paddedSeriesDB is seriesDB with pad more characters in every name, to make rows wide.
func paddedSeriesDB(t *testing.T, n, pad int) (name, url string) {
	t.Helper()
	ctx := context.Background()
	name, url = emptyTestDB(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`CREATE TABLE items (id bigint PRIMARY KEY, name text, qty integer NOT NULL, price_cents bigint NOT NULL,
			created timestamp NOT NULL, flag boolean NOT NULL)`,
		fmt.Sprintf(`INSERT INTO items SELECT g,
			CASE WHEN g %% 97 = 0 THEN NULL ELSE 'item ' || g || repeat('x', (g %% 13)::int + %d) END,
			(g %% 1000)::int, g * 1000003 %% 99999989, timestamp '2020-01-01' + g * interval '1 second', g %% 3 = 0
			FROM generate_series(1::bigint, %d) g`, pad, n),
		`ANALYZE items`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("creating the series table: %v", err)
		}
	}
	return name, url
}

// seriesProject maps items to one flat collection items (_id = id, camelCase fields).
func seriesProject() []byte {
	return []byte(`{"version": 1, "name": "series",
		"source": {"type": "POSTGRESQL", "schemas": ["public"]},
		"settings": {"keyHandling": "SINGLE", "casing": "CAMEL_CASE", "nullHandling": "INCLUDE"},
		"collections": [{"name": "items", "table": {"schema": "public", "name": "items"}}]}`)
}

// canonicalSource returns each row of items as its canonical line, by id.
func canonicalSource(t *testing.T, srcURL string) map[int64]string {
	t.Helper()
	ctx := context.Background()
	conn := pgConn(t, srcURL)
	rows, err := conn.Query(ctx, `SELECT id, name, qty, price_cents, (extract(epoch FROM created) * 1000)::bigint, flag FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var (
			id, price, ms int64
			name          *string
			qty           int32
			flag          bool
		)
		if err := rows.Scan(&id, &name, &qty, &price, &ms, &flag); err != nil {
			t.Fatal(err)
		}
		n := "<null>"
		if name != nil {
			n = "s:" + *name
		}
		out[id] = fmt.Sprintf("%d|%s|%d|%d|%d|%t", id, n, qty, price, ms, flag)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// canonicalTarget returns each document of items as the canonical line of the row it should
// equal; a document with another shape (field set or BSON types) is reported and skipped.
func canonicalTarget(t *testing.T, mc *mongo.Client, db string) map[int64]string {
	t.Helper()
	ctx := context.Background()
	cur, err := mc.Database(db).Collection("items").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	out := map[int64]string{}
	bad := 0
	for cur.Next(ctx) {
		var d bson.M
		if err := cur.Decode(&d); err != nil {
			t.Fatal(err)
		}
		id, ok1 := d["_id"].(int64)
		qty, ok2 := d["qty"].(int32)
		price, ok3 := d["priceCents"].(int64)
		created, ok4 := d["created"].(primitive.DateTime)
		flag, ok5 := d["flag"].(bool)
		name, present := d["name"]
		n := "<null>"
		if s, ok := name.(string); ok {
			n = "s:" + s
		} else if name != nil {
			present = false
		}
		if !(ok1 && ok2 && ok3 && ok4 && ok5 && present) || len(d) != 6 {
			if bad++; bad <= 5 {
				t.Errorf("document of unexpected shape: %v", d)
			}
			continue
		}
		if _, dup := out[id]; dup {
			t.Errorf("two documents with _id %d", id)
		}
		out[id] = fmt.Sprintf("%d|%s|%d|%d|%d|%t", id, n, qty, price, int64(created), flag)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// digest is a checksum over canonical lines in key order.
func digest(lines map[int64]string) string {
	ids := make([]int64, 0, len(lines))
	for id := range lines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(lines[id]))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkSeriesCopy requires the target to hold exactly one document per source row with equal
// content (or, when partial, only documents equal to their rows), and returns the document count.
func checkSeriesCopy(t *testing.T, srcURL string, mc *mongo.Client, db string, partial bool) int {
	t.Helper()
	src := canonicalSource(t, srcURL)
	dst := canonicalTarget(t, mc, db)
	diffs := 0
	for id, line := range dst {
		if want, ok := src[id]; !ok || want != line {
			if diffs++; diffs <= 5 {
				t.Errorf("document %d = %q, want %q", id, line, want)
			}
		}
	}
	if partial {
		if diffs > 0 {
			t.Errorf("%d documents differ from their rows", diffs)
		}
		return len(dst)
	}
	if len(dst) != len(src) {
		t.Errorf("%d documents, want %d (one per row)", len(dst), len(src))
	}
	if ds, dd := digest(src), digest(dst); ds != dd {
		t.Errorf("checksum of the target %s differs from the source's %s (%d differing documents)", dd, ds, diffs)
	} else {
		t.Logf("%d documents, checksum %s equal to the source's", len(dst), dd[:16])
	}
	return len(dst)
}

// bareStack is an in-process stack without a worker: its jobs run on the workers a test starts.
type bareStack struct {
	*stack.Stack
	api   *apiclient.Client
	mongo *mongo.Client
	// key is the base64 secret key, which workers need to open the jobs' connections.
	key string
}

func startBareStack(t *testing.T, tweaks ...func(*stack.Config)) *bareStack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(raw)
	logger := slog.New(slog.NewTextHandler(&testLogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := stack.Config{EmbeddedMongo: true, AllowTestHooks: true, NoWorker: true, UIPort: -1, SecretKey: key, Logger: logger, WrapAPI: apiCheck.Middleware}
	for _, tw := range tweaks {
		tw(&cfg)
	}
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("starting a stack without worker: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(s.Dev.MongoURI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	return &bareStack{Stack: s, api: apiclient.New(s.APIURL, ""), mongo: mc, key: key}
}

// testLogWriter sends a stack's log lines to the test log.
type testLogWriter struct{ t *testing.T }

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// jobRequestTo is jobRequest for a target other than the shared stack's.
func jobRequestTo(mongoURI, projectID, sourceURL, targetDB string, opts map[string]any) map[string]any {
	body := jobRequest(projectID, sourceURL, targetDB, opts)
	body["mongodbConnectionDetails"] = map[string]any{"connectionString": strings.TrimRight(mongoURI, "/") + "/" + targetDB}
	return body
}

// importProjectTo imports a project document into the API of c.
func importProjectTo(t *testing.T, c *apiclient.Client, doc []byte) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	p["name"] = fmt.Sprintf("%s-%s", p["name"], randomSuffix())
	var created struct{ ID string }
	if err := c.Do(context.Background(), http.MethodPost, "/api/v1/project/import", p, &created); err != nil {
		t.Fatalf("importing the project: %v", err)
	}
	return created.ID
}

// buildRelmongo builds the relmongo binary into dir.
func buildRelmongo(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "relmongo")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/relmongo")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building relmongo: %v\n%s", err, out)
	}
	t.Logf("built relmongo in %s", time.Since(start).Round(time.Second))
	return bin
}

// waitResumed waits (at most 5 minutes) for job id to end after a crash at killedAt, and requires
// it COMPLETED with exactly rows rows read: a retried chunk replaces its counters.
func waitResumed(t *testing.T, api *apiclient.Client, id string, rows int64, killedAt time.Time) *apiclient.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	final, err := api.WaitJob(ctx, id, 250*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("job %s after the crash in %s", final.Status, time.Since(killedAt).Round(time.Second))
	if final.Status != "COMPLETED" {
		t.Fatalf("job ended %s: %+v", final.Status, final.FailureError)
	}
	if final.Statistics.TotalEventsSeen != rows {
		t.Errorf("totalEventsSeen %d, want exactly %d (a retried chunk replaces its counters)", final.Statistics.TotalEventsSeen, rows)
	}
	return final
}

// startWorker starts a `relmongo worker` process on the bare stack s (killed at cleanup).
func startWorker(t *testing.T, bin string, s *bareStack, name string, extraArgs ...string) *procHandle {
	t.Helper()
	args := append([]string{"worker", "--temporal-address", s.Dev.TemporalAddress(), "--namespace", s.Dev.Namespace(),
		"--store", s.StorePath, "--log-level", "warn"}, extraArgs...)
	return startProcessEnv(t, bin, name, []string{"RELMONGO_SECRET_KEY=" + s.key}, args...)
}

func tail(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// getJob reads a job's status object from c.
func getJob(t *testing.T, c *apiclient.Client, id string) *apiclient.Job {
	t.Helper()
	var j apiclient.Job
	if err := c.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id, nil, &j); err != nil {
		t.Fatalf("reading job %s: %v", id, err)
	}
	return &j
}

// waitFor polls cond every 100 ms until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCrashResume kills the only worker (SIGKILL) while a 200,000-row table is about half copied,
// starts a new worker process, and requires the job to complete with exactly one document per row
// and content equal to the source.
func TestCrashResume(t *testing.T) {
	t.Parallel()
	const rows = 200_000
	bin := buildRelmongo(t, t.TempDir())
	s := startBareStack(t)
	db, srcURL := seriesDB(t, rows)
	projectID := importProjectTo(t, s.api, seriesProject())
	body := jobRequestTo(s.Dev.MongoURI(), projectID, srcURL, db, map[string]any{"chunkRows": 5000, "chunkWindow": 4})
	// 4 chunks at 5,000 rows/s each: about 10 s for the table, so "half copied" is observable.
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 5000}
	var created apiclient.Job
	if err := s.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", body, &created); err != nil {
		t.Fatalf("starting the job: %v", err)
	}
	id := created.ID

	first := startWorker(t, bin, s, "worker-1")
	waitFor(t, 3*time.Minute, "half of the rows copied", func() bool {
		return getJob(t, s.api, id).Statistics.TotalEventsSeen >= rows/2
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	atKill := getJob(t, s.api, id)
	docsAtKill, err := s.mongo.Database(db).Collection("items").CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("worker killed at %d rows read, %d documents written, status %s", atKill.Statistics.TotalEventsSeen, docsAtKill, atKill.Status)
	if atKill.Terminal() || docsAtKill >= rows {
		t.Fatalf("the job was already done when the worker was killed: the test proves nothing")
	}

	killedAt := time.Now()
	startWorker(t, bin, s, "worker-2")
	waitResumed(t, s.api, id, rows, killedAt)
	if n := checkSeriesCopy(t, srcURL, s.mongo, db, false); n != rows {
		t.Errorf("%d documents, want %d", n, rows)
	}
	retried := false
	it := s.Temporal.GetWorkflowHistory(context.Background(), id+"-items", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
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
		t.Error("no chunk was retried after the crash: the killed worker had nothing in flight")
	}
}

// TestSourceFaultRetries terminates the job's PostgreSQL connections (application_name
// 'relmongo') mid-job: the chunks that lose their connection retry and the job completes
// with exact data. Rows are 2 KB wide and chunks 10 MB, more than socket buffers hold, so a
// chunk's query is still sending when its backend is terminated (a chunk whose rows had all
// arrived would rightly finish from its buffer).
func TestSourceFaultRetries(t *testing.T) {
	t.Parallel()
	const rows = 30_000
	db, srcURL := paddedSeriesDB(t, rows, 2000)
	projectID := importProject(t, seriesProject())
	body := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 5000, "chunkWindow": 3})
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 2000}
	id := startJob(t, body)
	admin := pgConn(t, e2e.pgAdmin)
	terminated := 0
	// Early, so each chunk has written little: a retried chunk rewrites what it wrote (on
	// FerretDB by deleting and inserting those documents again, which is slow).
	for _, share := range []int64{rows / 10} {
		waitFor(t, 2*time.Minute, fmt.Sprintf("%d rows read", share), func() bool {
			return getJob(t, e2e.api, id).Statistics.TotalEventsSeen >= share
		})
		var n int
		err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = $1 AND application_name = 'relmongo'`, db).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		terminated += n
	}
	if terminated == 0 {
		t.Fatal("no relmongo connection to terminate: the test proves nothing")
	}
	final := waitJob(t, id)
	if final.Status != "COMPLETED" {
		t.Fatalf("job ended %s after %d terminated connections: %+v", final.Status, terminated, final.FailureError)
	}
	t.Logf("%d backend connections terminated; job COMPLETED", terminated)
	if final.Statistics.TotalEventsSeen != rows {
		t.Errorf("totalEventsSeen %d, want exactly %d", final.Statistics.TotalEventsSeen, rows)
	}
	checkSeriesCopy(t, srcURL, e2e.mongo, db, false)
	if !activityRetried(t, id+"-items") {
		t.Error("no chunk was retried: the terminated connections were idle, the test proves nothing")
	}
}

// errStatus returns the HTTP status of an API error (0 when err is nil or not an API error).
func errStatus(err error) int {
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
