package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/relmongo/relmongo/internal/logging"
	"github.com/relmongo/relmongo/internal/stack"
)

// devFlags are the flags of `relmongo dev` (also used by `relmongo demo`).
type devFlags struct {
	dataDir       string
	temporalPort  int
	uiPort        int
	apiAddr       string
	embeddedMongo bool
	mongoPort     int
	apiToken      string
	maxJobs       int
	legacyCodes   bool
	// testHooks accepts the test-only "testHooks" field of job requests (hidden flag: the
	// end-to-end tests that run the dev binary throttle jobs with it).
	testHooks bool
}

func defaultDataDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".relmongo"
	}
	return filepath.Join(home, ".relmongo", "dev")
}

func (f *devFlags) register(cmd *cobra.Command, embeddedMongoDefault bool) {
	cmd.Flags().StringVar(&f.dataDir, "data-dir", defaultDataDir(), "directory for Temporal's SQLite file, the metadata store, the secret key and embedded MongoDB data (kept across restarts)")
	cmd.Flags().IntVar(&f.temporalPort, "temporal-port", 7233, "port of the embedded Temporal frontend (127.0.0.1)")
	cmd.Flags().IntVar(&f.uiPort, "ui-port", 8233, "port of the Temporal Web UI (127.0.0.1)")
	cmd.Flags().StringVar(&f.apiAddr, "api-addr", "127.0.0.1:8278", "listen address of the REST API")
	cmd.Flags().BoolVar(&f.embeddedMongo, "embedded-mongo", embeddedMongoDefault, "also start an embedded MongoDB-compatible server (FerretDB, SQLite backend)")
	cmd.Flags().IntVar(&f.mongoPort, "mongo-port", 27017, "port of the embedded MongoDB-compatible server (127.0.0.1)")
	cmd.Flags().IntVar(&f.maxJobs, "max-concurrent-jobs", 0, "jobs in progress at once (0 = no limit; 1 = Relational Migrator's one job at a time); more -> 409")
	cmd.Flags().BoolVar(&f.legacyCodes, "rm-legacy-status-codes", false, "answer with Relational Migrator 1.13-1.18's status codes (440, 470, 400) for old scripts")
	cmd.Flags().BoolVar(&f.testHooks, "allow-test-hooks", false, "TEST ONLY: accept the testHooks field of job requests (throttling, injected faults)")
	_ = cmd.Flags().MarkHidden("allow-test-hooks")
	cmd.Flags().StringVar(&f.apiToken, "api-token", envOr("RELMONGO_API_TOKEN", ""), "require Authorization: Bearer <token> on the API; needed with a non-loopback --api-addr (env RELMONGO_API_TOKEN)")
}

func (f *devFlags) config() stack.Config {
	return stack.Config{DataDir: f.dataDir, TemporalPort: f.temporalPort, UIPort: f.uiPort, EmbeddedMongo: f.embeddedMongo, MongoPort: f.mongoPort, APIAddr: f.apiAddr, APIToken: f.apiToken,
		MaxConcurrentJobs: f.maxJobs, LegacyStatusCodes: f.legacyCodes, AllowTestHooks: f.testHooks}
}

func devCmd(g *globals) *cobra.Command {
	f := &devFlags{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run Temporal, its Web UI, the API and a worker in one process (data kept in --data-dir)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkListen(f.apiAddr, f.apiToken); err != nil {
				return err
			}
			cfg := f.config()
			log, err := g.logger(logging.FormatText)
			if err != nil {
				return err
			}
			cfg.Logger = log
			s, err := stack.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer s.Close()
			printEndpoints(cmd, s)
			fmt.Fprintln(cmd.OutOrStdout(), "Press Ctrl-C to stop.")
			<-cmd.Context().Done()
			fmt.Fprintln(cmd.OutOrStdout(), "Shutting down…")
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

func printEndpoints(cmd *cobra.Command, s *stack.Stack) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "relmongo API:     %s/api/v1\n", s.APIURL)
	fmt.Fprintf(out, "Temporal:         %s (namespace %s)\n", s.Dev.TemporalAddress(), s.Dev.Namespace())
	if u := s.Dev.UIURL(); u != "" {
		fmt.Fprintf(out, "Temporal Web UI:  %s\n", u)
	}
	if m := s.Dev.MongoURI(); m != "" {
		fmt.Fprintf(out, "Embedded MongoDB: %s (FerretDB; add a database name to the path)\n", m)
	}
}
