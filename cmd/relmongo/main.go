// Command relmongo migrates relational databases into MongoDB as documents shaped by mapping
// rules, with every job a durable Temporal workflow. See README.md.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	_ "time/tzdata" // time zones from the embedded tz database, never the host's

	"github.com/relmongo/relmongo/internal/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "relmongo:", describeError(err))
		stop()
		os.Exit(exitCode(err))
	}
}

// globals are flags every subcommand shares.
type globals struct {
	logLevel  string
	logFormat string
}

func rootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "relmongo",
		Short:         "Durable relational-to-MongoDB migrations on Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageErrorf("%v; see %s --help", err, cmd.CommandPath())
	})
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", envOr("RELMONGO_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env RELMONGO_LOG_LEVEL)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", envOr("RELMONGO_LOG_FORMAT", ""), "log format: json (one object per line; the default of api and worker) or text (the default of dev and demo) (env RELMONGO_LOG_FORMAT)")
	root.AddCommand(devCmd(g), apiCmd(g), workerCmd(g), demoCmd(g), jobsCmd(), projectsCmd(), schedulesCmd())
	return root
}

// logger builds the process's logger on stderr; defaultFormat applies when --log-format is not
// given: json for the production processes (api, worker), whose logs a collector reads, text for
// dev and demo, which a human reads.
func (g *globals) logger(defaultFormat string) (*slog.Logger, error) {
	format := g.logFormat
	if format == "" {
		format = defaultFormat
	}
	return logging.New(os.Stderr, g.logLevel, format)
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
