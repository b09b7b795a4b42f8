package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// trial is one measured pass of a ceiling.
type trial struct {
	Label       string  `json:"label"`
	Streams     int     `json:"streams,omitempty"`     // read: parallel COPY connections
	BatchSize   int     `json:"batchSize,omitempty"`   // write: documents per insertMany
	Concurrency int     `json:"concurrency,omitempty"` // write: concurrent insertMany callers
	Rows        int64   `json:"rows"`
	Bytes       int64   `json:"bytes"` // read: COPY bytes; write: BSON bytes
	Seconds     float64 `json:"seconds"`
	RowsPerSec  float64 `json:"rowsPerSec"`
	MBPerSec    float64 `json:"mbPerSec"`
}

func (t *trial) rates() {
	if t.Seconds > 0 {
		t.RowsPerSec = float64(t.Rows) / t.Seconds
		t.MBPerSec = float64(t.Bytes) / 1e6 / t.Seconds
	}
}

// ceiling is a set of trials; Best is the fastest (rows/s) and is the ceiling reported.
type ceiling struct {
	Trials []trial `json:"trials"`
	Best   trial   `json:"best"`
	// Final is the best configuration rerun on the full table (write ceiling only): the figure
	// the job is compared with, so both wrote the same number of documents into a growing store.
	Final *trial `json:"final,omitempty"`
}

func (c *ceiling) add(t trial) {
	c.Trials = append(c.Trials, t)
	if t.RowsPerSec > c.Best.RowsPerSec {
		c.Best = t
	}
}

// trials returns the trials of a ceiling that may not have been measured (nil).
func (c *ceiling) trials() []trial {
	if c == nil {
		return nil
	}
	return c.Trials
}

// final returns the full-size rerun of a ceiling that may not have been measured (nil).
func (c *ceiling) final() *trial {
	if c == nil {
		return nil
	}
	return c.Final
}

// headline is the figure ratios use: the full-size rerun when there is one.
func (c *ceiling) headline() trial {
	if c.Final != nil {
		return *c.Final
	}
	return c.Best
}

func parseInts(flagName, s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive integer (use a comma-separated list such as 1,2,4)", flagName, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// flatDoc builds the document relmongo writes for flat row i (same generator as the SQL:
// SINGLE key -> _id, numeric overridden to STRING, timestamptz -> date, NULLs included).
func flatDoc(i int) (bson.Raw, error) {
	d := bson.D{
		{Key: "_id", Value: int32(i)},
		{Key: "name", Value: "name-" + strconv.Itoa(i)},
		{Key: "descr", Value: strings.Repeat(fmt.Sprintf("%032x", uint64(i)*0x9E3779B97F4A7C15), 3)[:96]},
		{Key: "amount", Value: strconv.FormatFloat(float64(i%1000003)/7.0, 'f', 4, 64)},
		{Key: "created_at", Value: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Second)},
		{Key: "active", Value: i%2 == 0},
	}
	if i%3 == 0 {
		d = append(d, bson.E{Key: "note", Value: nil})
	} else {
		d = append(d, bson.E{Key: "note", Value: fmt.Sprintf("%032x", uint64(i)*7)})
	}
	if i%5 == 0 {
		d = append(d, bson.E{Key: "qty", Value: nil})
	} else {
		d = append(d, bson.E{Key: "qty", Value: int32(i % 1000)})
	}
	if i%7 == 0 {
		d = append(d, bson.E{Key: "ratio", Value: nil})
	} else {
		d = append(d, bson.E{Key: "ratio", Value: float64(i) / 3.0})
	}
	raw, err := bson.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("marshalling benchmark document %d: %w", i, err)
	}
	return raw, nil
}

// buildDocs pre-builds n documents, batched, before any clock starts.
func buildDocs(n, batch int) (batches [][]any, bytes int64, err error) {
	for lo := 1; lo <= n; lo += batch {
		hi := min(lo+batch, n+1)
		b := make([]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			raw, err := flatDoc(i)
			if err != nil {
				return nil, 0, err
			}
			bytes += int64(len(raw))
			b = append(b, raw)
		}
		batches = append(batches, b)
	}
	return batches, bytes, nil
}

// insertTrial writes n pre-built documents into a fresh collection with unordered insertMany,
// conc callers at once, and drops the collection afterwards.
func insertTrial(ctx context.Context, db *mongo.Database, n, batch, conc int) (trial, error) {
	batches, bytes, err := buildDocs(n, batch)
	if err != nil {
		return trial{}, err
	}
	coll := db.Collection(fmt.Sprintf("ceiling_%d_%d_%d", n, batch, conc))
	_ = coll.Drop(ctx)
	defer coll.Drop(context.Background()) //nolint:errcheck // best effort: the stack's data dir is removed anyway
	work := make(chan []any)
	errc := make(chan error, conc)
	var wg sync.WaitGroup
	opts := options.InsertMany().SetOrdered(false)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if _, err := coll.InsertMany(ctx, b, opts); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var failed error
feed:
	for _, b := range batches {
		select {
		case work <- b:
		case failed = <-errc:
			break feed
		}
	}
	close(work)
	wg.Wait()
	secs := time.Since(start).Seconds()
	if failed == nil {
		select {
		case failed = <-errc:
		default:
		}
	}
	if failed != nil {
		return trial{}, fmt.Errorf("insertMany (batch %d, concurrency %d): %w", batch, conc, failed)
	}
	got, err := coll.EstimatedDocumentCount(ctx)
	if err != nil {
		return trial{}, fmt.Errorf("counting the ceiling documents: %w", err)
	}
	if got != int64(n) {
		return trial{}, fmt.Errorf("write ceiling wrote %d documents, expected %d", got, n)
	}
	t := trial{Label: fmt.Sprintf("batch %d x %d caller(s)", batch, conc), BatchSize: batch, Concurrency: conc,
		Rows: int64(n), Bytes: bytes, Seconds: secs}
	t.rates()
	return t, nil
}

// writeCeiling sweeps batch size x concurrency on a sample, then reruns the best on the full
// row count (the same number of documents the flat job writes).
func writeCeiling(ctx context.Context, cfg *config, mc *mongo.Client) (*ceiling, error) {
	db := mc.Database("bench_ceiling")
	defer db.Drop(context.Background()) //nolint:errcheck // best effort cleanup
	c := &ceiling{}
	for _, b := range cfg.batchSizes {
		for _, k := range cfg.concurrency {
			t, err := insertTrial(ctx, db, cfg.ceilingSample, b, k)
			if err != nil {
				return nil, err
			}
			progress("  write %-22s %10.0f docs/s %8.1f MB/s (%d docs)", t.Label, t.RowsPerSec, t.MBPerSec, t.Rows)
			c.add(t)
		}
	}
	if cfg.rows > cfg.ceilingSample {
		t, err := insertTrial(ctx, db, cfg.rows, c.Best.BatchSize, c.Best.Concurrency)
		if err != nil {
			return nil, err
		}
		t.Label += " (full)"
		progress("  write %-22s %10.0f docs/s %8.1f MB/s (%d docs)", t.Label, t.RowsPerSec, t.MBPerSec, t.Rows)
		c.Final = &t
	}
	return c, nil
}
