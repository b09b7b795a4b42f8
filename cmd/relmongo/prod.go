package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/relmongo/relmongo/activities"
	"github.com/relmongo/relmongo/apiserver"
	"github.com/relmongo/relmongo/internal/logging"
	"github.com/relmongo/relmongo/internal/metrics"
	"github.com/relmongo/relmongo/internal/metrics/sdkmetrics"
	"github.com/relmongo/relmongo/internal/searchattr"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
	"github.com/relmongo/relmongo/worker"
)

// clusterFlags select an existing Temporal cluster, the metadata store and the secret key.
type clusterFlags struct {
	temporalAddress string
	namespace       string
	storePath       string
	keyFile         string
}

func (f *clusterFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.temporalAddress, "temporal-address", envOr("TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
	cmd.Flags().StringVar(&f.namespace, "namespace", envOr("TEMPORAL_NAMESPACE", "default"), "Temporal namespace (env TEMPORAL_NAMESPACE)")
	cmd.Flags().StringVar(&f.storePath, "store", envOr("RELMONGO_STORE", "relmongo.db"), "metadata store shared by api and workers: a postgres://user:password@host:5432/database URL (api and workers on several hosts), or the path of a SQLite file (one host) (env RELMONGO_STORE)")
	cmd.Flags().StringVar(&f.keyFile, "secret-key-file", envOr("RELMONGO_SECRET_KEY_FILE", ""), "file holding the base64 AES-256 key that seals connection secrets; the env RELMONGO_SECRET_KEY may hold the key itself. api and workers need the same key")
}

func (f *clusterFlags) key() (secret.Key, error) {
	if k := envOr("RELMONGO_SECRET_KEY", ""); k != "" {
		return secret.ParseKey(k)
	}
	if f.keyFile == "" {
		return secret.Key{}, errors.New("no secret key: set RELMONGO_SECRET_KEY or --secret-key-file (the same key on the api and every worker)")
	}
	return secret.LoadOrCreateKeyFile(f.keyFile)
}

// open opens the store and connects to Temporal, whose SDK metrics go into m.
func (f *clusterFlags) open(ctx context.Context, log *slog.Logger, m *metrics.Metrics) (*store.Store, client.Client, secret.Key, error) {
	key, err := f.key()
	if err != nil {
		return nil, nil, secret.Key{}, err
	}
	sdkMetrics, err := sdkmetrics.Register(m.Registry)
	if err != nil {
		return nil, nil, secret.Key{}, err
	}
	st, err := store.Open(ctx, f.storePath)
	if err != nil {
		return nil, nil, secret.Key{}, err
	}
	log.Info("metadata store opened", "store", store.Describe(f.storePath))
	tc, err := client.DialContext(ctx, client.Options{HostPort: f.temporalAddress, Namespace: f.namespace, Logger: sdklog.NewStructuredLogger(log), MetricsHandler: sdkMetrics})
	if err != nil {
		st.Close()
		return nil, nil, secret.Key{}, fmt.Errorf("connecting to Temporal at %s: %w", f.temporalAddress, err)
	}
	return st, tc, key, nil
}

// searchAttributesReady reports whether the namespace has relmongo's search attributes. When
// not, or when it cannot tell, it logs one warning saying how to create them and the process runs
// without: jobs work the same, they only cannot be filtered in the Temporal Web UI.
func (f *clusterFlags) searchAttributesReady(ctx context.Context, tc client.Client, log *slog.Logger) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, warning, err := searchattr.Check(ctx, tc.OperatorService(), f.namespace)
	switch {
	case err != nil:
		log.Warn("running without relmongo's search attributes: cannot tell whether the namespace has them (jobs run normally; "+
			"to filter them in the Temporal Web UI, create them as README.md's Temporal Web UI section says and restart)", "error", err)
	case !ok:
		log.Warn(warning)
	}
	return ok
}

// checkListen refuses to listen beyond this machine without an API token: an unauthenticated
// API must never be reachable from the network (API.md, Auth).
func checkListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid listen address %q: %w (use host:port, e.g. 127.0.0.1:8278)", addr, err)
	}
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) || token != "" {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without an API token: set RELMONGO_API_TOKEN (or --api-token), or listen on 127.0.0.1", addr)
}

func apiCmd(g *globals) *cobra.Command {
	f := &clusterFlags{}
	var listen, uiURL, token string
	var maxJobs int
	var legacyCodes bool
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Run the REST API against an existing Temporal cluster",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkListen(listen, token); err != nil {
				return err
			}
			log, err := g.logger(logging.FormatJSON)
			if err != nil {
				return err
			}
			m := metrics.New()
			st, tc, key, err := f.open(cmd.Context(), log, m)
			if err != nil {
				return err
			}
			defer st.Close()
			defer tc.Close()
			srv := apiserver.New(st, tc, key, apiserver.Config{Namespace: f.namespace, TemporalUIURL: uiURL, Token: token,
				MaxConcurrentJobs: maxJobs, LegacyStatusCodes: legacyCodes, Logger: log, Metrics: m,
				SearchAttributes: f.searchAttributesReady(cmd.Context(), tc, log)})
			hs := &http.Server{Addr: listen, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			errc := make(chan error, 1)
			go func() { errc <- hs.ListenAndServe() }()
			fmt.Fprintf(cmd.OutOrStdout(), "relmongo API listening on http://%s/api/v1\n", listen)
			select {
			case err := <-errc:
				return err
			case <-cmd.Context().Done():
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return hs.Shutdown(ctx)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8278", "listen address")
	cmd.Flags().StringVar(&uiURL, "temporal-ui-url", envOr("TEMPORAL_UI_URL", ""), "base URL of the Temporal Web UI, for job links")
	cmd.Flags().IntVar(&maxJobs, "max-concurrent-jobs", 0, "jobs in progress at once (0 = no limit; 1 = Relational Migrator's one job at a time); more -> 409")
	cmd.Flags().BoolVar(&legacyCodes, "rm-legacy-status-codes", false, "answer with Relational Migrator 1.13-1.18's status codes (440, 470, 400) for old scripts")
	cmd.Flags().StringVar(&token, "api-token", envOr("RELMONGO_API_TOKEN", ""), "require Authorization: Bearer <token> on every endpoint but /healthz; needed to listen beyond 127.0.0.1 (env RELMONGO_API_TOKEN)")
	return cmd
}

func workerCmd(g *globals) *cobra.Command {
	f := &clusterFlags{}
	var maxActivities int
	var metricsAddr, metricsToken string
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run workflows and activities against an existing Temporal cluster (run many to scale out)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			if err := checkMetricsListen(metricsAddr, metricsToken); err != nil {
				return err
			}
			log, err := g.logger(logging.FormatJSON)
			if err != nil {
				return err
			}
			m := metrics.New()
			st, tc, key, err := f.open(cmd.Context(), log, m)
			if err != nil {
				return err
			}
			defer st.Close()
			defer tc.Close()
			// Workers only warn: a job upserts RelmongoStatus only if the API started it with the
			// attributes, so a worker never sets one the namespace lacks.
			f.searchAttributesReady(cmd.Context(), tc, log)
			if metricsAddr != "" {
				stop, err := serveMetrics(metricsAddr, m.ServeToken(metricsToken))
				if err != nil {
					return err
				}
				defer stop()
				fmt.Fprintf(cmd.OutOrStdout(), "relmongo worker metrics on http://%s/metrics\n", metricsAddr)
			}
			acts := activities.New(st, key, log)
			acts.Metrics = m
			defer acts.Close()
			w := worker.New(tc, acts, worker.Options{MaxConcurrentActivities: maxActivities})
			if err := w.Start(); err != nil {
				return fmt.Errorf("starting the worker: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "relmongo worker polling task queue relmongo")
			<-cmd.Context().Done()
			// Stop waits for in-flight activities up to the worker stop timeout; Temporal retries
			// whatever did not finish.
			w.Stop()
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&maxActivities, "max-concurrent-activities", 0, "activities this process runs at once (0 = SDK default)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", envOr("RELMONGO_METRICS_ADDR", ""), "serve this worker's Prometheus metrics on http://<addr>/metrics, e.g. 127.0.0.1:9478 (\"\" = off; env RELMONGO_METRICS_ADDR); beyond 127.0.0.1 it needs --metrics-token")
	cmd.Flags().StringVar(&metricsToken, "metrics-token", envOr("RELMONGO_METRICS_TOKEN", ""), "require Authorization: Bearer <token> on the worker's /metrics (env RELMONGO_METRICS_TOKEN)")
	// Hidden: for the benchmark (tests/bench -profile-dir), not for operators.
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	return cmd
}

// checkMetricsListen applies the API's rule to the worker's metrics listener: beyond this machine
// only with a token. "" (metrics off) is fine.
func checkMetricsListen(addr, token string) error {
	if addr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("invalid --metrics-addr %q: %w (use host:port, e.g. 127.0.0.1:9478)", addr, err)
	}
	if checkListen(addr, token) != nil {
		return fmt.Errorf("refusing to serve worker metrics on %s without a token: set RELMONGO_METRICS_TOKEN (or --metrics-token), or listen on 127.0.0.1", addr)
	}
	return nil
}

// serveMetrics serves h on addr at /metrics until stop is called. The port is claimed before it
// returns, so a taken port fails the command at once.
func serveMetrics(addr string, h http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for metrics: %w (pick another --metrics-addr)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

// startCPUProfile profiles the process until the returned function is called (at a clean exit:
// the benchmark stops its workers with SIGINT).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
