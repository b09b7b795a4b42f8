package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/apiserver"
	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/openapicheck"
	"github.com/relmongo/relmongo/internal/stack"
)

// env is the shared end-to-end environment of this package.
type env struct {
	stack   *stack.Stack
	api     *apiclient.Client
	pgAdmin string // connection string of the admin database
	logs    *syncBuffer
	mongo   *mongo.Client
}

var e2e *env

// apiCheck records every exchange with the API of every stack the tests start (WrapAPI) and
// validates it against the OpenAPI document; a violation fails the run (TestMain).
var apiCheck *openapicheck.Checker

// syncBuffer collects log output so tests can check that no secret is ever logged.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func pgAdminURL() string {
	if u := os.Getenv("RELMONGO_TEST_PG_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "end-to-end setup failed:", err)
		os.Exit(1)
	}
	if apiCheck != nil {
		rep := apiCheck.Report()
		fmt.Println(rep.Summary())
		if testing.Verbose() && len(rep.Missing) > 0 {
			fmt.Println("OpenAPI check: operations not exercised:", strings.Join(rep.Missing, ", "))
		}
		if len(rep.Violations) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: exchanges with the API that do not match apiserver/openapi.yaml (fix the document or the server):")
			for _, v := range rep.Violations {
				fmt.Fprintln(os.Stderr, "  -", v)
			}
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := pgAdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL is required for the end-to-end tests (set RELMONGO_TEST_PG_URL): %w", err)
	}
	conn.Close(ctx)
	doc, err := apiserver.OpenAPIDocument()
	if err != nil {
		return 0, fmt.Errorf("building the OpenAPI document: %w", err)
	}
	if apiCheck, err = openapicheck.New(doc); err != nil {
		return 0, err
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := stack.Start(ctx, stack.Config{EmbeddedMongo: true, AllowTestHooks: true, Logger: logger, WrapAPI: apiCheck.Middleware})
	if err != nil {
		return 0, fmt.Errorf("starting the stack: %w", err)
	}
	defer s.Close()
	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(s.Dev.MongoURI()))
	if err != nil {
		return 0, err
	}
	defer mc.Disconnect(context.Background()) //nolint:errcheck
	e2e = &env{stack: s, api: apiclient.New(s.APIURL, ""), pgAdmin: admin, logs: logs, mongo: mc}
	return m.Run(), nil
}

// randomSuffix returns 8 random hex characters for unique names.
func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// chinookDB creates a fresh Chinook database for one test and drops it at cleanup.
func chinookDB(t *testing.T) (name, url string) {
	t.Helper()
	ctx := context.Background()
	name = chinook.OwnedPrefix + "test_" + randomSuffix()
	if err := chinook.LoadPostgres(ctx, e2e.pgAdmin, name); err != nil {
		t.Fatalf("loading Chinook: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), e2e.pgAdmin)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	cfg, err := pgx.ParseConfig(e2e.pgAdmin)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = name
	return name, fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

// pgConn opens a connection to a test database.
func pgConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// importProject imports doc (with its name made unique) and returns the project id.
func importProject(t *testing.T, doc []byte) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	p["name"] = fmt.Sprintf("%s-%s", p["name"], randomSuffix())
	var created struct{ ID string }
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/project/import", p, &created); err != nil {
		t.Fatalf("importing the project: %v", err)
	}
	return created.ID
}

// targetURI returns the embedded target's URI for database db.
func targetURI(db string) string {
	return strings.TrimRight(e2e.stack.Dev.MongoURI(), "/") + "/" + db
}

// jobRequest builds a POST /jobs body.
func jobRequest(projectID, sourceURL, targetDB string, opts map[string]any) map[string]any {
	o := map[string]any{"mode": "SNAPSHOT"}
	for k, v := range opts {
		o[k] = v
	}
	return map[string]any{
		"projectId":                projectID,
		"jdbcConnectionDetails":    map[string]any{"type": "POSTGRESQL", "url": sourceURL},
		"mongodbConnectionDetails": map[string]any{"connectionString": targetURI(targetDB)},
		"options":                  o,
		"verification":             map[string]any{"enabled": false},
	}
}

// startJob posts a job and returns its id.
func startJob(t *testing.T, body map[string]any) string {
	t.Helper()
	var job apiclient.Job
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", body, &job); err != nil {
		t.Fatalf("starting the job: %v", err)
	}
	if job.ID == "" {
		t.Fatal("the job has no id")
	}
	return job.ID
}

// waitJob polls until the job is terminal (at most 3 minutes) and returns it.
func waitJob(t *testing.T, id string) *apiclient.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	j, err := e2e.api.WaitJob(ctx, id, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("waiting for job %s: %v", id, err)
	}
	return j
}

// runJob starts a job, waits and requires COMPLETED.
func runJob(t *testing.T, body map[string]any) *apiclient.Job {
	t.Helper()
	id := startJob(t, body)
	j := waitJob(t, id)
	if j.Status != "COMPLETED" {
		msg := ""
		if j.FailureError != nil {
			msg = j.FailureError.Message
		}
		t.Fatalf("job %s ended %s: %s", id, j.Status, msg)
	}
	return j
}
