// Command bench measures relmongo against the ceilings of this machine in one run (issue 8):
// it generates source tables in PostgreSQL, measures the read ceiling (binary COPY through pgx)
// and the write ceiling (unordered insertMany of pre-built documents into the embedded FerretDB),
// then runs relmongo jobs through the REST API of an in-process stack whose jobs execute in a
// separate `relmongo worker` process, so that process's peak RSS is the worker's alone.
//
// Run it with `make bench` or `go run ./tests/bench -rows 200000 -orders 40000` for a quick
// run. It prints a table and writes bench.json so results can be compared across commits. It
// measures; it never fails because a target is missed (the table says which targets hold).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// config holds the command-line flags.
type config struct {
	rows          int
	orders        int
	linesPerOrder int
	pgURL         string
	dbName        string
	keepDB        bool
	bin           string
	out           string
	ceilingSample int
	batchSizes    []int
	concurrency   []int
	readStreams   []int
	latencyRuns   int
	jobTimeout    time.Duration
	jobOptions    string
	profileDir    string
	only          []string // job names to run; empty = all
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench failed:", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&c.rows, "rows", 1_000_000, "rows of the flat source table")
	fs.IntVar(&c.orders, "orders", 200_000, "rows of the orders table (each with -lines order lines)")
	fs.IntVar(&c.linesPerOrder, "lines", 5, "order lines per order")
	fs.StringVar(&c.pgURL, "pg", envOr("RELMONGO_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL admin connection string (env RELMONGO_TEST_PG_URL); the benchmark creates and drops its own database")
	fs.StringVar(&c.dbName, "db", "relmongo_bench", "source database to (re)create; it is dropped at the end")
	fs.BoolVar(&c.keepDB, "keep-db", false, "keep the source database at the end (reruns still recreate it)")
	fs.StringVar(&c.bin, "bin", "", "relmongo binary for the worker process (\"\" = go build ./cmd/relmongo into a temporary directory)")
	fs.StringVar(&c.out, "out", "bench.json", "where to write the JSON results")
	fs.IntVar(&c.ceilingSample, "ceiling-sample", 100_000, "documents per write-ceiling trial in the batch size x concurrency sweep (the best is then rerun on -rows documents)")
	batches := fs.String("batch-sizes", "500,1000,5000", "insertMany batch sizes tried for the write ceiling")
	conc := fs.String("concurrency", "1,2,4", "concurrent insertMany callers tried for the write ceiling")
	streams := fs.String("read-streams", "1,2,4", "parallel COPY streams (key ranges) tried for the read ceiling")
	fs.IntVar(&c.latencyRuns, "latency-runs", 3, "one-row jobs run to measure POST->COMPLETED latency")
	fs.DurationVar(&c.jobTimeout, "job-timeout", 30*time.Minute, "longest a single job may run")
	fs.StringVar(&c.jobOptions, "job-options", "", "extra JSON merged into every job's options, e.g. '{\"chunkRows\":20000}'")
	fs.StringVar(&c.profileDir, "profile-dir", "", "write a CPU profile of each job's worker process here (worker-<job>.pprof)")
	only := fs.String("only", "", "comma-separated jobs to run (flat, orders_embedded, flat_discard; default all); without flat the write ceiling is skipped")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for name := range strings.SplitSeq(*only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			c.only = append(c.only, name)
		}
	}
	var err error
	if c.batchSizes, err = parseInts("-batch-sizes", *batches); err != nil {
		return nil, err
	}
	if c.concurrency, err = parseInts("-concurrency", *conc); err != nil {
		return nil, err
	}
	if c.readStreams, err = parseInts("-read-streams", *streams); err != nil {
		return nil, err
	}
	switch {
	case c.rows < 1 || c.orders < 1 || c.linesPerOrder < 1:
		return nil, errors.New("-rows, -orders and -lines must be at least 1")
	case c.ceilingSample < 1:
		return nil, errors.New("-ceiling-sample must be at least 1")
	case c.latencyRuns < 1:
		return nil, errors.New("-latency-runs must be at least 1")
	}
	c.ceilingSample = min(c.ceilingSample, c.rows)
	return c, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run executes the whole benchmark and always tears down what it started.
func run(ctx context.Context, cfg *config) (err error) {
	started := time.Now()
	tmp, err := os.MkdirTemp("", "relmongo-bench-")
	if err != nil {
		return fmt.Errorf("creating a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	res := newResults(cfg)
	progress("relmongo benchmark: %d flat rows, %d orders x %d lines (temporary files in %s)", cfg.rows, cfg.orders, cfg.linesPerOrder, tmp)

	bin := cfg.bin
	if bin == "" {
		progress("building the relmongo binary")
		if bin, err = buildRelmongo(ctx, tmp); err != nil {
			return err
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return fmt.Errorf("resolving -bin: %w", err)
	}

	src, err := createSource(ctx, cfg)
	if err != nil {
		return err
	}
	if !cfg.keepDB {
		defer func() {
			if derr := src.drop(); derr != nil {
				err = errors.Join(err, derr)
			}
		}()
	}
	defer src.close()
	progress("measuring the read ceiling (binary COPY)")
	if res.ReadCeiling, err = readCeiling(ctx, cfg, src); err != nil {
		return err
	}
	res.Source = src.info // after readCeiling, which records the COPY size of every table

	progress("starting the stack (embedded Temporal + FerretDB + API, no in-process worker)")
	logPath := filepath.Join(tmp, "stack.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("creating the stack log: %w", err)
	}
	defer logFile.Close()
	b, err := startBench(ctx, filepath.Join(tmp, "stack"), bin, slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer b.close()

	if cfg.runs("flat") {
		progress("measuring the write ceiling (unordered insertMany into the embedded FerretDB)")
		if res.WriteCeiling, err = writeCeiling(ctx, cfg, b.mongo); err != nil {
			return err
		}
	}

	if err = runJobs(ctx, cfg, b, src, res); err != nil {
		tailLog(os.Stderr, logPath)
		return err
	}
	res.finish(time.Since(started))
	printReport(os.Stdout, res)
	if err := res.write(cfg.out); err != nil {
		return err
	}
	progress("wrote %s", cfg.out)
	return nil
}

// runs reports whether the job named name is selected by -only.
func (c *config) runs(name string) bool {
	return len(c.only) == 0 || slices.Contains(c.only, name)
}

// progress prints a timestamped line to stderr so the report on stdout stays clean.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// tailLog copies the end of a log file to w, to explain a failure.
func tailLog(w io.Writer, path string) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return
	}
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	fmt.Fprintf(w, "--- end of %s ---\n%s\n", path, data)
}
