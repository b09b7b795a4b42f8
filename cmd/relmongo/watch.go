package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/cliview"
)

// watchFlags tune `jobs watch` (and `jobs start --watch`).
type watchFlags struct {
	interval   time.Duration
	plainEvery time.Duration
}

func (w *watchFlags) register(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&w.interval, "interval", time.Second, "how often to poll the API for progress")
	cmd.Flags().DurationVar(&w.plainEvery, "plain-every", 5*time.Second, "when the output is not a terminal, print progress at most this often (and on every status change)")
}

func jobsWatchCmd(f *apiFlags) *cobra.Command {
	var wf watchFlags
	cmd := &cobra.Command{
		Use:   "watch JOB_ID",
		Short: "Show a job's live progress per collection until it ends; the exit code tells how it ended",
		Long: `Show a job's live progress until it ends, then a summary per collection.

On a terminal: a status line and one bar per collection (rows read / estimated, rows per second,
ETA), redrawn in place. Otherwise (a pipe, a file, CI): plain lines, at most every --plain-every
and at every status change. --output json prints only the final job status object.

Ctrl-C stops watching only: the job keeps running (stop it with 'relmongo jobs stop JOB_ID').

` + exitCodesHelp,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			return watchJob(cmd.Context(), cmd.OutOrStdout(), f.client(), args[0], asJSON, wf)
		},
	}
	wf.register(cmd)
	return cmd
}

// unreachableGrace is how long watching tolerates an API that does not answer (a restart of
// `relmongo api` while a long job runs) before giving up.
const unreachableGrace = 30 * time.Second

// watchJob polls a job and its per-collection progress until the job ends, drawing the progress
// on out; the returned error carries the exit code of the job's end.
func watchJob(ctx context.Context, out io.Writer, c *apiclient.Client, id string, asJSON bool, wf watchFlags) error {
	if wf.interval <= 0 {
		return usageErrorf("--interval must be positive")
	}
	width, tty := terminalWidth(out)
	tracker := &cliview.Tracker{}
	plain := &cliview.PlainLog{Every: wf.plainEvery}
	redraw := &cliview.Redrawer{W: out}
	var failingSince time.Time
	for {
		job, tables, err := pollJob(ctx, c, id)
		var ue *apiclient.UnreachableError
		switch {
		case ctx.Err() != nil:
			return stoppedWatching(id)
		case errors.As(err, &ue) && (failingSince.IsZero() || time.Since(failingSince) < unreachableGrace):
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
		case err != nil:
			return err
		default:
			failingSince = time.Time{}
			now := time.Now()
			views := tracker.Update(now, tables)
			status := cliview.StatusLine(job.ID, job.Status, job.VerificationText(), views, time.Duration(job.Statistics.ElapsedSeconds)*time.Second)
			switch {
			case asJSON:
			case tty:
				if w, ok := terminalWidth(out); ok {
					width = w
				}
				if err := redraw.Draw(cliview.TerminalLines(status, views, width)); err != nil {
					return err
				}
			default:
				for _, l := range plain.Block(now, job.Status, status, views) {
					fmt.Fprintln(out, l)
				}
			}
			if job.Terminal() {
				return finishWatch(out, job, tables, asJSON)
			}
		}
		select {
		case <-ctx.Done():
			return stoppedWatching(id)
		case <-time.After(wf.interval):
		}
	}
}

// pollJob reads a job's status and its per-collection progress.
func pollJob(ctx context.Context, c *apiclient.Client, id string) (*apiclient.Job, *apiclient.JobTables, error) {
	tables, err := c.JobTables(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	// The status is read second: when it says the job ended, the counters read before are final
	// too (a job ends after its collections).
	job, err := c.GetJob(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if job.Terminal() {
		if tables, err = c.JobTables(ctx, id); err != nil {
			return nil, nil, err
		}
	}
	return job, tables, nil
}

// finishWatch prints the end of a watched job and returns the error that carries its exit code.
func finishWatch(out io.Writer, job *apiclient.Job, tables *apiclient.JobTables, asJSON bool) error {
	var err error
	if asJSON {
		err = printJSON(out, job)
	} else {
		fmt.Fprintln(out)
		err = cliview.Summary(out, job, tables)
	}
	if err != nil {
		return err
	}
	switch job.Status {
	case "COMPLETED":
		switch v := job.Metadata.VerificationStatus; v {
		case "FAILED", "ABORTED":
			// The copy finished but the check did not pass: scripts must not take it for success.
			return &exitError{code: exitVerification, err: fmt.Errorf("job %s COMPLETED but its verification %s: see relmongo jobs logs %s --type ERROR", job.ID, v, job.ID)}
		}
		return nil
	case "CANCELLED":
		return &exitError{code: exitCancelled, err: fmt.Errorf("job %s was CANCELLED", job.ID)}
	}
	msg := "no failure recorded"
	if fe := job.FailureError; fe != nil {
		msg = fe.ErrorType + ": " + fe.Message
		if fe.FailedLocation != "" {
			msg += " (" + fe.FailedLocationType + " " + fe.FailedLocation + ")"
		}
	}
	return &exitError{code: exitFailed, err: fmt.Errorf("job %s FAILED: %s", job.ID, msg)}
}

// stoppedWatching ends a watch interrupted by Ctrl-C: the job itself goes on.
func stoppedWatching(id string) error {
	return &exitError{code: exitInterrupted,
		err: fmt.Errorf("stopped watching job %s; it keeps running (`relmongo jobs stop %s` stops it)", id, id)}
}

// printCompactJSON prints v as one line of JSON.
func printCompactJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
