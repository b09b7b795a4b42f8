package tests

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/source/postgres"
)

// countingTracer counts the SELECT statements a pool runs.
type countingTracer struct{ selects atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(strings.TrimSpace(d.SQL), "SELECT") {
		c.selects.Add(1)
	}
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestOneQueryPerEmbeddedTablePerChunk: copying a chunk of invoices (customer{}, lines[] with
// track{album{artist{}}, genre{}, mediaType{}}) issues one query for the root range and one per
// embedded table, whatever the chunk size — never one query per row.
func TestOneQueryPerEmbeddedTablePerChunk(t *testing.T) {
	t.Parallel()
	_, srcURL := chinookDB(t)
	ctx := context.Background()
	tracer := &countingTracer{}
	src, err := postgres.Open(ctx, srcURL, 2, postgres.WithTracer(tracer))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var p project.Project
	if err := json.Unmarshal(chinook.PostgresProject(), &p); err != nil {
		t.Fatal(err)
	}
	cat, err := src.Introspect(ctx, []string{"public"})
	if err != nil {
		t.Fatal(err)
	}
	plans, problems := project.Resolve(&p, cat, []string{"invoices"}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	plan := plans[0]
	const embeddedTables = 7 // customer, invoice_line, track, album, artist, genre, media_type
	for _, chunkRows := range []int64{10, 10_000} {
		uppers, _, err := src.PlanChunks(ctx, plan.Root, nil, chunkRows, 1)
		if err != nil {
			t.Fatal(err)
		}
		var upper []string
		if len(uppers) > 0 {
			upper = uppers[0]
		}
		b, err := assemble.New(&plan, convert.Options{Location: time.UTC}, convert.TargetLimits{})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := src.Snapshot(ctx, source.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := tracer.selects.Load()
		var roots []source.Row
		if err := snap.ReadRange(ctx, plan.Root, nil, upper, func(r source.Row) error {
			roots = append(roots, append(source.Row(nil), r...))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		docs := 0
		err = b.BuildChunk(roots, func(tp *project.TablePlan, keys [][]string, fn func(source.Row) error) error {
			return snap.ReadByKeys(ctx, *tp, keys, fn)
		}, func(doc bson.Raw, rerr *assemble.RecordError) error {
			if rerr != nil {
				t.Errorf("record error: %v", rerr)
			}
			docs++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = snap.Close(ctx)
		got := tracer.selects.Load() - before
		wantDocs := int(min(chunkRows, 412))
		if docs != wantDocs {
			t.Errorf("chunk of %d rows: %d documents, want %d", chunkRows, docs, wantDocs)
		}
		if got != 1+embeddedTables {
			t.Errorf("chunk of %d rows ran %d SELECT statements, want %d (one root range + one per embedded table)", chunkRows, got, 1+embeddedTables)
		}
	}
}
