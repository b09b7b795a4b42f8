package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// The tests below use several Store handles on one store, each with its own connection pools,
// as separate processes (API servers and workers on several hosts) would: the rules that need a
// read before a write must hold across handles, not only within one.

// openHandles opens n handles on one fresh store of backend b.
func openHandles(t *testing.T, b backend, n int) []*Store {
	t.Helper()
	first, spec := b.openSpec(t)
	hs := []*Store{first}
	for len(hs) < n {
		hs = append(hs, openAt(t, spec))
	}
	return hs
}

// TestConcurrentAdmission: many handles create a job for the same project and target at once;
// exactly one is admitted and every other one gets an AdmissionError.
func TestConcurrentAdmission(t *testing.T) { forEachBackend(t, testConcurrentAdmission) }

func testConcurrentAdmission(t *testing.T, b backend) {
	ctx := context.Background()
	hs := openHandles(t, b, 4)
	const perHandle = 4
	// A finished job of the same project and target does not count.
	mustCreateJob(t, hs[0], Job{ID: "old", ProjectID: "p1", TargetKey: "h/db", Status: "COMPLETED"})
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		admitted []string
		refused  int
		other    []error
	)
	for i, s := range hs {
		for k := 0; k < perHandle; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("j%d-%d", i, k)
				err := s.CreateJobAdmitted(ctx, Job{ID: id, ProjectID: "p1", TargetKey: "h/db"}, Admission{ExclusiveTarget: true})
				var ae *AdmissionError
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					admitted = append(admitted, id)
				case errors.As(err, &ae) && ae.SameTarget && ae.InProgress == 1 && errors.Is(err, ErrConflict):
					refused++
				default:
					other = append(other, err)
				}
			}()
		}
	}
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("unexpected errors: %v", other)
	}
	if len(admitted) != 1 || refused != len(hs)*perHandle-1 {
		t.Fatalf("admitted %v and refused %d, want exactly one admitted and %d refused", admitted, refused, len(hs)*perHandle-1)
	}
	n, err := hs[1].CountInProgress(ctx, "p1", "h/db")
	if err != nil || n != 1 {
		t.Fatalf("CountInProgress = %d, %v; want 1", n, err)
	}
	// Another target of the same project is admitted; the server-wide limit then refuses a third.
	if err := hs[2].CreateJobAdmitted(ctx, Job{ID: "other-target", ProjectID: "p1", TargetKey: "h/db2"}, Admission{ExclusiveTarget: true, MaxInProgress: 2}); err != nil {
		t.Fatalf("a job on another target: %v", err)
	}
	err = hs[3].CreateJobAdmitted(ctx, Job{ID: "third", ProjectID: "p2", TargetKey: "h/db3"}, Admission{ExclusiveTarget: true, MaxInProgress: 2})
	var ae *AdmissionError
	if !errors.As(err, &ae) || ae.SameTarget || ae.InProgress != 2 || ae.Max != 2 {
		t.Fatalf("a third job with MaxInProgress 2: got %v, want an AdmissionError counting 2 of 2", err)
	}
	// A taken id is still a plain conflict.
	err = hs[0].CreateJobAdmitted(ctx, Job{ID: "old", ProjectID: "p9", TargetKey: "x"}, Admission{ExclusiveTarget: true})
	if !errors.Is(err, ErrConflict) || errors.As(err, &ae) {
		t.Fatalf("a taken id: got %v, want ErrConflict without AdmissionError", err)
	}
}

// TestConcurrentChunkReportsAcrossHandles: workers on several handles save reports of many
// chunks of one job at once, each chunk in two attempts (generations) racing each other; the
// totals must be exact and there must be exactly one summary event, holding the total.
func TestConcurrentChunkReportsAcrossHandles(t *testing.T) {
	forEachBackend(t, testConcurrentChunkReportsAcrossHandles)
}

func testConcurrentChunkReportsAcrossHandles(t *testing.T, b backend) {
	ctx := context.Background()
	hs := openHandles(t, b, 4)
	mustCreateJob(t, hs[0], Job{ID: "j1", Status: "RUNNING"})
	const chunks = 24
	var wg sync.WaitGroup
	for seq := int64(0); seq < chunks; seq++ {
		for gen := int64(1); gen <= 2; gen++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := hs[(seq+gen)%int64(len(hs))]
				// Generation 1 reports 10 skipped rows and a record error per report; generation 2,
				// the retry that replaces it, reports 1. Whichever order they
				// commit in, the chunk ends with generation 2's report.
				count := int64(10)
				if gen == 2 {
					count = 1
				}
				for _, n := range []int64{count / 2, count} { // cumulative: a partial report, then the final one
					_, err := s.SaveChunkReport(ctx, ChunkReport{JobID: "j1", Collection: "c", Seq: seq, Generation: gen,
						Events:  []Event{{EventType: "ERROR", Message: fmt.Sprintf("chunk %d gen %d", seq, gen)}},
						Tallies: []Tally{{LocationName: "public.t", Kind: "skipped", Count: n}}}, summarizeSkips)
					if err != nil {
						t.Error(err)
					}
				}
				if err := s.PutChunk(ctx, ChunkProgress{JobID: "j1", Collection: "c", Seq: seq, RowsRead: 100, Done: true}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	totals, err := hs[1].TallyTotals(ctx, "j1")
	if err != nil || len(totals) != 1 || totals[0].Count != chunks {
		t.Fatalf("tally totals %+v, %v; want one key with %d (generation 2's 1 per chunk)", totals, err, chunks)
	}
	evs, err := hs[2].ListEvents(ctx, "j1", 0, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	summaries, errs := 0, map[string]bool{}
	for _, e := range evs {
		switch e.EventType {
		case "WARNING":
			summaries++
			if e.Count != chunks {
				t.Errorf("summary count %d, want %d", e.Count, chunks)
			}
		case "ERROR":
			errs[e.Message] = true
		}
	}
	if summaries != 1 {
		t.Errorf("%d summary events, want 1", summaries)
	}
	for seq := 0; seq < chunks; seq++ {
		if !errs[fmt.Sprintf("chunk %d gen 2", seq)] || errs[fmt.Sprintf("chunk %d gen 1", seq)] {
			t.Errorf("chunk %d: want only generation 2's record error, have %v", seq, errs)
			break
		}
	}
	// Each chunk keeps generation 2's two reports' events, plus the one summary.
	if len(errs) != chunks || len(evs) != 2*chunks+1 {
		t.Errorf("%d distinct record errors and %d events, want %d and %d", len(errs), len(evs), chunks, 2*chunks+1)
	}
	tot, err := hs[3].JobTotals(ctx, "j1")
	if err != nil || tot.RowsRead != chunks*100 {
		t.Fatalf("JobTotals %+v, %v; want %d rows read", tot, err, chunks*100)
	}
}

// TestConcurrentAppendEventsOnce: the same keyed event appended from several handles at once
// exists once.
func TestConcurrentAppendEventsOnce(t *testing.T) { forEachBackend(t, testConcurrentAppendEventsOnce) }

func testConcurrentAppendEventsOnce(t *testing.T, b backend) {
	ctx := context.Background()
	hs := openHandles(t, b, 4)
	mustCreateJob(t, hs[0], Job{ID: "j1", Status: "RUNNING"})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := hs[i%len(hs)].AppendEventsOnce(ctx, "j1", []KeyedEvent{
				{Key: "prepare/col-a", Event: Event{EventType: "WARNING", Message: "column a"}},
				{Key: "prepare/col-b", Event: Event{EventType: "WARNING", Message: "column b"}},
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, err := hs[1].CountEvents(ctx, "j1", "")
	if err != nil || n != 2 {
		t.Fatalf("CountEvents = %d, %v; want 2", n, err)
	}
}
