package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/freeport"
)

const testTaskQueue = "devstack-test"

// Search attributes used by the tests; the names stand in for the ones
// internal/contract will define.
var (
	saJobKind = temporal.NewSearchAttributeKeyKeyword("RelmongoTestJobKind")
	saRows    = temporal.NewSearchAttributeKeyInt64("RelmongoTestRows")
)

func greetWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, greetActivity, name).Get(ctx, &out)
	return out, err
}

func greetActivity(ctx context.Context, name string) (string, error) {
	activity.GetLogger(ctx).Debug("greeting", "name", name)
	return "hello " + name, nil
}

// testLogger writes WARN and above to stderr. It does not use t.Log: the
// embedded servers may still log from their goroutines after a test ends.
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func startStack(t *testing.T, cfg Config) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	begin := time.Now()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %s (temporal %s, ui %q, mongo %q)", time.Since(begin).Round(time.Millisecond),
		s.TemporalAddress(), s.UIURL(), s.MongoURI())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func closeStack(t *testing.T, s *Stack) {
	t.Helper()
	begin := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %s", time.Since(begin).Round(time.Millisecond))
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Nothing may keep a listening port after Close.
	for _, p := range []int{s.ports.frontend, s.ports.frontendHTTP, s.ports.history, s.ports.matching, s.ports.worker, s.ports.ui, s.ports.mongo} {
		if p == 0 {
			continue
		}
		if err := freeport.Check(p); err != nil {
			t.Errorf("after Close: %v", err)
		}
	}
}

// dialWorker connects an SDK client and runs an in-process worker for the
// test workflow; stop ends both (it is also run at the end of the test).
func dialWorker(t *testing.T, s *Stack) (c client.Client, stop func()) {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.TemporalAddress(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(testLogger()),
	})
	if err != nil {
		t.Fatalf("dialing Temporal at %s: %v", s.TemporalAddress(), err)
	}
	w := worker.New(c, testTaskQueue, worker.Options{})
	w.RegisterWorkflow(greetWorkflow)
	w.RegisterActivity(greetActivity)
	if err := w.Start(); err != nil {
		c.Close()
		t.Fatalf("starting worker: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			w.Stop()
			c.Close()
		})
	}
	t.Cleanup(stop)
	return c, stop
}

func runGreet(t *testing.T, c client.Client, id string, sas ...temporal.SearchAttributeUpdate) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             testTaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(sas...),
	}, greetWorkflow, "relmongo")
	if err != nil {
		t.Fatalf("starting workflow %s: %v", id, err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("workflow %s: %v", id, err)
	}
	if got != "hello relmongo" {
		t.Fatalf("workflow %s returned %q", id, got)
	}
}

// eventually retries f until it succeeds or 20 s pass (visibility is
// asynchronous).
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func listIDs(c client.Client, query string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range resp.GetExecutions() {
		ids = append(ids, e.GetExecution().GetWorkflowId())
	}
	return ids, nil
}

func expectListed(t *testing.T, c client.Client, query, id string) {
	t.Helper()
	eventually(t, "listing "+query, func() error {
		ids, err := listIDs(c, query)
		if err != nil {
			return err
		}
		for _, got := range ids {
			if got == id {
				return nil
			}
		}
		return fmt.Errorf("%s not in %v", id, ids)
	})
}

func mongoRoundTrip(t *testing.T, uri string, write bool, doc bson.M) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connecting to %s: %v", uri, err)
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	coll := mc.Database("devstack").Collection("docs")
	if write {
		if _, err := coll.InsertOne(ctx, doc); err != nil {
			t.Fatalf("inserting into %s: %v", uri, err)
		}
	}
	var got bson.M
	if err := coll.FindOne(ctx, bson.M{"_id": doc["_id"]}).Decode(&got); err != nil {
		t.Fatalf("reading back from %s: %v", uri, err)
	}
	if got["name"] != doc["name"] {
		t.Fatalf("read %v, want %v", got, doc)
	}
}

func TestMemoryModeWithMongo(t *testing.T) {
	s := startStack(t, Config{EmbeddedMongo: true, Logger: testLogger()})
	if s.Namespace() != "default" {
		t.Errorf("Namespace() = %q, want default", s.Namespace())
	}
	for _, addr := range []string{s.TemporalAddress(), strings.TrimPrefix(s.UIURL(), "http://"), strings.TrimSuffix(strings.TrimPrefix(s.MongoURI(), "mongodb://"), "/")} {
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("address %q is not on 127.0.0.1", addr)
		}
	}

	c, stopWorker := dialWorker(t, s)
	desc, err := c.WorkflowService().DescribeNamespace(context.Background(),
		&workflowservice.DescribeNamespaceRequest{Namespace: s.Namespace()})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != 7*24*time.Hour {
		t.Errorf("namespace retention = %s, want 168h", got)
	}
	id := "devstack-mem-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	runGreet(t, c, id)

	// The UI server proxies the Temporal HTTP API.
	url := s.UIURL() + "/api/v1/namespaces/default/workflows"
	eventually(t, "GET "+url, func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %s: %.200s", resp.Status, body)
		}
		if !strings.Contains(string(body), id) {
			return fmt.Errorf("workflow %s not in %.300s", id, body)
		}
		return nil
	})

	mongoRoundTrip(t, s.MongoURI(), true, bson.M{"_id": int64(1), "name": "memory"})

	tempDir := s.mongo.tempDir
	stopWorker()
	closeStack(t, s)
	if _, err := os.Stat(tempDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FerretDB temp dir %s still exists after Close (stat: %v)", tempDir, err)
	}
}

func TestFileModeRestart(t *testing.T) {
	dir := t.TempDir()
	first := startStack(t, Config{
		DataDir:          dir,
		EmbeddedMongo:    true,
		Logger:           testLogger(),
		SearchAttributes: map[string]enumspb.IndexedValueType{saJobKind.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	})
	// The data directory is locked while a stack uses it.
	if dup, err := Start(context.Background(), Config{DataDir: dir, Logger: testLogger()}); err == nil {
		_ = dup.Close()
		t.Fatal("a second stack on the same data directory started, want an error")
	} else if !strings.Contains(err.Error(), "in use by another running dev stack") {
		t.Errorf("second stack on the same data directory: error %q does not say the directory is in use", err)
	}

	c, stopWorker := dialWorker(t, first)
	id1 := "devstack-file-1"
	runGreet(t, c, id1, saJobKind.ValueSet("snapshot"))
	expectListed(t, c, saJobKind.GetName()+" = 'snapshot'", id1)
	mongoRoundTrip(t, first.MongoURI(), true, bson.M{"_id": "kept", "name": "file"})
	firstFrontend := first.TemporalAddress()
	stopWorker()
	closeStack(t, first)

	for _, f := range []string{"temporal.db", "mongo/devstack.sqlite"} {
		if _, err := os.Stat(dir + "/" + f); err != nil {
			t.Errorf("expected %s in the data directory: %v", f, err)
		}
	}

	// Restart on the same data with other free ports, no UI, and one more
	// search attribute than the namespace has: it must be added on start.
	second := startStack(t, Config{
		DataDir:       dir,
		EmbeddedMongo: true,
		UIPort:        -1,
		Logger:        testLogger(),
		SearchAttributes: map[string]enumspb.IndexedValueType{
			saJobKind.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
			saRows.GetName():    enumspb.INDEXED_VALUE_TYPE_INT,
		},
	})
	if second.TemporalAddress() == firstFrontend {
		t.Errorf("restart reused frontend address %s; wanted a fresh free port", firstFrontend)
	}
	if second.UIURL() != "" {
		t.Errorf("UIURL() = %q with UIPort -1, want \"\"", second.UIURL())
	}
	c2, stopWorker2 := dialWorker(t, second)
	expectListed(t, c2, "WorkflowId = '"+id1+"'", id1)
	expectListed(t, c2, saJobKind.GetName()+" = 'snapshot' AND ExecutionStatus = 'Completed'", id1)

	id2 := "devstack-file-2"
	runGreet(t, c2, id2, saJobKind.ValueSet("schedule"), saRows.ValueSet(42))
	expectListed(t, c2, saRows.GetName()+" > 40", id2)

	mongoRoundTrip(t, second.MongoURI(), false, bson.M{"_id": "kept", "name": "file"})
	stopWorker2()
	closeStack(t, second)

	// A search attribute whose type changed is refused, and nothing stays up.
	ports, err := freeport.Get(2)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bad, err := Start(ctx, Config{
		DataDir:          dir,
		FrontendPort:     ports[0],
		UIPort:           ports[1],
		Logger:           testLogger(),
		SearchAttributes: map[string]enumspb.IndexedValueType{saRows.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	})
	if err == nil {
		_ = bad.Close()
		t.Fatal("Start with a retyped search attribute succeeded, want an error")
	}
	if !strings.Contains(err.Error(), saRows.GetName()) || !strings.Contains(err.Error(), "registered as") {
		t.Errorf("error %q does not explain the type clash", err)
	}
	for _, p := range ports {
		if err := freeport.Check(p); err != nil {
			t.Errorf("after the failed Start: %v", err)
		}
	}
}

func TestPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port

	free, err := freeport.Get(3)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		cfg      Config
		wantFlag string // "" = not a PortInUseError
		want     string // substring of the error
	}{
		{
			name:     "frontend",
			cfg:      Config{FrontendPort: busyPort, UIPort: free[0], EmbeddedMongo: true, MongoPort: free[1]},
			wantFlag: flagTemporalPort,
			want:     "port " + strconv.Itoa(busyPort) + " is in use: another Temporal server? pass --temporal-port",
		},
		{
			name:     "ui",
			cfg:      Config{FrontendPort: free[0], UIPort: busyPort, EmbeddedMongo: true, MongoPort: free[1]},
			wantFlag: flagUIPort,
			want:     "port " + strconv.Itoa(busyPort) + " is in use",
		},
		{
			name:     "mongo",
			cfg:      Config{FrontendPort: free[0], UIPort: free[1], EmbeddedMongo: true, MongoPort: busyPort},
			wantFlag: flagMongoPort,
			want:     "pass --mongo-port",
		},
		{
			name: "same port twice",
			cfg:  Config{FrontendPort: free[0], UIPort: free[0]},
			want: "asked for twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = testLogger()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := Start(ctx, tt.cfg)
			if err == nil {
				_ = s.Close()
				t.Fatal("Start succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var pe *PortInUseError
			if got := errors.As(err, &pe); got != (tt.wantFlag != "") {
				t.Errorf("errors.As(PortInUseError) = %v for %q", got, err)
			} else if got && (pe.Port != busyPort || pe.Flag != tt.wantFlag) {
				t.Errorf("PortInUseError{Port: %d, Flag: %q}, want port %d flag %q", pe.Port, pe.Flag, busyPort, tt.wantFlag)
			}
			// Nothing was started: every other port is still free.
			for _, p := range free {
				if err := freeport.Check(p); err != nil {
					t.Errorf("after the failed Start: %v", err)
				}
			}
		})
	}
}

// Tests of other packages start stacks side by side in one process.
func TestConcurrentStacks(t *testing.T) {
	const n = 2
	stacks := make([]*Stack, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			stacks[i], errs[i] = Start(ctx, Config{EmbeddedMongo: true, Logger: testLogger()})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("stack %d: %v", i, errs[i])
		}
		t.Cleanup(func() { _ = stacks[i].Close() })
	}
	if stacks[0].TemporalAddress() == stacks[1].TemporalAddress() {
		t.Fatalf("both stacks on %s", stacks[0].TemporalAddress())
	}
	for i, s := range stacks {
		c, stop := dialWorker(t, s)
		runGreet(t, c, fmt.Sprintf("devstack-concurrent-%d", i))
		stop()
	}
	for i := range n {
		wg.Go(func() { errs[i] = stacks[i].Close() })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("closing stack %d: %v", i, errs[i])
		}
	}
}
