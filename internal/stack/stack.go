// Package stack composes everything `relmongo dev` runs in one process — the embedded Temporal
// server and Web UI (and optionally FerretDB), the metadata store, a worker and the REST API — so
// the command, the demo and the end-to-end tests start exactly the same thing.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/relmongo/relmongo/activities"
	"github.com/relmongo/relmongo/apiserver"
	"github.com/relmongo/relmongo/internal/devstack"
	"github.com/relmongo/relmongo/internal/metrics"
	"github.com/relmongo/relmongo/internal/metrics/sdkmetrics"
	"github.com/relmongo/relmongo/internal/searchattr"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
	"github.com/relmongo/relmongo/worker"
)

// Config configures an in-process stack.
type Config struct {
	// DataDir keeps Temporal's SQLite file, the store, the secret key and FerretDB's data; ""
	// keeps everything in a temporary directory removed by Close (tests).
	DataDir       string
	TemporalPort  int // 0 = free port
	UIPort        int // 0 = free port, -1 = no UI
	EmbeddedMongo bool
	MongoPort     int    // 0 = free port
	APIAddr       string // "" = 127.0.0.1:0
	// AllowTestHooks lets job requests carry test hooks (tests only).
	AllowTestHooks bool
	// APIToken, when set, is required on every API request but /healthz.
	APIToken string
	// MaxConcurrentJobs and LegacyStatusCodes are passed to the API server (apiserver.Config).
	MaxConcurrentJobs int
	LegacyStatusCodes bool
	Logger            *slog.Logger
	// NoWorker starts everything but the worker: jobs then run on `relmongo worker` processes
	// pointed at TemporalAddress with the same store file (StorePath) and secret key (tests that
	// kill workers use this).
	NoWorker bool
	// SecretKey is the base64 AES-256 key sealing connection secrets; "" uses the key file of
	// DataDir, or a random key when DataDir is "" too.
	SecretKey string
	// WrapAPI, when set, wraps the API's handler (the end-to-end tests record every exchange
	// with it to check it against the OpenAPI document).
	WrapAPI func(http.Handler) http.Handler
}

// Stack is a running in-process relmongo.
type Stack struct {
	Dev      *devstack.Stack
	Store    *store.Store
	Temporal client.Client
	Key      secret.Key
	// APIURL is the base URL of the REST API, e.g. http://127.0.0.1:8278.
	APIURL string
	// StorePath is the metadata store's SQLite file, which workers of this stack must share.
	StorePath string
	// Metrics is the stack's own registry (API, worker and Temporal client metrics), served on
	// the API's GET /metrics; each stack has one, so stacks in one process stay apart.
	Metrics *metrics.Metrics

	acts    *activities.Activities
	worker  sdkworker.Worker
	api     *http.Server
	tempDir string
	log     *slog.Logger
}

// Start starts the stack and returns once the API answers.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Stack{log: log}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	dataDir := cfg.DataDir
	devDataDir := cfg.DataDir
	if dataDir == "" {
		if s.tempDir, err = os.MkdirTemp("", "relmongo-stack-"); err != nil {
			return nil, fmt.Errorf("creating a temporary directory: %w", err)
		}
		dataDir = s.tempDir
	} else if err = os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory %s: %w", dataDir, err)
	}
	apiAddr := cfg.APIAddr
	if apiAddr == "" {
		apiAddr = "127.0.0.1:0"
	}
	// Claim the API port first: if it is taken, nothing else should start.
	ln, err := net.Listen("tcp", apiAddr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for the API: %w (is another relmongo running? pass --api-addr)", apiAddr, err)
	}
	s.Dev, err = devstack.Start(ctx, devstack.Config{
		DataDir: devDataDir, FrontendPort: cfg.TemporalPort, UIPort: cfg.UIPort,
		EmbeddedMongo: cfg.EmbeddedMongo, MongoPort: cfg.MongoPort, Logger: log,
		// Registered before the API starts any job, so every job carries them.
		SearchAttributes: searchattr.Want(),
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.StorePath = filepath.Join(dataDir, "relmongo.db")
	if s.Store, err = store.OpenSQLite(ctx, s.StorePath); err != nil {
		ln.Close()
		return nil, err
	}
	switch {
	case cfg.SecretKey != "":
		s.Key, err = secret.ParseKey(cfg.SecretKey)
	case cfg.DataDir == "":
		s.Key, err = RandomKey()
	default:
		s.Key, err = secret.LoadOrCreateKeyFile(filepath.Join(dataDir, "secret.key"))
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.Metrics = metrics.New()
	sdkMetrics, err := sdkmetrics.Register(s.Metrics.Registry)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.Temporal, err = client.Dial(client.Options{HostPort: s.Dev.TemporalAddress(), Namespace: s.Dev.Namespace(), Logger: sdklog.NewStructuredLogger(quiet(log)),
		MetricsHandler: sdkMetrics})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("connecting to the embedded Temporal: %w", err)
	}
	if !cfg.NoWorker {
		s.acts = activities.New(s.Store, s.Key, log)
		s.acts.Metrics = s.Metrics
		s.worker = worker.New(s.Temporal, s.acts, worker.Options{})
		if err = s.worker.Start(); err != nil {
			ln.Close()
			return nil, fmt.Errorf("starting the worker: %w", err)
		}
	}
	srv := apiserver.New(s.Store, s.Temporal, s.Key, apiserver.Config{
		Namespace: s.Dev.Namespace(), TemporalUIURL: s.Dev.UIURL(), AllowTestHooks: cfg.AllowTestHooks, Token: cfg.APIToken, MaxConcurrentJobs: cfg.MaxConcurrentJobs, LegacyStatusCodes: cfg.LegacyStatusCodes, Logger: log,
		SearchAttributes: true,
		Metrics:          s.Metrics,
	})
	handler := srv.Handler()
	if cfg.WrapAPI != nil {
		handler = cfg.WrapAPI(handler)
	}
	s.api = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	s.APIURL = "http://" + ln.Addr().String()
	go func() {
		if err := s.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("API server stopped", "error", err)
		}
	}()
	return s, nil
}

// quiet raises the SDK's logger to WARN: its INFO lines (every worker start and poll) drown the
// output of `relmongo dev`.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelHandler{min: slog.LevelWarn, h: l.Handler()})
}

type levelHandler struct {
	min slog.Level
	h   slog.Handler
}

func (l levelHandler) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.h.Enabled(ctx, lv)
}
func (l levelHandler) Handle(ctx context.Context, r slog.Record) error { return l.h.Handle(ctx, r) }
func (l levelHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return levelHandler{min: l.min, h: l.h.WithAttrs(a)}
}
func (l levelHandler) WithGroup(n string) slog.Handler {
	return levelHandler{min: l.min, h: l.h.WithGroup(n)}
}

// RandomKey returns a fresh secret key (for stacks whose data does not outlive the process).
func RandomKey() (secret.Key, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return secret.Key{}, err
	}
	return secret.ParseKey(base64.StdEncoding.EncodeToString(b))
}

// Close stops the API, the worker (letting in-flight activities finish up to its stop timeout),
// the Temporal client, the store and the embedded servers, in that order.
func (s *Stack) Close() error {
	var errs []error
	if s.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, s.api.Shutdown(ctx))
		cancel()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.acts != nil {
		s.acts.Close()
	}
	if s.Temporal != nil {
		s.Temporal.Close()
	}
	if s.Store != nil {
		errs = append(errs, s.Store.Close())
	}
	if s.Dev != nil {
		errs = append(errs, s.Dev.Close())
	}
	if s.tempDir != "" {
		errs = append(errs, os.RemoveAll(s.tempDir))
	}
	return errors.Join(errs...)
}
