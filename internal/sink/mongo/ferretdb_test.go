package mongosink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ferretServer is an embedded FerretDB started by startFerretDB.
type ferretServer struct {
	// URI is the base connection string (mongodb://127.0.0.1:port/, no database).
	URI string
	// Stop ends the server and waits for it; it is idempotent and also runs at the end of the test.
	Stop func()
}

// startFerretDB starts an embedded FerretDB 1.x (SQLite backend, data in t.TempDir()) on a free
// loopback port. Each call gets its own server and directory, so tests and packages can run in
// parallel; it is the one place where this package's tests start a target.
func startFerretDB(t testing.TB) ferretServer {
	t.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + t.TempDir() + "/",
		// FerretDB logs every connection at INFO; only problems are worth seeing in test output.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatalf("creating embedded FerretDB: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("embedded FerretDB stopped with: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("embedded FerretDB did not stop within 30s")
			}
		})
	}
	t.Cleanup(stop)
	// MongoDBURI blocks until Run has bound the listener, so it is the readiness signal too.
	return ferretServer{URI: f.MongoDBURI(), Stop: stop}
}

// targetKind names one server the shared test tables run against.
type targetKind struct {
	name string
	// uri is the server's base connection string; the database path is replaced per test.
	uri string
	// forceFastUpsert exercises the MongoDB rewrite path (bulk replaceOne upserts) on FerretDB, so
	// that it is tested even where no MongoDB runs. It is slow there (about 0.6 s per rewrite), so
	// cases for it stay small.
	forceFastUpsert bool
}

// testTargets returns the servers to run a table against: a fresh embedded FerretDB, the same with
// the upsert path forced, and a real MongoDB when RELMONGO_MONGO_URL is set.
func testTargets(t *testing.T) []targetKind {
	t.Helper()
	ferret := startFerretDB(t).URI
	kinds := []targetKind{
		{name: "ferretdb", uri: ferret},
		{name: "ferretdb-upsert-path", uri: ferret, forceFastUpsert: true},
	}
	if u := os.Getenv("RELMONGO_MONGO_URL"); u != "" {
		kinds = append(kinds, targetKind{name: "mongodb", uri: u})
	}
	return kinds
}

// dbSeq makes database names unique within the test process.
var dbSeq atomic.Int64

// connectTest connects to a new, uniquely named database on kind's server and drops it and closes
// the Target when the test ends.
func connectTest(t testing.TB, kind targetKind) *Target {
	t.Helper()
	db := fmt.Sprintf("sinktest_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tg, err := Connect(ctx, withDatabase(kind.uri, db))
	if err != nil {
		t.Fatalf("connecting to %s: %v", kind.name, err)
	}
	if kind.forceFastUpsert {
		tg.caps.FastUpsert = true
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := tg.db.Drop(ctx); err != nil {
			t.Errorf("dropping test database %s: %v", db, err)
		}
		if err := tg.Close(ctx); err != nil {
			t.Errorf("closing: %v", err)
		}
	})
	return tg
}

// withDatabase returns uri with its database path replaced by db, keeping hosts and options.
func withDatabase(uri, db string) string {
	scheme, rest, _ := strings.Cut(uri, "://")
	hostsEnd := len(rest)
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		if i := strings.IndexAny(rest[at+1:], "/?"); i >= 0 {
			hostsEnd = at + 1 + i
		}
	} else if i := strings.IndexAny(rest, "/?"); i >= 0 {
		hostsEnd = i
	}
	query := ""
	if i := strings.IndexByte(rest[hostsEnd:], '?'); i >= 0 {
		query = rest[hostsEnd+i:]
	}
	return scheme + "://" + rest[:hostsEnd] + "/" + db + query
}
