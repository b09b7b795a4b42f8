package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// benchRows is the size of the table the pipeline benchmarks read on every iteration.
const benchRows = 50_000

// BenchmarkFlatPipeline measures the per-row cost of a chunk read of the benchmark's flat table
// (tests/bench: ~200 bytes a row, numeric read as STRING) in process, without Temporal or a
// target: "read" is ReadRange alone (pgx + codecs), "build" adds the documents CopyChunk
// assembles. Allocation counts are per table pass; divide by benchRows for a row. Run it with
// -benchmem and -cpuprofile to see where a chunk's time goes.
func BenchmarkFlatPipeline(b *testing.B) {
	url := testDB(b, "")
	execAll(b, url,
		`CREATE TABLE flat (id integer NOT NULL, name text NOT NULL, descr text NOT NULL, amount numeric(14,4) NOT NULL,
			created_at timestamptz NOT NULL, active boolean NOT NULL, note text, qty integer, ratio double precision)`,
		fmt.Sprintf(`INSERT INTO flat SELECT i, 'name-' || i, repeat(md5(i::text), 3), round((i %% 1000003) / 7.0, 4),
			timestamptz '2020-01-01 00:00:00+00' + i * interval '17 seconds', i %% 2 = 0,
			CASE WHEN i %% 3 = 0 THEN NULL ELSE md5((i * 7)::text) END,
			CASE WHEN i %% 5 = 0 THEN NULL ELSE i %% 1000 END,
			CASE WHEN i %% 7 = 0 THEN NULL ELSE i / 3.0 END
			FROM generate_series(1, %d) AS i`, benchRows),
		`ALTER TABLE flat ADD PRIMARY KEY (id)`, `VACUUM ANALYZE flat`)
	ctx := context.Background()
	src, err := Open(ctx, url, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	cat, err := src.Introspect(ctx, []string{"public"})
	if err != nil {
		b.Fatal(err)
	}
	var p project.Project
	if err := json.Unmarshal([]byte(`{"version":1,"name":"bench","source":{"type":"POSTGRESQL","schemas":["public"]},
		"settings":{"keyHandling":"SINGLE","casing":"KEEP","nullHandling":"INCLUDE"},
		"collections":[{"name":"flat","table":{"schema":"public","name":"flat"},"fields":{"amount":{"type":"STRING"}}}]}`), &p); err != nil {
		b.Fatal(err)
	}
	plans, problems := project.Resolve(&p, cat, nil, nil)
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	plan := &plans[0]
	// FerretDB's limits: the benchmark's target, and every check on.
	limits := convert.TargetLimits{NoDecimal128: true, NoNaNInf: true, NoNestedArrays: true, NoNULInStrings: true,
		NoDottedOrDollarKeys: true, NoNegativeZero: true}
	pass := func(b *testing.B, fn func(source.Row) error) {
		snap, err := src.Snapshot(ctx, source.SnapshotOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer snap.Close(ctx) //nolint:errcheck // read-only
		n := 0
		if err := snap.ReadRange(ctx, plan.Root, nil, nil, func(r source.Row) error { n++; return fn(r) }); err != nil {
			b.Fatal(err)
		}
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	report := func(b *testing.B, start time.Time) {
		b.ReportMetric(float64(benchRows*b.N)/time.Since(start).Seconds(), "rows/s")
	}
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for range b.N {
			pass(b, func(source.Row) error { return nil })
		}
		report(b, start)
	})
	b.Run("build", func(b *testing.B) {
		builder, err := assemble.New(plan, convert.Options{Location: time.UTC}, limits)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		start := time.Now()
		bytes := 0
		for range b.N {
			pass(b, func(r source.Row) error {
				doc, rerr := builder.Build(r)
				if rerr != nil {
					return rerr
				}
				bytes += len(doc)
				return nil
			})
		}
		report(b, start)
		b.ReportMetric(float64(bytes)/float64(benchRows*b.N), "docB/row")
	})
}
