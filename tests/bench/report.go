package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// results is everything one run measured; bench.json is this struct.
type results struct {
	Timestamp    string         `json:"timestamp"`
	Commit       string         `json:"commit"`
	Dirty        bool           `json:"dirtyTree"`
	Machine      machine        `json:"machine"`
	Config       map[string]any `json:"config"`
	Source       sourceInfo     `json:"source"`
	ReadCeiling  *ceiling       `json:"readCeiling"`
	WriteCeiling *ceiling       `json:"writeCeiling"`
	Jobs         []jobResult    `json:"jobs"`
	Latency      *latencyResult `json:"oneRowLatency"`
	Ratios       []ratio        `json:"ratios"`
	TotalSeconds float64        `json:"totalSeconds"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
}

// ratio is a measured figure next to the target for it.
type ratio struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target string  `json:"target"`
	Met    bool    `json:"met"`
}

func newResults(cfg *config) *results {
	r := &results{
		Timestamp: time.Now().UTC().Format(time.RFC3339),
		Machine:   machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH},
		Config: map[string]any{"rows": cfg.rows, "orders": cfg.orders, "linesPerOrder": cfg.linesPerOrder,
			"ceilingSample": cfg.ceilingSample, "batchSizes": cfg.batchSizes, "concurrency": cfg.concurrency,
			"readStreams": cfg.readStreams, "jobOptions": cfg.jobOptions},
	}
	// Read-only git queries: results are compared across commits.
	if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		r.Commit = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
		r.Dirty = len(strings.TrimSpace(string(out))) > 0
	}
	return r
}

func (r *results) job(name string) *jobResult {
	for i := range r.Jobs {
		if r.Jobs[i].Name == name {
			return &r.Jobs[i]
		}
	}
	return nil
}

// finish computes the ratios the issue sets targets for.
func (r *results) finish(total time.Duration) {
	r.TotalSeconds = total.Seconds()
	flat, orders, discard := r.job("flat"), r.job("orders_embedded"), r.job("flat_discard")
	add := func(name string, v float64, target string, met bool) {
		r.Ratios = append(r.Ratios, ratio{Name: name, Value: v, Target: target, Met: met})
	}
	if flat != nil && r.WriteCeiling != nil {
		v := flat.RowsPerSec / r.WriteCeiling.headline().RowsPerSec
		add("flat job / write ceiling (rows/s)", v, ">= 0.8", v >= 0.8)
	}
	if discard != nil && r.ReadCeiling != nil {
		v := discard.RowsPerSec / r.ReadCeiling.headline().RowsPerSec
		add("discard job / read ceiling (rows/s)", v, ">= 0.5", v >= 0.5)
	}
	if flat != nil && orders != nil {
		v := orders.RowsPerSec / flat.RowsPerSec
		add("embedded / flat (source rows/s)", v, ">= 0.5", v >= 0.5)
	}
	for _, j := range r.Jobs {
		add("worker peak RSS MB, "+j.Name, j.WorkerPeakMB, "< 300", j.WorkerPeakMB < 300)
	}
	if r.Latency != nil {
		add("one-row job POST->COMPLETED s (median)", r.Latency.MedianSeconds, "< 1.5", r.Latency.MedianSeconds < 1.5)
	}
}

func (r *results) write(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the results: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// printReport prints the human-readable tables.
func printReport(out io.Writer, r *results) {
	commit := r.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if r.Dirty {
		commit += " (uncommitted changes)"
	}
	fmt.Fprintf(out, "\nrelmongo benchmark  %s  commit %s  %d CPUs  %s\n", r.Timestamp, commit, r.Machine.CPUs, r.Machine.GoVersion)
	fmt.Fprintf(out, "source: flat %d rows (%.0f B/row in PostgreSQL, %.1f MB as binary COPY); orders %d + order_lines %d rows (%.1f MB as binary COPY)\n\n",
		r.Source.FlatRows, r.Source.AvgFlatRowSize, float64(r.Source.FlatCopyBytes)/1e6, r.Source.Orders, r.Source.Lines,
		float64(r.Source.OrderCopyBytes+r.Source.LineCopyBytes)/1e6)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\trows\tseconds\trows/s\tMB/s\tworker peak RSS MB\tidle RSS MB\t")
	for _, t := range r.ReadCeiling.Trials {
		fmt.Fprintf(tw, "read ceiling: %s\t%d\t%.2f\t%.0f\t%.1f\t-\t-\t\n", t.Label, t.Rows, t.Seconds, t.RowsPerSec, t.MBPerSec)
	}
	for _, t := range r.WriteCeiling.trials() {
		fmt.Fprintf(tw, "write ceiling: %s\t%d\t%.2f\t%.0f\t%.1f\t-\t-\t\n", t.Label, t.Rows, t.Seconds, t.RowsPerSec, t.MBPerSec)
	}
	if f := r.WriteCeiling.final(); f != nil {
		fmt.Fprintf(tw, "write ceiling: %s\t%d\t%.2f\t%.0f\t%.1f\t-\t-\t\n", f.Label, f.Rows, f.Seconds, f.RowsPerSec, f.MBPerSec)
	}
	for _, j := range r.Jobs {
		fmt.Fprintf(tw, "job %s\t%d\t%.2f\t%.0f\t%.1f\t%.0f\t%.0f\t\n", j.Name, j.SourceRows, j.Seconds, j.RowsPerSec, j.MBPerSec,
			j.WorkerPeakMB, j.WorkerIdleMB)
	}
	tw.Flush()
	fmt.Fprintln(out, "MB/s: read ceiling and jobs = binary-COPY bytes of the source rows; write ceiling = BSON bytes. Job rows = root + embedded source rows.")
	if r.Latency != nil {
		fmt.Fprintf(out, "one-row job POST->COMPLETED: %s s (median %.3f, min %.3f)\n", fmtSecs(r.Latency.Seconds), r.Latency.MedianSeconds, r.Latency.MinSeconds)
	}
	fmt.Fprintf(out, "read ceiling used for ratios: %s (%.0f rows/s)\n", r.ReadCeiling.headline().Label, r.ReadCeiling.headline().RowsPerSec)
	if r.WriteCeiling != nil {
		fmt.Fprintf(out, "write ceiling used for ratios: %s (%.0f docs/s)\n", r.WriteCeiling.headline().Label, r.WriteCeiling.headline().RowsPerSec)
	}
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\ttarget\tmet")
	for _, x := range r.Ratios {
		met := "no"
		if x.Met {
			met = "yes"
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%s\t%s\n", x.Name, x.Value, x.Target, met)
	}
	tw.Flush()
	fmt.Fprintf(out, "\ntotal %.0fs\n", r.TotalSeconds)
}

func fmtSecs(s []float64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprintf("%.3f", v)
	}
	return strings.Join(parts, ", ")
}
