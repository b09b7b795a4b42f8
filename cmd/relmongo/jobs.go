package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/cliview"
)

// jobsCmd is `relmongo jobs …`: the job endpoints of the REST API.
func jobsCmd() *cobra.Command {
	cmd := groupCmd("jobs", "Start, list, watch and control migration jobs through the REST API")
	cmd.Long = "Start, list, watch and control migration jobs through the REST API (docs/API.md).\n\n" + exitCodesHelp
	f := addAPIFlags(cmd, true)
	cmd.AddCommand(jobsStartCmd(f), jobsListCmd(f), jobsShowCmd(f), jobsWatchCmd(f), jobsLogsCmd(f),
		jobsControlCmd(f, "pause", "Pause a job: no new chunk starts, chunks in flight finish"),
		jobsControlCmd(f, "resume", "Resume a paused job from its next unfinished chunk"),
		jobsControlCmd(f, "stop", "Stop a job for good (it ends CANCELLED; data written so far stays)"),
	)
	return cmd
}

func jobsStartCmd(f *apiFlags) *cobra.Command {
	var sf startFlags
	var wf watchFlags
	cmd := &cobra.Command{
		Use:   "start [-f request.json] [--project P --source-url URL --target URI ...] [--watch]",
		Short: "Start a job from a request file and/or flags; prints its id",
		Long: `Start a migration job (POST /api/v1/jobs). The request is the file given with -f (a job
create request of docs/API.md; - reads standard input), with the flags laid over it. Without a file
the flags alone make the request: --project, --source-url and --target are then required; the
source type follows from the URL, the mode is SNAPSHOT and verification is off unless told.

The source password is never a flag (it would show in the process list and shell history): it is
read from RELMONGO_SOURCE_PASSWORD, or from standard input with --source-password-stdin (without
echo on a terminal).

Prints the job id (--output json: the job status object). With --watch, goes on as 'jobs watch'.

` + exitCodesHelp,
		Example: `  relmongo jobs start --project chinook --source-url postgres://postgres@127.0.0.1:5432/chinook \
    --target mongodb://127.0.0.1:27017/chinook --drop --watch
  relmongo jobs start -f request.json --error-handling WARN`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			c := f.client()
			req, err := startRequest(cmd, c, sf)
			if err != nil {
				return err
			}
			job, err := c.CreateJob(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("starting the job: %w", err)
			}
			out := cmd.OutOrStdout()
			if sf.watch {
				fmt.Fprintf(cmd.ErrOrStderr(), "started job %s\n", job.ID)
				return watchJob(cmd.Context(), out, c, job.ID, asJSON, wf)
			}
			if asJSON {
				return printJSON(out, job)
			}
			_, err = fmt.Fprintln(out, job.ID)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&sf.file, "file", "f", "", "job create request (docs/API.md) to start from, or - for standard input")
	fl.StringVar(&sf.project, "project", "", "the project's id or name")
	fl.StringVar(&sf.sourceURL, "source-url", "", "source database URL (jdbc:postgresql://…, postgres://…, sqlserver://…, sqlite:///path)")
	fl.StringVar(&sf.sourceType, "source-type", "", "POSTGRESQL, SQL_SERVER or SQLITE (default: from the URL)")
	fl.StringVar(&sf.sourceUser, "source-user", "", "source database user")
	fl.BoolVar(&sf.passwordStdin, "source-password-stdin", false, "read the source password from standard input (else env RELMONGO_SOURCE_PASSWORD)")
	fl.StringVar(&sf.target, "target", "", "MongoDB connection string naming the target database (mongodb://host:27017/db)")
	fl.BoolVar(&sf.verify, "verify", false, "verify the documents after the copy")
	fl.BoolVar(&sf.drop, "drop", false, "drop the target collections first (options.dropCollections)")
	fl.StringVar(&sf.errorHandling, "error-handling", "", "what a record error does: FAIL, WARN or SKIP (default FAIL)")
	fl.Int64Var(&sf.errorTolerance, "error-tolerance", 0, "record errors tolerated under FAIL before the job fails")
	fl.StringVar(&sf.timeZone, "source-time-zone", "", "IANA time zone of the source's zoneless timestamps (default UTC)")
	fl.StringSliceVar(&sf.collections, "collections", nil, "migrate only these collections (comma-separated)")
	fl.StringArrayVar(&sf.where, "where", nil, "row filter schema.table=SQL (repeatable), e.g. --where 'public.invoice=total > 10'")
	fl.BoolVar(&sf.watch, "watch", false, "watch the job until it ends (exit code as jobs watch)")
	wf.register(cmd)
	return cmd
}

// startRequest builds the job create request of `jobs start` from its file and flags.
func startRequest(cmd *cobra.Command, c *apiclient.Client, sf startFlags) (map[string]any, error) {
	var base map[string]any
	if sf.file != "" {
		if sf.file == "-" && sf.passwordStdin {
			return nil, usageErrorf("-f - and --source-password-stdin both read standard input: put the request in a file or the password in RELMONGO_SOURCE_PASSWORD")
		}
		data, err := readInput(cmd, sf.file)
		if err != nil {
			return nil, err
		}
		if base, err = decodeRequestFile(sf.file, data); err != nil {
			return nil, err
		}
	}
	changed := cmd.Flags().Changed
	o := requestOverlay{sourceURL: sf.sourceURL, sourceType: sf.sourceType, sourceUser: sf.sourceUser, target: sf.target,
		errorHandling: sf.errorHandling, timeZone: sf.timeZone, collections: sf.collections, where: sf.where}
	if changed("verify") {
		o.verify = &sf.verify
	}
	if changed("drop") {
		o.drop = &sf.drop
	}
	if changed("error-tolerance") {
		o.errorTolerance = &sf.errorTolerance
	}
	if sf.project != "" {
		p, err := resolveProject(cmd.Context(), c, sf.project)
		if err != nil {
			return nil, err
		}
		o.projectID = p.ID
	}
	switch {
	case sf.passwordStdin:
		pw, err := readPassword(cmd)
		if err != nil {
			return nil, err
		}
		o.password = &pw
	case os.Getenv("RELMONGO_SOURCE_PASSWORD") != "":
		pw := os.Getenv("RELMONGO_SOURCE_PASSWORD")
		o.password = &pw
	}
	return buildJobRequest(base, o)
}

// readPassword reads the source password from standard input: without echo from a terminal, else
// its first line.
func readPassword(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "source password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", usageErrorf("reading the source password: %v", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", usageErrorf("reading the source password from standard input: %v", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func jobsListCmd(f *apiFlags) *cobra.Command {
	var opts apiclient.JobListOptions
	var project string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			if opts.Limit < 0 {
				return usageErrorf("--limit must be >= 0")
			}
			c := f.client()
			ctx := cmd.Context()
			if project != "" {
				p, err := resolveProject(ctx, c, project)
				if err != nil {
					return err
				}
				opts.ProjectID = p.ID
			}
			jobs, err := c.ListJobs(ctx, opts)
			if err != nil {
				return fmt.Errorf("listing jobs: %w", err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), jobs)
			}
			names := map[string]string{}
			if ps, err := c.ListProjects(ctx); err == nil {
				for _, p := range ps {
					names[p.ID] = p.Name
				}
			}
			return cliview.JobsTable(cmd.OutOrStdout(), jobs, names)
		},
	}
	cmd.Flags().StringVar(&opts.Sort, "sort", "", "order: submittedAt,DESC (default), submittedAt,ASC, status,ASC or status,DESC")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "at most this many jobs (0: all)")
	cmd.Flags().BoolVar(&opts.InProgress, "in-progress", false, "only jobs not finished (NOT_STARTED, RUNNING, PAUSED, CANCELLING, CLEANING_UP)")
	cmd.Flags().StringVar(&project, "project", "", "only the jobs of this project (id or name)")
	return cmd
}

func jobsShowCmd(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show JOB_ID",
		Short: "Show a job: status, figures, failure and per-collection progress",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			c := f.client()
			job, err := c.GetJob(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), job)
			}
			tables, err := c.JobTables(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return cliview.JobDetails(cmd.OutOrStdout(), job, tables)
		},
	}
}

func jobsControlCmd(f *apiFlags, action, short string) *cobra.Command {
	return &cobra.Command{
		Use:   action + " JOB_ID",
		Short: short,
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			job, err := f.client().ControlJob(cmd.Context(), args[0], action)
			if err != nil {
				return fmt.Errorf("%s job %s: %w", action, args[0], err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), job)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "job %s: %s\n", job.ID, job.Status)
			return err
		},
	}
}

func jobsLogsCmd(f *apiFlags) *cobra.Command {
	var opts apiclient.LogOptions
	var follow bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "logs JOB_ID",
		Short: "Print a job's events (oldest first; --output json keeps the API's newest-first order)",
		Long: `Print a job's events: its progress, warnings and record errors (GET /api/v1/jobs/ID/logs).
--limit and --offset page from the newest event, as the API does; the page is printed oldest
first, like a log file. --follow prints new events as they come until the job ends (with
--output json, one event per line).`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			if opts.Limit < 0 || opts.Offset < 0 {
				return usageErrorf("--limit and --offset must be >= 0")
			}
			opts.EventType = strings.ToUpper(opts.EventType)
			c := f.client()
			out := cmd.OutOrStdout()
			if follow {
				return followLogs(cmd.Context(), out, c, args[0], opts.EventType, asJSON, every)
			}
			evs, err := c.JobLogs(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(out, evs)
			}
			slices.Reverse(evs)
			return cliview.EventsTable(out, evs)
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "at most this many events, the newest (default: the API's 1000)")
	cmd.Flags().IntVar(&opts.Offset, "offset", 0, "skip this many of the newest events")
	cmd.Flags().StringVar(&opts.EventType, "type", "", "only ERROR, WARNING or INFO events")
	cmd.Flags().BoolVar(&follow, "follow", false, "keep printing new events until the job ends")
	cmd.Flags().DurationVar(&every, "interval", 2*time.Second, "how often --follow polls the API")
	return cmd
}

// followLogs prints a job's events oldest first and then new ones as they arrive, until the job
// ends. The API pages from the newest event and events are only ever appended, so each poll reads
// the whole log in one request and prints what lies past the events already printed.
func followLogs(ctx context.Context, out io.Writer, c *apiclient.Client, id, eventType string, asJSON bool, every time.Duration) error {
	printed := 0
	if !asJSON {
		fmt.Fprintln(out, cliview.EventHeader)
	}
	for {
		job, err := c.GetJob(ctx, id)
		if err != nil {
			return err
		}
		evs, err := c.JobLogs(ctx, id, apiclient.LogOptions{Limit: max(1000, 2*printed+1000), EventType: eventType})
		if err != nil {
			return err
		}
		slices.Reverse(evs)
		for _, e := range evs[min(printed, len(evs)):] {
			if asJSON {
				if err := printCompactJSON(out, e); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(out, cliview.EventLine(e))
			}
		}
		printed = max(printed, len(evs))
		// The job's status was read before its events, so a terminal job's last events are in.
		if job.Terminal() {
			return nil
		}
		select {
		case <-ctx.Done():
			return &exitError{code: exitInterrupted, err: fmt.Errorf("stopped following the log of job %s", id)}
		case <-time.After(every):
		}
	}
}
