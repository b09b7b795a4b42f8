package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"testing"
)

func TestJobRoundTrip(t *testing.T) { forEachBackend(t, testJobRoundTrip) }

func testJobRoundTrip(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	started := at(1)
	want := Job{
		ID: "j1", ProjectID: "p1", ScheduleID: "nightly", SubmittedAt: at(0), StartedAt: &started,
		Status: "RUNNING", TargetKey: "localhost:27017/shop",
		Request: []byte(`{"options":{"mode":"SNAPSHOT"}}`), Project: []byte(`{"version":1}`),
		JDBCConnectionString: "jdbc:postgresql://u:*****@h/db", MongoConnectionString: "mongodb://u:*****@h/shop",
		FailureError: []byte(`{"message":"x"}`), SnapshotCompleted: true, TotalTableCount: 3, EstimatedRows: 1 << 40,
		VerificationStatus: "VERIFYING",
	}
	if err := s.CreateJob(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetJob(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetJob:\n got %+v\nwant %+v", got, want)
	}

	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"duplicate id", func() error { return s.CreateJob(ctx, Job{ID: "j1", ProjectID: "p1"}) }, ErrConflict},
		{"empty id", func() error { return s.CreateJob(ctx, Job{ProjectID: "p1"}) }, ErrInvalid},
		{"unknown status", func() error { return s.CreateJob(ctx, Job{ID: "j2", Status: "DONE"}) }, ErrInvalid},
		{"get unknown", func() error { _, err := s.GetJob(ctx, "nope"); return err }, ErrNotFound},
		{"update unknown", func() error { return s.UpdateJob(ctx, "nope", JobUpdate{Status: ptr("RUNNING")}) }, ErrNotFound},
		{"update empty on unknown", func() error { return s.UpdateJob(ctx, "nope", JobUpdate{}) }, ErrNotFound},
		{"update bad status", func() error { return s.UpdateJob(ctx, "j1", JobUpdate{Status: ptr("running")}) }, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.op(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCreateJobDefaults(t *testing.T) { forEachBackend(t, testCreateJobDefaults) }

func testCreateJobDefaults(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1"})
	got, err := s.GetJob(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "NOT_STARTED" || got.SubmittedAt.IsZero() || got.StartedAt != nil || got.FinishedAt != nil ||
		got.Request != nil || got.FailureError != nil {
		t.Fatalf("defaults: %+v", got)
	}
}

func TestUpdateJob(t *testing.T) { forEachBackend(t, testUpdateJob) }

func testUpdateJob(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateJob(t, s, Job{ID: "j1", SubmittedAt: at(0), TotalTableCount: 2, VerificationStatus: ""})

	tests := []struct {
		name    string
		u       JobUpdate
		wantErr error
		check   func(t *testing.T, j Job)
	}{
		{
			name: "start",
			u:    JobUpdate{Status: ptr("RUNNING"), StartedAt: ptr(at(1)), IfStatusIn: []string{"NOT_STARTED"}},
			check: func(t *testing.T, j Job) {
				if j.Status != "RUNNING" || j.StartedAt == nil || !j.StartedAt.Equal(at(1)) {
					t.Errorf("got %+v", j)
				}
				if j.TotalTableCount != 2 {
					t.Errorf("untouched field changed: TotalTableCount = %d", j.TotalTableCount)
				}
			},
		},
		{
			name:    "condition fails",
			u:       JobUpdate{Status: ptr("RUNNING"), IfStatusIn: []string{"NOT_STARTED", "PAUSED"}},
			wantErr: ErrConflict,
			check: func(t *testing.T, j Job) {
				if j.Status != "RUNNING" {
					t.Errorf("status changed despite failed condition: %s", j.Status)
				}
			},
		},
		{
			name:    "bad condition status",
			u:       JobUpdate{IfStatusIn: []string{"WHATEVER"}},
			wantErr: ErrInvalid,
		},
		{
			name: "counters",
			u: JobUpdate{SnapshotCompleted: ptr(true), TotalTableCount: ptr(7), EstimatedRows: ptr(int64(123)),
				VerificationStatus: ptr("VERIFYING")},
			check: func(t *testing.T, j Job) {
				if !j.SnapshotCompleted || j.TotalTableCount != 7 || j.EstimatedRows != 123 || j.VerificationStatus != "VERIFYING" {
					t.Errorf("got %+v", j)
				}
				if j.Status != "RUNNING" || j.StartedAt == nil {
					t.Errorf("untouched fields changed: %+v", j)
				}
			},
		},
		{
			name: "fail",
			u:    JobUpdate{Status: ptr("FAILED"), FinishedAt: ptr(at(9)), FailureError: []byte(`{"errorType":"X"}`)},
			check: func(t *testing.T, j Job) {
				if j.Status != "FAILED" || !j.FinishedAt.Equal(at(9)) || string(j.FailureError) != `{"errorType":"X"}` {
					t.Errorf("got %+v", j)
				}
			},
		},
		{
			name: "empty update on existing job is a no-op",
			u:    JobUpdate{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.UpdateJob(ctx, "j1", tc.u)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				j, err := s.GetJob(ctx, "j1")
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, j)
			}
		})
	}
}

func TestListJobsAndCountInProgress(t *testing.T) { forEachBackend(t, testListJobsAndCountInProgress) }

func testListJobsAndCountInProgress(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	jobs := []Job{
		{ID: "a", ProjectID: "p1", SubmittedAt: at(1), Status: "COMPLETED", TargetKey: "h/db1"},
		{ID: "b", ProjectID: "p1", SubmittedAt: at(2), Status: "RUNNING", TargetKey: "h/db1"},
		{ID: "c", ProjectID: "p2", SubmittedAt: at(3), Status: "PAUSED", TargetKey: "h/db1"},
		{ID: "d", ProjectID: "p1", SubmittedAt: at(4), Status: "CANCELLED", TargetKey: "h/db2"},
		{ID: "e", ProjectID: "p1", SubmittedAt: at(5), Status: "CLEANING_UP", TargetKey: "h/db2"},
		{ID: "f", ProjectID: "p2", SubmittedAt: at(6), Status: "FAILED", TargetKey: "h/db2"},
		{ID: "g", ProjectID: "p2", SubmittedAt: at(7), Status: "NOT_STARTED", TargetKey: "h/db2"},
		{ID: "h", ProjectID: "p2", SubmittedAt: at(8), Status: "CANCELLING", TargetKey: "h/db2"},
	}
	for _, j := range jobs {
		mustCreateJob(t, s, j)
	}
	listTests := []struct {
		name    string
		f       JobFilter
		want    []string
		wantErr error
	}{
		{"default newest first", JobFilter{}, []string{"h", "g", "f", "e", "d", "c", "b", "a"}, nil},
		{"oldest first", JobFilter{Sort: "submittedAt,ASC"}, []string{"a", "b", "c", "d", "e", "f", "g", "h"}, nil},
		{"limit", JobFilter{Limit: 3}, []string{"h", "g", "f"}, nil},
		{"in progress", JobFilter{InProgress: true}, []string{"h", "g", "e", "c", "b"}, nil},
		{"project", JobFilter{ProjectID: "p1"}, []string{"e", "d", "b", "a"}, nil},
		{"project in progress", JobFilter{ProjectID: "p1", InProgress: true}, []string{"e", "b"}, nil},
		// Ties within a status keep newest first.
		{"status asc", JobFilter{Sort: "status,ASC"}, []string{"d", "h", "e", "a", "f", "g", "c", "b"}, nil},
		{"status desc limit", JobFilter{Sort: "status,DESC", Limit: 2}, []string{"b", "c"}, nil},
		{"bad sort field", JobFilter{Sort: "id,ASC"}, nil, ErrInvalid},
		{"negative limit", JobFilter{Limit: -2}, nil, ErrInvalid},
	}
	for _, tc := range listTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListJobs(ctx, tc.f)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, j := range got {
				ids = append(ids, j.ID)
			}
			if !equalStrings(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
		})
	}

	countTests := []struct {
		project, target string
		want            int
	}{
		{"", "", 5},
		{"p1", "", 2},
		{"p1", "h/db1", 1},
		{"p1", "h/db2", 1},
		{"p2", "h/db1", 1},
		{"p2", "h/db2", 2},
		{"p3", "", 0},
		{"", "h/db2", 3},
	}
	for _, tc := range countTests {
		t.Run("count "+tc.project+" "+tc.target, func(t *testing.T) {
			n, err := s.CountInProgress(ctx, tc.project, tc.target)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Fatalf("CountInProgress(%q, %q) = %d, want %d", tc.project, tc.target, n, tc.want)
			}
		})
	}
}

func TestCountJobsByStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		zero := map[string]int64{"NOT_STARTED": 0, "RUNNING": 0, "PAUSED": 0, "CANCELLING": 0, "CANCELLED": 0, "FAILED": 0, "CLEANING_UP": 0, "COMPLETED": 0}
		got, err := s.CountJobsByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, zero) {
			t.Fatalf("empty store: %v, want every status at 0", got)
		}
		for i, st := range []string{"COMPLETED", "COMPLETED", "RUNNING", "FAILED", ""} {
			mustCreateJob(t, s, Job{ID: fmt.Sprintf("j%d", i), Status: st})
		}
		want := maps.Clone(zero)
		want["COMPLETED"], want["RUNNING"], want["FAILED"], want["NOT_STARTED"] = 2, 1, 1, 1
		if got, err = s.CountJobsByStatus(ctx); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("CountJobsByStatus = %v, %v; want %v", got, err, want)
		}
	})
}
