package apiserver

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// TestDecideControl is every cell of API.md's states-and-control table.
func TestDecideControl(t *testing.T) {
	const (
		conflict = "409"
		noChange = "200, no change"
	)
	tests := []struct {
		status, action string
		started        bool
		// want is conflict, noChange or the status recorded at once.
		want   string
		signal string
	}{
		{contract.StatusNotStarted, actionPause, false, contract.StatusPaused, contract.SignalPause},
		{contract.StatusNotStarted, actionResume, false, noChange, contract.SignalResume},
		{contract.StatusNotStarted, actionStop, false, contract.StatusCancelling, contract.SignalStop},
		{contract.StatusRunning, actionPause, true, contract.StatusPaused, contract.SignalPause},
		{contract.StatusRunning, actionResume, true, noChange, contract.SignalResume},
		{contract.StatusRunning, actionStop, true, contract.StatusCancelling, contract.SignalStop},
		{contract.StatusPaused, actionPause, true, noChange, contract.SignalPause},
		{contract.StatusPaused, actionResume, true, contract.StatusRunning, contract.SignalResume},
		{contract.StatusPaused, actionResume, false, contract.StatusNotStarted, contract.SignalResume},
		{contract.StatusPaused, actionStop, true, contract.StatusCancelling, contract.SignalStop},
		{contract.StatusCancelling, actionPause, true, conflict, ""},
		{contract.StatusCancelling, actionResume, true, conflict, ""},
		{contract.StatusCancelling, actionStop, true, noChange, ""},
		{contract.StatusCleaningUp, actionPause, true, conflict, ""},
		{contract.StatusCleaningUp, actionResume, true, conflict, ""},
		{contract.StatusCleaningUp, actionStop, true, conflict, ""},
		{contract.StatusCompleted, actionPause, true, conflict, ""},
		{contract.StatusCompleted, actionResume, true, conflict, ""},
		{contract.StatusCompleted, actionStop, true, conflict, ""},
		{contract.StatusFailed, actionPause, true, conflict, ""},
		{contract.StatusFailed, actionResume, true, conflict, ""},
		{contract.StatusFailed, actionStop, true, conflict, ""},
		{contract.StatusCancelled, actionPause, true, conflict, ""},
		{contract.StatusCancelled, actionResume, true, conflict, ""},
		{contract.StatusCancelled, actionStop, true, conflict, ""},
	}
	for _, tc := range tests {
		t.Run(tc.status+"/"+tc.action, func(t *testing.T) {
			d := decideControl(tc.action, tc.status, tc.started)
			got := d.to
			switch {
			case d.conflict:
				got = conflict
			case d.to == "":
				got = noChange
			}
			if got != tc.want || d.signal != tc.signal {
				t.Fatalf("decision %+v: got %q with signal %q, want %q with signal %q", d, got, d.signal, tc.want, tc.signal)
			}
			if d.to != "" && !slices.Contains(d.from, tc.status) {
				t.Errorf("the recorded change requires one of %v, which excludes the current status %s", d.from, tc.status)
			}
			if d.conflict {
				msg, desc := conflictText(tc.action, tc.status)
				if msg == "" || desc == "" {
					t.Errorf("409 without an explanation")
				}
			}
		})
	}
}

func TestNextStampIncreases(t *testing.T) {
	now := time.Now()
	a := nextStamp(now)
	b := nextStamp(now)                       // same clock reading
	c := nextStamp(now.Add(-1 * time.Second)) // the clock stepped back
	if !(a < b && b < c) {
		t.Fatalf("stamps %d %d %d are not strictly increasing", a, b, c)
	}
}

func TestTablesOf(t *testing.T) {
	proj := `{"version":1,"name":"p","source":{"type":"POSTGRESQL","schemas":["public"]},
	  "collections":[
	    {"name":"customers","table":{"schema":"public","name":"customer"},
	     "embedded":[{"kind":"EMBEDDED_DOCUMENT_ARRAY","field":"invoices","table":{"schema":"public","name":"invoice"},
	       "embedded":[{"kind":"EMBEDDED_DOCUMENT_ARRAY","field":"lines","table":{"schema":"public","name":"invoice_line"}}]}]},
	    {"name":"artists","table":{"schema":"public","name":"artist"}},
	    {"name":"genres","table":{"schema":"public","name":"genre"}}]}`
	req, _ := json.Marshal(storedRequest{CollectionFilters: []string{"customers", "artists"}})
	job := store.Job{ID: "j1", Status: contract.StatusPaused, Project: []byte(proj), Request: req}
	stats := []store.CollectionStats{{
		CollectionState: store.CollectionState{JobID: "j1", Collection: "customers", State: "RUNNING", RootTable: "public.customer",
			EstimatedRows: 59, ChunksPlanned: 6},
		RowsRead: 30, DocsWritten: 29, RecordErrors: 1, Bytes: 1000, ChunksDone: 3,
	}}
	got := tablesOf(job, stats)
	if got.JobID != "j1" || got.Status != contract.StatusPaused || len(got.Collections) != 2 {
		t.Fatalf("response %+v: want the two selected collections of job j1", got)
	}
	c := got.Collections[0]
	if c.Collection != "customers" || c.State != contract.StatusPaused || c.RowsRead != 30 || c.DocumentsWritten != 29 ||
		c.RecordErrors != 1 || c.ChunksDone != 3 || c.ChunksPlanned != 6 || c.Bytes != 1000 || c.EstimatedRows != 59 {
		t.Errorf("customers: %+v", c)
	}
	wantTables := []struct{ table, role, parent string }{
		{"public.customer", "ROOT", ""}, {"public.invoice", "EMBEDDED", "public.customer"}, {"public.invoice_line", "EMBEDDED", "public.invoice"},
	}
	if len(c.Tables) != len(wantTables) {
		t.Fatalf("customers tables %+v", c.Tables)
	}
	for i, w := range wantTables {
		tb := c.Tables[i]
		if tb.Table != w.table || tb.Role != w.role || tb.Parent != w.parent {
			t.Errorf("table %d = %+v, want %+v", i, tb, w)
		}
		if (tb.progressCounters != nil) != (w.role == "ROOT") {
			t.Errorf("table %s: counters %v, want them on the root only", tb.Table, tb.progressCounters)
		}
	}
	if a := got.Collections[1]; a.Collection != "artists" || a.State != "PENDING" || a.RootTable != "public.artist" {
		t.Errorf("artists (not started): %+v", a)
	}
}

func TestEffectiveState(t *testing.T) {
	tests := []struct{ job, coll, want string }{
		{contract.StatusRunning, "RUNNING", "RUNNING"},
		{contract.StatusPaused, "RUNNING", contract.StatusPaused},
		{contract.StatusCancelling, "RUNNING", contract.StatusCancelling},
		{contract.StatusPaused, "DONE", "DONE"},
		{contract.StatusPaused, "PENDING", "PENDING"},
		{contract.StatusCancelled, "CANCELLED", "CANCELLED"},
		{contract.StatusRunning, "", "RUNNING"},
	}
	for _, tc := range tests {
		if got := effectiveState(tc.job, tc.coll); got != tc.want {
			t.Errorf("job %s collection %s: %s, want %s", tc.job, tc.coll, got, tc.want)
		}
	}
}
