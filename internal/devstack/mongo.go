package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ferretNewMu serialises ferretdb.New, which writes a package-global
// (version.Get().Package) on every call; tests start stacks concurrently.
var ferretNewMu sync.Mutex

// mongoServer is a running embedded FerretDB (SQLite backend).
type mongoServer struct {
	uri     string
	cancel  context.CancelFunc
	done    chan struct{} // closed when Run returns (listener, connections and backend closed)
	tempDir string        // removed on stop; "" when the data lives in Config.DataDir
}

// startMongo starts FerretDB on 127.0.0.1:port with its SQLite files in dir
// (one file per MongoDB database). When dir is "", a temporary directory is
// used and removed again by stop.
func startMongo(dir string, port int, logger *slog.Logger) (*mongoServer, error) {
	m := &mongoServer{done: make(chan struct{})}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "relmongo-ferretdb-")
		if err != nil {
			return nil, fmt.Errorf("creating a temporary directory for the embedded MongoDB: %w", err)
		}
		dir, m.tempDir = tmp, tmp
	}
	// FerretDB wants a file: URI naming a directory, with a trailing slash;
	// building it with url.URL escapes unusual characters in the path.
	sqliteURL := (&url.URL{Scheme: "file", Path: dir + "/"}).String()

	ferretNewMu.Lock()
	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: hostPort(port)},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	ferretNewMu.Unlock()
	if err != nil {
		m.removeTemp()
		return nil, fmt.Errorf("starting the embedded MongoDB (FerretDB) on %s with data in %s: %w", hostPort(port), dir, err)
	}

	// New has already bound the listener; Run serves it and, when ctx ends,
	// closes connections and the SQLite backend. The backend must be closed
	// by Run in every case: FerretDB panics in a finalizer otherwise.
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.uri = db.MongoDBURI()
	go func() {
		defer close(m.done)
		_ = db.Run(ctx) // always nil; errors are logged by FerretDB
	}()
	return m, nil
}

// stop shuts FerretDB down. Clients still connected get up to three seconds
// (FerretDB's own grace period) before their connections are cut.
func (m *mongoServer) stop(timeout time.Duration) error {
	m.cancel()
	select {
	case <-m.done:
	case <-time.After(timeout):
		// Its files are still open: leave them rather than pull them away.
		return fmt.Errorf("the embedded MongoDB (FerretDB) did not stop within %s", timeout)
	}
	return m.removeTemp()
}

func (m *mongoServer) removeTemp() error {
	if m.tempDir == "" {
		return nil
	}
	if err := os.RemoveAll(m.tempDir); err != nil {
		return fmt.Errorf("removing the embedded MongoDB's temporary directory %s: %w", m.tempDir, err)
	}
	m.tempDir = ""
	return nil
}
