// Package devstack runs an embedded Temporal server, the Temporal Web UI and,
// optionally, a MongoDB-compatible server (FerretDB) inside the current
// process, for `relmongo dev` and for tests.
//
// Everything listens on 127.0.0.1 only. With Config.DataDir set, Temporal
// keeps its state in DataDir/temporal.db and FerretDB in DataDir/mongo/, so
// workflows, search attributes and documents survive restarts, and the
// directory is locked (DataDir/devstack.lock) while the stack runs; without it
// all state lives in memory (FerretDB in a temporary directory) and is gone
// after Close. The namespace is created with a retention of 7 days (Temporal's
// SQLite helper defaults to 24 hours); an existing namespace keeps its own.
//
// Known process-wide effects, all inherited from the embedded servers: the
// Temporal SQLite plugin never closes its database connections (an in-memory
// database stays allocated, a database file stays open, until the process
// exits), and each Web UI leaves one idle gRPC client connection behind.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/searchattribute/sadefs"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	// loopback is the only address anything in the stack listens on.
	loopback = "127.0.0.1"
	// defaultNamespace is used when Config.Namespace is empty.
	defaultNamespace = "default"
	// mongoSubdir holds FerretDB's SQLite files inside Config.DataDir.
	mongoSubdir = "mongo"
	// lockFile in Config.DataDir is locked while a stack uses the directory.
	lockFile = "devstack.lock"
	// defaultStartTimeout bounds Start when its context has no deadline.
	defaultStartTimeout = 2 * time.Minute
	// stopTimeout bounds each server's shutdown in Close.
	stopTimeout = 30 * time.Second
)

// Config says what to start and where. The zero value starts an in-memory
// Temporal server with a Web UI on free ports and no MongoDB.
type Config struct {
	// DataDir is where state is kept: Temporal in DataDir/temporal.db and
	// FerretDB in DataDir/mongo/. "" keeps everything in memory (tests).
	DataDir string
	// FrontendPort is the Temporal gRPC port SDK clients dial; 0 picks a free
	// port. `relmongo dev` passes 7233.
	FrontendPort int
	// UIPort is the Web UI's HTTP port; 0 picks a free port and -1 disables
	// the UI. `relmongo dev` passes 8233.
	UIPort int
	// EmbeddedMongo starts FerretDB 1.24 (SQLite backend) on MongoPort.
	EmbeddedMongo bool
	// MongoPort is FerretDB's port; 0 picks a free port. `relmongo dev`
	// passes 27017.
	MongoPort int
	// Namespace is the Temporal namespace to create; "" means "default".
	Namespace string
	// SearchAttributes are custom search attributes to register before the
	// first workflow runs (may be nil). Names must be identifiers
	// ([A-Za-z_][A-Za-z0-9_]*); SQLite visibility allows at most 10 Keyword
	// and 3 of each other type per namespace.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the servers' warnings and errors; nil means
	// slog.Default(). Temporal and FerretDB log at WARN and above only.
	Logger *slog.Logger
}

// Stack is a running set of embedded servers. Its methods are safe for
// concurrent use.
type Stack struct {
	namespace string
	ports     ports

	ui       *webUI
	mongo    *mongoServer
	temporal temporal.Server
	// temporalLogLevel filters the Temporal server's log; shutdown raises it.
	temporalLogLevel *slog.LevelVar
	// unlockDataDir releases the data directory lock; nil in memory mode.
	unlockDataDir func()

	closeOnce sync.Once
	closeErr  error
}

var (
	namespacePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`)
	saNamePattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)
)

// Start starts the stack and returns once Temporal answers DescribeNamespace,
// the Web UI answers HTTP 200 and FerretDB accepts connections. ctx bounds
// start-up only (2 minutes when it has no deadline); stop the stack with
// Close. On error nothing is left running.
//
// Every fixed port is checked before anything starts; a taken port yields a
// *PortInUseError naming it and the flag that changes it.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	cfg, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}

	s := &Stack{
		namespace:        cfg.Namespace,
		temporalLogLevel: new(slog.LevelVar),
	}
	s.temporalLogLevel.Set(slog.LevelWarn)
	started := false
	defer func() {
		if !started {
			// Best effort: the start-up error is the one worth reporting.
			_ = s.shutdown()
		}
	}()

	var mongoDir string
	if cfg.DataDir != "" {
		mongoDir = filepath.Join(cfg.DataDir, mongoSubdir)
		// 0700: the directory holds job data and, in `relmongo dev`, keys.
		if err := os.MkdirAll(mongoDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating the data directory %s: %w", mongoDir, err)
		}
		unlock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		s.unlockDataDir = unlock
	}

	p, err := planPorts(cfg)
	if err != nil {
		return nil, err
	}
	s.ports = p

	// The UI goes first, right after its port was checked: see startUI.
	if p.ui != 0 {
		s.ui = startUI(p.ui, p.frontend, cfg.Namespace)
	}
	if cfg.EmbeddedMongo {
		m, err := startMongo(mongoDir, p.mongo, ferretLogger(cfg.Logger))
		if err != nil {
			return nil, err
		}
		s.mongo = m
	}

	sql, err := sqlStore(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := createNamespace(sql, cfg); err != nil {
		return nil, err
	}
	srv, err := newTemporalServer(sql, p, componentLogger(cfg.Logger, "temporal", s.temporalLogLevel))
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("starting the embedded Temporal server on %s: %w", hostPort(p.frontend), err)
	}
	s.temporal = srv

	if err := s.waitReady(ctx, cfg); err != nil {
		return nil, err
	}
	started = true
	return s, nil
}

// waitReady blocks until every server answers, then registers search
// attributes an existing namespace lacks.
func (s *Stack) waitReady(ctx context.Context, cfg Config) error {
	conn, err := grpc.NewClient(hostPort(s.ports.frontend), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connecting to the embedded Temporal frontend: %w", err)
	}
	defer func() { _ = conn.Close() }()

	if err := waitNamespace(ctx, conn, s.namespace); err != nil {
		return err
	}
	if err := syncSearchAttributes(ctx, conn, s.namespace, cfg.SearchAttributes); err != nil {
		return err
	}
	if s.ui != nil {
		if err := waitHTTP200(ctx, s.UIURL()+"/"); err != nil {
			return err
		}
	}
	if s.mongo != nil {
		if err := waitTCP(ctx, "the embedded MongoDB (FerretDB)", hostPort(s.ports.mongo)); err != nil {
			return err
		}
	}
	return nil
}

// normalize fills defaults and rejects configurations that cannot work, with
// messages that say what to change.
func normalize(cfg Config) (Config, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Namespace == "" {
		cfg.Namespace = defaultNamespace
	}
	if !namespacePattern.MatchString(cfg.Namespace) {
		return cfg, fmt.Errorf("namespace %q is not valid: use letters, digits, '.', '_' or '-', starting with a letter or digit", cfg.Namespace)
	}
	if err := checkPort("frontend port", cfg.FrontendPort, false); err != nil {
		return cfg, err
	}
	if err := checkPort("UI port", cfg.UIPort, true); err != nil {
		return cfg, err
	}
	if cfg.EmbeddedMongo {
		if err := checkPort("MongoDB port", cfg.MongoPort, false); err != nil {
			return cfg, err
		}
	}
	if err := checkSearchAttributes(cfg.SearchAttributes); err != nil {
		return cfg, err
	}
	if cfg.DataDir != "" {
		abs, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return cfg, fmt.Errorf("resolving the data directory %q: %w", cfg.DataDir, err)
		}
		// Both SQLite drivers take the path inside a URI without escaping it.
		if strings.ContainsAny(abs, "?#%") {
			return cfg, fmt.Errorf("data directory %q contains '?', '#' or '%%', which SQLite URIs cannot carry: choose another directory", abs)
		}
		cfg.DataDir = abs
	}
	return cfg, nil
}

func checkPort(name string, port int, allowDisable bool) error {
	if port == -1 && allowDisable {
		return nil
	}
	if port < 0 || port > 65535 {
		if allowDisable {
			return fmt.Errorf("%s %d is not valid: use 1-65535, 0 for a free port or -1 to disable", name, port)
		}
		return fmt.Errorf("%s %d is not valid: use 1-65535 or 0 for a free port", name, port)
	}
	return nil
}

func checkSearchAttributes(sas map[string]enumspb.IndexedValueType) error {
	for _, name := range slices.Sorted(maps.Keys(sas)) {
		typ := sas[name]
		if !saNamePattern.MatchString(name) {
			return fmt.Errorf("search attribute name %q is not valid: use letters, digits and '_', not starting with a digit", name)
		}
		if sadefs.IsReserved(name) {
			return fmt.Errorf("search attribute name %q is reserved by Temporal: choose another name", name)
		}
		if _, known := enumspb.IndexedValueType_name[int32(typ)]; !known || typ == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return fmt.Errorf("search attribute %q has no valid type (got %d): use one of the enumspb.INDEXED_VALUE_TYPE_* values", name, typ)
		}
	}
	return nil
}

// TemporalAddress returns the frontend's gRPC address, "127.0.0.1:port".
func (s *Stack) TemporalAddress() string { return hostPort(s.ports.frontend) }

// Namespace returns the Temporal namespace the stack created.
func (s *Stack) Namespace() string { return s.namespace }

// UIURL returns the Web UI's base URL, "http://127.0.0.1:port", or "" when the
// UI is disabled.
func (s *Stack) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return "http://" + hostPort(s.ports.ui)
}

// MongoURI returns FerretDB's connection string, "mongodb://127.0.0.1:port/",
// or "" when EmbeddedMongo is off.
func (s *Stack) MongoURI() string {
	if s.mongo == nil {
		return ""
	}
	return s.mongo.uri
}

// Close stops the Web UI, FerretDB and Temporal and releases their ports.
// It is idempotent: later calls return the first call's result.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown() })
	return s.closeErr
}

// shutdown stops whatever is running. The UI goes first so nobody sees it
// fail against a dying frontend; Temporal and FerretDB are independent and
// stop in parallel to keep Close short.
func (s *Stack) shutdown() error {
	if s.ui != nil {
		s.ui.stop()
	}
	// Stopping makes every Temporal service and system worker report the
	// others as unreachable ("Failed to poll for task", "network dial
	// error", "context canceled"): dozens of lines that are only noise after
	// Ctrl-C. A failed stop still surfaces as Close's error.
	s.temporalLogLevel.Set(slog.LevelError + 4)
	var wg sync.WaitGroup
	var mongoErr, temporalErr error
	if s.mongo != nil {
		wg.Go(func() { mongoErr = s.mongo.stop(stopTimeout) })
	}
	if s.temporal != nil {
		wg.Go(func() { temporalErr = stopTemporal(s.temporal, stopTimeout) })
	}
	wg.Wait()
	// The lock goes last: the next stack on this directory must not start
	// while these servers still write to it.
	if s.unlockDataDir != nil && temporalErr == nil && mongoErr == nil {
		s.unlockDataDir()
	}
	return errors.Join(temporalErr, mongoErr)
}

// stopTemporal stops the server, giving up waiting after timeout (its own
// limit is five minutes, far beyond what a developer waits for Ctrl-C).
func stopTemporal(srv temporal.Server, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- srv.Stop() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("stopping the embedded Temporal server: %w", err)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("the embedded Temporal server did not stop within %s", timeout)
	}
}
