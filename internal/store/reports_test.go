package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// summarizeSkips is a Summarize of the shape the activities use.
func summarizeSkips(t Tally) (Event, bool) {
	if t.Count == 0 {
		return Event{}, false
	}
	return Event{EventType: "WARNING", Message: fmt.Sprintf("%s %s %s: %d", t.Kind, t.LocationName, t.FieldName, t.Count),
		LocationType: "TABLE", LocationName: t.LocationName, FieldName: t.FieldName, Count: t.Count}, true
}

func messages(t *testing.T, s *Store, jobID string) []string {
	t.Helper()
	evs, err := s.ListEvents(context.Background(), jobID, 0, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i := range evs {
		out[len(evs)-1-i] = evs[i].Message // oldest first
	}
	return out
}

func TestSaveChunkReport(t *testing.T) { forEachBackend(t, testSaveChunkReport) }

func testSaveChunkReport(t *testing.T, b backend) {
	ctx := context.Background()
	rec := func(msg string) Event {
		return Event{EventType: "ERROR", Message: msg, LocationName: "public.t", Count: 1}
	}
	tally := func(kind string, n int64) Tally {
		return Tally{LocationName: "public.t", FieldName: "c", Kind: kind, Count: n}
	}
	type step struct {
		collection string
		seq, gen   int64
		events     []Event
		tallies    []Tally
		saved      bool
	}
	tests := []struct {
		name  string
		steps []step
		want  []string // messages, oldest first
	}{
		{
			name: "events append within an attempt",
			steps: []step{
				{"c", 0, 1, []Event{rec("a")}, nil, true},
				{"c", 0, 1, []Event{rec("b")}, nil, true},
			},
			want: []string{"a", "b"},
		},
		{
			name: "a retry replaces the events of the failed attempt",
			steps: []step{
				{"c", 0, 1, []Event{rec("a1"), rec("b1")}, nil, true},
				{"c", 1, 1, []Event{rec("other chunk")}, nil, true},
				{"c", 0, 2, []Event{rec("a2")}, nil, true},
			},
			want: []string{"other chunk", "a2"},
		},
		{
			name: "a retry without events still removes the old ones",
			steps: []step{
				{"c", 0, 1, []Event{rec("a1")}, nil, true},
				{"c", 0, 2, nil, nil, true},
			},
			want: []string{},
		},
		{
			name: "a stale attempt is dropped",
			steps: []step{
				{"c", 0, 2, []Event{rec("new")}, nil, true},
				{"c", 0, 1, []Event{rec("zombie")}, []Tally{tally("skipped", 5)}, false},
			},
			want: []string{"new"},
		},
		{
			name: "same sequence in another collection is another chunk",
			steps: []step{
				{"c", 0, 1, []Event{rec("c0")}, nil, true},
				{"d", 0, 2, []Event{rec("d0")}, nil, true},
			},
			want: []string{"c0", "d0"},
		},
		{
			name: "one summary per key with the total over chunks",
			steps: []step{
				{"c", 0, 1, nil, []Tally{tally("skipped", 2)}, true},
				{"c", 1, 1, nil, []Tally{tally("skipped", 3)}, true},
				{"c", 0, 1, nil, []Tally{tally("skipped", 4)}, true}, // cumulative within the attempt
			},
			want: []string{"skipped public.t c: 7"},
		},
		{
			name: "a retry replaces a chunk's tallies",
			steps: []step{
				{"c", 0, 1, nil, []Tally{tally("skipped", 2), tally("dst-gap", 1)}, true},
				{"c", 1, 1, nil, []Tally{tally("skipped", 1)}, true},
				{"c", 0, 2, nil, []Tally{tally("skipped", 2)}, true},
			},
			want: []string{"skipped public.t c: 3"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := b.open(t)
			mustCreateJob(t, s, Job{ID: "j1", Status: "RUNNING"})
			for i, st := range tc.steps {
				saved, err := s.SaveChunkReport(ctx, ChunkReport{JobID: "j1", Collection: st.collection, Seq: st.seq, Generation: st.gen,
					Events: st.events, Tallies: st.tallies}, summarizeSkips)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if saved != st.saved {
					t.Fatalf("step %d: saved = %v, want %v", i, saved, st.saved)
				}
			}
			if got := messages(t, s, "j1"); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("events %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSummaryEventKeepsItsPlaceWhenUnchanged(t *testing.T) {
	forEachBackend(t, testSummaryEventKeepsItsPlaceWhenUnchanged)
}

func testSummaryEventKeepsItsPlaceWhenUnchanged(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1", Status: "RUNNING"})
	save := func(seq, n int64) {
		t.Helper()
		if _, err := s.SaveChunkReport(ctx, ChunkReport{JobID: "j1", Collection: "c", Seq: seq, Generation: 1,
			Tallies: []Tally{{LocationName: "public.t", Kind: "skipped", Count: n}}}, summarizeSkips); err != nil {
			t.Fatal(err)
		}
	}
	save(0, 2)
	first, err := s.ListEvents(ctx, "j1", 0, 0, "")
	if err != nil || len(first) != 1 || first[0].Count != 2 {
		t.Fatalf("events %+v, %v", first, err)
	}
	save(0, 2)
	again, _ := s.ListEvents(ctx, "j1", 0, 0, "")
	if len(again) != 1 || again[0].ID != first[0].ID {
		t.Fatalf("an unchanged total replaced the event: %+v", again)
	}
	save(1, 0)
	save(0, 0)
	if evs, _ := s.ListEvents(ctx, "j1", 0, 0, ""); len(evs) != 0 {
		t.Fatalf("a zero total keeps an event: %+v", evs)
	}
	totals, err := s.TallyTotals(ctx, "j1")
	if err != nil || len(totals) != 1 || totals[0].Count != 0 {
		t.Fatalf("totals %+v, %v", totals, err)
	}
}

// TestConcurrentChunkReports saves the tallies of many chunks at once: the one summary must hold
// the exact total (the total is computed in the same transaction as the write).
func TestConcurrentChunkReports(t *testing.T) { forEachBackend(t, testConcurrentChunkReports) }

func testConcurrentChunkReports(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1", Status: "RUNNING"})
	var wg sync.WaitGroup
	for seq := int64(0); seq < 16; seq++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := int64(1); n <= 3; n++ {
				if _, err := s.SaveChunkReport(ctx, ChunkReport{JobID: "j1", Collection: "c", Seq: seq, Generation: 1,
					Tallies: []Tally{{LocationName: "public.t", Kind: "skipped", Count: n}}}, summarizeSkips); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	evs, err := s.ListEvents(ctx, "j1", 0, 0, "")
	if err != nil || len(evs) != 1 || evs[0].Count != 48 {
		t.Fatalf("events %+v, %v; want one summary with count 48", evs, err)
	}
}

func TestSaveChunkReportErrors(t *testing.T) { forEachBackend(t, testSaveChunkReportErrors) }

func testSaveChunkReportErrors(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1", Status: "RUNNING"})
	tests := []struct {
		name string
		r    ChunkReport
		want error
	}{
		{"unknown job", ChunkReport{JobID: "nope", Collection: "c", Events: []Event{{EventType: "ERROR", Message: "m"}}}, ErrNotFound},
		{"no collection", ChunkReport{JobID: "j1"}, ErrInvalid},
		{"negative seq", ChunkReport{JobID: "j1", Collection: "c", Seq: -1}, ErrInvalid},
		{"bad event type", ChunkReport{JobID: "j1", Collection: "c", Events: []Event{{EventType: "SKIP", Message: "m"}}}, ErrInvalid},
		{"empty message", ChunkReport{JobID: "j1", Collection: "c", Events: []Event{{EventType: "ERROR"}}}, ErrInvalid},
		{"tally without kind", ChunkReport{JobID: "j1", Collection: "c", Tallies: []Tally{{Count: 1}}}, ErrInvalid},
		{"negative tally", ChunkReport{JobID: "j1", Collection: "c", Tallies: []Tally{{Kind: "k", Count: -1}}}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.SaveChunkReport(ctx, tc.r, summarizeSkips); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
	if evs, _ := s.ListEvents(ctx, "j1", 0, 0, ""); len(evs) != 0 {
		t.Fatalf("a refused report wrote events: %+v", evs)
	}
}

func TestAppendEventsOnce(t *testing.T) { forEachBackend(t, testAppendEventsOnce) }

func testAppendEventsOnce(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1", Status: "RUNNING"})
	evs := []KeyedEvent{
		{Key: "fallback:public.t.a", Event: Event{EventType: "WARNING", Message: "a", FieldName: "a"}},
		{Key: "fallback:public.t.b", Event: Event{EventType: "WARNING", Message: "b", FieldName: "b"}},
	}
	for i := 0; i < 3; i++ {
		if err := s.AppendEventsOnce(ctx, "j1", evs); err != nil {
			t.Fatal(err)
		}
	}
	if got := messages(t, s, "j1"); fmt.Sprint(got) != "[a b]" {
		t.Fatalf("events %q, want [a b] once", got)
	}
	if err := s.AppendEventsOnce(ctx, "nope", evs); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	if err := s.AppendEventsOnce(ctx, "j1", []KeyedEvent{{Event: Event{EventType: "INFO", Message: "m"}}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty key: %v", err)
	}
}
