package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestEvents(t *testing.T) { forEachBackend(t, testEvents) }

func testEvents(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	mustCreateJob(t, s, Job{ID: "j2"})

	// Ten events in two batches: e0..e9, types cycling INFO, WARNING, ERROR.
	types := []string{"INFO", "WARNING", "ERROR"}
	var batch []Event
	for i := 0; i < 10; i++ {
		batch = append(batch, Event{EventType: types[i%3], Stage: "SNAPSHOTTING", Message: fmt.Sprintf("e%d", i), Timestamp: at(i)})
		if len(batch) == 5 {
			if err := s.AppendEvents(ctx, "j1", batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	if err := s.AppendEvents(ctx, "j2", []Event{{EventType: "INFO", Message: "other job"}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name          string
		limit, offset int
		eventType     string
		want          []string
		wantErr       error
	}{
		{"all newest first", 0, 0, "", []string{"e9", "e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1", "e0"}, nil},
		{"first page", 3, 0, "", []string{"e9", "e8", "e7"}, nil},
		{"second page", 3, 3, "", []string{"e6", "e5", "e4"}, nil},
		{"last partial page", 3, 9, "", []string{"e0"}, nil},
		{"past the end", 3, 10, "", nil, nil},
		{"offset without limit", 0, 7, "", []string{"e2", "e1", "e0"}, nil},
		{"errors only", 0, 0, "ERROR", []string{"e8", "e5", "e2"}, nil},
		{"warnings paged", 2, 1, "WARNING", []string{"e4", "e1"}, nil},
		{"unknown type matches nothing", 0, 0, "DEBUG", nil, nil},
		{"negative limit", -1, 0, "", nil, ErrInvalid},
		{"negative offset", 1, -1, "", nil, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := s.ListEvents(ctx, "j1", tc.limit, tc.offset, tc.eventType)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, e := range evs {
				msgs = append(msgs, e.Message)
				if e.JobID != "j1" {
					t.Errorf("event %d belongs to %q", e.ID, e.JobID)
				}
			}
			if !equalStrings(msgs, tc.want) {
				t.Fatalf("got %v, want %v", msgs, tc.want)
			}
		})
	}

	countTests := []struct {
		eventType string
		want      int64
	}{{"", 10}, {"INFO", 4}, {"WARNING", 3}, {"ERROR", 3}, {"DEBUG", 0}}
	for _, tc := range countTests {
		t.Run("count "+tc.eventType, func(t *testing.T) {
			n, err := s.CountEvents(ctx, "j1", tc.eventType)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Fatalf("CountEvents(%q) = %d, want %d", tc.eventType, n, tc.want)
			}
		})
	}
}

func TestEventRoundTrip(t *testing.T) { forEachBackend(t, testEventRoundTrip) }

func testEventRoundTrip(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	in := Event{
		EventType: "ERROR", Stage: "SNAPSHOTTING", Message: "value out of range", Details: "numeric 1e400",
		Timestamp: at(3), ErrorType: "CONVERSION", ErrorCode: "RM-1", LocationType: "TABLE",
		LocationName: "public.orders", FieldName: "total", Key: map[string]string{"id": "9007199254740993"}, Count: 2,
	}
	if err := s.AppendEvents(ctx, "j1", []Event{in}); err != nil {
		t.Fatal(err)
	}
	evs, err := s.ListEvents(ctx, "j1", 1, 0, "")
	if err != nil || len(evs) != 1 {
		t.Fatalf("ListEvents = %v, %v", evs, err)
	}
	got := evs[0]
	if got.ID == 0 {
		t.Errorf("event id not assigned")
	}
	in.ID, in.JobID = got.ID, "j1"
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, in)
	}
}

func TestAppendEventsErrors(t *testing.T) { forEachBackend(t, testAppendEventsErrors) }

func testAppendEventsErrors(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	tests := []struct {
		name  string
		jobID string
		evs   []Event
		want  error
	}{
		{"unknown job", "nope", []Event{{EventType: "INFO", Message: "m"}}, ErrNotFound},
		{"bad type", "j1", []Event{{EventType: "INFO", Message: "ok"}, {EventType: "info", Message: "m"}}, ErrInvalid},
		{"empty message", "j1", []Event{{EventType: "INFO"}}, ErrInvalid},
		{"empty job id", "", []Event{{EventType: "INFO", Message: "m"}}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.AppendEvents(ctx, tc.jobID, tc.evs); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// A rejected batch leaves nothing behind.
	if n, err := s.CountEvents(ctx, "j1", ""); err != nil || n != 0 {
		t.Fatalf("CountEvents after rejected batches = %d, %v; want 0", n, err)
	}
	for _, op := range []func() error{
		func() error { _, err := s.ListEvents(ctx, "nope", 0, 0, ""); return err },
		func() error { _, err := s.CountEvents(ctx, "nope", ""); return err },
	} {
		if err := op(); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown job: got %v, want ErrNotFound", err)
		}
	}
}
