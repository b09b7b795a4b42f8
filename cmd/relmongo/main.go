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
	logLevel string
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
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.AddCommand(devCmd(g), apiCmd(g), workerCmd(g), demoCmd(g), jobsCmd(), projectsCmd(), schedulesCmd())
	return root
}

func (g *globals) logger() *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(g.logLevel)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
