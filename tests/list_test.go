package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/store"
)

// TestListJobs checks GET /jobs sorting (submittedAt, status; ASC/DESC), limit, type=IN_PROGRESS
// and projectId on eight job records of a project of their own, one per status, submitted a
// second apart, and that bad parameters are refused.
func TestListJobs(t *testing.T) {
	t.Parallel()
	projectID := "list-" + randomSuffix()
	statuses := []string{"COMPLETED", "RUNNING", "FAILED", "PAUSED", "NOT_STARTED", "CANCELLED", "CLEANING_UP", "CANCELLING"}
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	byStatus := map[string]string{}
	for i, st := range statuses {
		byStatus[st] = syntheticJob(t, projectID, st, base.Add(time.Duration(i)*time.Second))
	}
	ids := func(sts ...string) []string {
		out := make([]string, len(sts))
		for i, st := range sts {
			out[i] = byStatus[st]
		}
		return out
	}
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"default: newest first", "", ids("CANCELLING", "CLEANING_UP", "CANCELLED", "NOT_STARTED", "PAUSED", "FAILED", "RUNNING", "COMPLETED")},
		{"submittedAt ascending", "sort=submittedAt,ASC", ids(statuses...)},
		{"submittedAt descending", "sort=submittedAt,DESC", ids("CANCELLING", "CLEANING_UP", "CANCELLED", "NOT_STARTED", "PAUSED", "FAILED", "RUNNING", "COMPLETED")},
		{"status ascending", "sort=status,ASC", ids("CANCELLED", "CANCELLING", "CLEANING_UP", "COMPLETED", "FAILED", "NOT_STARTED", "PAUSED", "RUNNING")},
		{"status descending", "sort=status,DESC", ids("RUNNING", "PAUSED", "NOT_STARTED", "FAILED", "COMPLETED", "CLEANING_UP", "CANCELLING", "CANCELLED")},
		{"limit", "limit=3", ids("CANCELLING", "CLEANING_UP", "CANCELLED")},
		{"in progress", "type=IN_PROGRESS", ids("CANCELLING", "CLEANING_UP", "NOT_STARTED", "PAUSED", "RUNNING")},
		{"in progress, oldest two", "type=IN_PROGRESS&sort=submittedAt,ASC&limit=2", ids("RUNNING", "PAUSED")},
		{"in progress by status", "type=IN_PROGRESS&sort=status,ASC", ids("CANCELLING", "CLEANING_UP", "NOT_STARTED", "PAUSED", "RUNNING")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := "projectId=" + url.QueryEscape(projectID)
			if tc.query != "" {
				q += "&" + tc.query
			}
			var jobs []struct{ ID, ProjectID, Status, SubmittedAt string }
			if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs?"+q, nil, &jobs); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range jobs {
				if j.ProjectID != projectID {
					t.Fatalf("job %s of project %s listed for project %s", j.ID, j.ProjectID, projectID)
				}
				got = append(got, j.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("GET /jobs?%s listed %v, want %v", q, describe(got, byStatus), describe(tc.want, byStatus))
			}
		})
	}

	t.Run("every job, newest first", func(t *testing.T) {
		var jobs []struct{ ID, SubmittedAt string }
		if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs", nil, &jobs); err != nil {
			t.Fatal(err)
		}
		if len(jobs) < len(statuses) {
			t.Fatalf("%d jobs listed, want at least this test's %d", len(jobs), len(statuses))
		}
		for i := 1; i < len(jobs); i++ {
			if jobs[i].SubmittedAt > jobs[i-1].SubmittedAt {
				t.Fatalf("job %d submitted %s after job %d (%s): not newest first", i, jobs[i].SubmittedAt, i-1, jobs[i-1].SubmittedAt)
			}
		}
	})

	for _, bad := range []string{"sort=name,ASC", "sort=submittedAt", "sort=submittedAt,UP", "sort=status,ASC,DESC", "limit=-1", "limit=ten", "type=DONE"} {
		t.Run("refused "+bad, func(t *testing.T) {
			err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs?"+bad, nil, nil)
			if errStatus(err) != http.StatusBadRequest {
				t.Errorf("GET /jobs?%s: %v, want 400", bad, err)
			}
		})
	}
}

// describe renders job ids by their status, for readable failures.
func describe(ids []string, byStatus map[string]string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		for st, sid := range byStatus {
			if sid == id {
				out[i] = st
			}
		}
	}
	return out
}

// TestJobLogsPaging checks GET /jobs/{id}/logs: newest first, limit, offset counted from the
// newest, eventType, their combinations, and jobUpdates (the 20 most recent) in the status object.
func TestJobLogsPaging(t *testing.T) {
	t.Parallel()
	id := syntheticJob(t, "logs-"+randomSuffix(), "COMPLETED", time.Now())
	types := []string{"ERROR", "WARNING", "INFO"}
	var evs []store.Event
	for i := 0; i < 30; i++ {
		evs = append(evs, store.Event{EventType: types[i%3], Stage: "SNAPSHOTTING", Message: fmt.Sprintf("event %d", i)})
	}
	if err := e2e.stack.Store.AppendEvents(context.Background(), id, evs); err != nil {
		t.Fatal(err)
	}
	seq := func(from, to, step int) []string { // event numbers from..to (inclusive), by step
		var out []string
		for i := from; (step < 0 && i >= to) || (step > 0 && i <= to); i += step {
			out = append(out, fmt.Sprintf("event %d", i))
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", seq(29, 0, -1)},
		{"limit=10", seq(29, 20, -1)},
		{"limit=10&offset=10", seq(19, 10, -1)},
		{"offset=25", seq(4, 0, -1)},
		{"offset=30", nil},
		{"eventType=ERROR", seq(27, 0, -3)},
		{"eventType=WARNING&limit=2", seq(28, 25, -3)},
		{"eventType=ERROR&limit=3&offset=2", seq(21, 15, -3)},
		{"eventType=INFO&offset=9", seq(2, 2, -3)},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var got []struct{ Message, EventType string }
			if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/logs?"+tc.query, nil, &got); err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, e := range got {
				msgs = append(msgs, e.Message)
			}
			if !slices.Equal(msgs, tc.want) {
				t.Errorf("logs?%s = %v, want %v", tc.query, msgs, tc.want)
			}
		})
	}
	for _, bad := range []string{"limit=-1", "offset=x", "eventType=DEBUG"} {
		if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/logs?"+bad, nil, nil); errStatus(err) != http.StatusBadRequest {
			t.Errorf("logs?%s: %v, want 400", bad, err)
		}
	}
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/no-such-job/logs", nil, nil); errStatus(err) != http.StatusNotFound {
		t.Errorf("logs of an unknown job: %v, want 404", err)
	}
	var st struct {
		JobUpdates []struct{ Message string } `json:"jobUpdates"`
	}
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id, nil, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.JobUpdates) != 20 || st.JobUpdates[0].Message != "event 29" || st.JobUpdates[19].Message != "event 10" {
		t.Errorf("jobUpdates has %d events %v, want the 20 most recent (29..10)", len(st.JobUpdates), st.JobUpdates)
	}
}
