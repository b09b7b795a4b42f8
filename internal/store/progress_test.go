package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func TestPutChunkRetryReplaces(t *testing.T) { forEachBackend(t, testPutChunkRetryReplaces) }

func testPutChunkRetryReplaces(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	steps := []struct {
		name string
		c    ChunkProgress
		want JobTotals
	}{
		{"first attempt, partial", ChunkProgress{Seq: 0, RowsRead: 100, DocsWritten: 90, Bytes: 1000, RecordErrors: 1},
			JobTotals{RowsRead: 100, DocsWritten: 90, Bytes: 1000, RecordErrors: 1}},
		{"other chunk", ChunkProgress{Seq: 1, RowsRead: 50, DocsWritten: 50, Bytes: 500, Done: true},
			JobTotals{RowsRead: 150, DocsWritten: 140, Bytes: 1500, RecordErrors: 1}},
		{"retry of chunk 0 replaces", ChunkProgress{Seq: 0, RowsRead: 200, DocsWritten: 199, Bytes: 2000, RecordErrors: 1, Done: true},
			JobTotals{RowsRead: 250, DocsWritten: 249, Bytes: 2500, RecordErrors: 1}},
		{"same chunk number in another collection is separate", ChunkProgress{Collection: "b", Seq: 0, RowsRead: 1, DocsWritten: 1, Bytes: 10},
			JobTotals{RowsRead: 251, DocsWritten: 250, Bytes: 2510, RecordErrors: 1}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c := st.c
			c.JobID = "j1"
			if c.Collection == "" {
				c.Collection = "a"
			}
			if err := s.PutChunk(ctx, c); err != nil {
				t.Fatal(err)
			}
			got, err := s.JobTotals(ctx, "j1")
			if err != nil {
				t.Fatal(err)
			}
			if got != st.want {
				t.Fatalf("JobTotals = %+v, want %+v", got, st.want)
			}
		})
	}
}

func TestCollectionStats(t *testing.T) { forEachBackend(t, testCollectionStats) }

func testCollectionStats(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	mustCreateJob(t, s, Job{ID: "other"})

	for _, c := range []CollectionState{
		{JobID: "j1", Collection: "orders", State: "PENDING", RootTable: "public.orders", EstimatedRows: 10},
		{JobID: "j1", Collection: "customers", State: "RUNNING", RootTable: "public.customer", EstimatedRows: 5, ChunksPlanned: 2},
		// Upsert replaces.
		{JobID: "j1", Collection: "orders", State: "DONE", RootTable: "public.orders", EstimatedRows: 12, ChunksPlanned: 1},
		{JobID: "other", Collection: "orders", State: "RUNNING"},
	} {
		if err := s.PutCollection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []ChunkProgress{
		{JobID: "j1", Collection: "customers", Seq: 0, RowsRead: 3, DocsWritten: 3, Bytes: 30, Done: true},
		{JobID: "j1", Collection: "customers", Seq: 1, RowsRead: 1, DocsWritten: 1, RowsExcluded: 1, Bytes: 10},
		{JobID: "j1", Collection: "orders", Seq: 0, RowsRead: 12, DocsWritten: 11, RecordErrors: 1, Bytes: 120, Done: true},
		// Chunks reported before their collection state are still counted.
		{JobID: "j1", Collection: "audit", Seq: 0, RowsRead: 2, DocsWritten: 2, Bytes: 20},
		{JobID: "other", Collection: "orders", Seq: 0, RowsRead: 999, DocsWritten: 999},
	} {
		if err := s.PutChunk(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.CollectionStats(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	want := []CollectionStats{
		{CollectionState: CollectionState{JobID: "j1", Collection: "audit"}, RowsRead: 2, DocsWritten: 2, Bytes: 20},
		{CollectionState: CollectionState{JobID: "j1", Collection: "customers", State: "RUNNING", RootTable: "public.customer", EstimatedRows: 5, ChunksPlanned: 2},
			RowsRead: 4, DocsWritten: 4, RowsExcluded: 1, Bytes: 40, ChunksDone: 1},
		{CollectionState: CollectionState{JobID: "j1", Collection: "orders", State: "DONE", RootTable: "public.orders", EstimatedRows: 12, ChunksPlanned: 1},
			RowsRead: 12, DocsWritten: 11, RecordErrors: 1, Bytes: 120, ChunksDone: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CollectionStats:\n got %+v\nwant %+v", got, want)
	}

	// A job with nothing reported yet has empty stats, not an error.
	mustCreateJob(t, s, Job{ID: "fresh"})
	if got, err := s.CollectionStats(ctx, "fresh"); err != nil || len(got) != 0 {
		t.Fatalf("CollectionStats(fresh) = %v, %v; want empty", got, err)
	}
	if tot, err := s.JobTotals(ctx, "fresh"); err != nil || tot != (JobTotals{}) {
		t.Fatalf("JobTotals(fresh) = %+v, %v; want zero", tot, err)
	}
}

func TestProgressErrors(t *testing.T) { forEachBackend(t, testProgressErrors) }

func testProgressErrors(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"chunk for unknown job", func() error {
			return s.PutChunk(ctx, ChunkProgress{JobID: "nope", Collection: "a"})
		}, ErrNotFound},
		{"collection for unknown job", func() error {
			return s.PutCollection(ctx, CollectionState{JobID: "nope", Collection: "a", State: "PENDING"})
		}, ErrNotFound},
		{"bad collection state", func() error {
			return s.PutCollection(ctx, CollectionState{JobID: "j1", Collection: "a", State: "done"})
		}, ErrInvalid},
		{"collection without name", func() error {
			return s.PutCollection(ctx, CollectionState{JobID: "j1", State: "DONE"})
		}, ErrInvalid},
		{"negative counter", func() error {
			return s.PutChunk(ctx, ChunkProgress{JobID: "j1", Collection: "a", RowsRead: -1})
		}, ErrInvalid},
		{"chunk without collection", func() error {
			return s.PutChunk(ctx, ChunkProgress{JobID: "j1"})
		}, ErrInvalid},
		{"stats of unknown job", func() error { _, err := s.CollectionStats(ctx, "nope"); return err }, ErrNotFound},
		{"totals of unknown job", func() error { _, err := s.JobTotals(ctx, "nope"); return err }, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.op(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestConcurrentPutChunk runs what parallel CopyChunk activities do: many
// goroutines upserting chunks (each retried) and reading totals at once.
// Nothing may fail with SQLITE_BUSY and the totals must be exact.
func TestConcurrentPutChunk(t *testing.T) { forEachBackend(t, testConcurrentPutChunk) }

func testConcurrentPutChunk(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	const (
		workers         = 8
		chunksPerWorker = 40
		attempts        = 3 // every chunk is reported three times, as if retried
	)
	var wg sync.WaitGroup
	errs := make(chan error, workers*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			coll := fmt.Sprintf("c%d", w%3)
			for i := 0; i < chunksPerWorker; i++ {
				seq := int64(w*chunksPerWorker + i)
				for a := 1; a <= attempts; a++ {
					// Earlier attempts report more than the final one, so
					// any accumulation instead of replacement shows.
					c := ChunkProgress{JobID: "j1", Collection: coll, Seq: seq, RowsRead: 10 * int64(attempts-a+1),
						DocsWritten: 10, Bytes: 100, RecordErrors: int64(attempts - a), Done: a == attempts}
					if err := s.PutChunk(ctx, c); err != nil {
						errs <- err
						return
					}
				}
				if _, err := s.JobTotals(ctx, "j1"); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	// A reader polling like GET /jobs/{id}/tables while writers run.
	stop := make(chan struct{})
	var rg sync.WaitGroup
	rg.Add(1)
	go func() {
		defer rg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.CollectionStats(ctx, "j1"); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent access: %v", err)
	}
	n := int64(workers * chunksPerWorker)
	want := JobTotals{RowsRead: 10 * n, DocsWritten: 10 * n, Bytes: 100 * n, RecordErrors: 0}
	got, err := s.JobTotals(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("JobTotals = %+v, want %+v", got, want)
	}
	stats, err := s.CollectionStats(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	var done int64
	for _, cs := range stats {
		done += cs.ChunksDone
	}
	if done != n {
		t.Fatalf("chunks done = %d, want %d", done, n)
	}
}

func TestMarkChunkCounted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		mustCreateJob(t, s, Job{ID: "j1"})
		if _, err := s.MarkChunkCounted(ctx, "j1", "a", 0); !errors.Is(err, ErrNotFound) {
			t.Fatalf("marking a chunk without progress: %v, want ErrNotFound", err)
		}
		put := func(seq int64, done bool) {
			t.Helper()
			if err := s.PutChunk(ctx, ChunkProgress{JobID: "j1", Collection: "a", Seq: seq, RowsRead: 10, Done: done}); err != nil {
				t.Fatal(err)
			}
		}
		mark := func(seq int64, want bool) {
			t.Helper()
			first, err := s.MarkChunkCounted(ctx, "j1", "a", seq)
			if err != nil {
				t.Fatal(err)
			}
			if first != want {
				t.Fatalf("chunk %d: first = %v, want %v", seq, first, want)
			}
		}
		put(0, true)
		mark(0, true)
		mark(0, false)
		// A retry after completion rewrites the progress (done false, then true) but the chunk stays counted.
		put(0, false)
		put(0, true)
		mark(0, false)
		// Another chunk is counted on its own.
		put(1, true)
		mark(1, true)
		if got, err := s.JobTotals(ctx, "j1"); err != nil || got.RowsRead != 20 {
			t.Fatalf("JobTotals = %+v, %v; marking must not change the counters", got, err)
		}
	})
}
