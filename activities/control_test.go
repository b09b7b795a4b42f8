package activities

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
)

func TestSetJobStatus(t *testing.T) {
	tests := []struct {
		from, to  string
		applied   bool
		finished  bool
		wantError bool
	}{
		{contract.StatusRunning, contract.StatusPaused, true, false, false},
		{contract.StatusNotStarted, contract.StatusPaused, true, false, false},
		{contract.StatusPaused, contract.StatusRunning, true, false, false},
		{contract.StatusRunning, contract.StatusCancelling, true, false, false},
		{contract.StatusCancelling, contract.StatusCancelled, true, true, false},
		{contract.StatusRunning, contract.StatusCancelled, true, true, false},
		// Never out of CANCELLING except to CANCELLED, never out of a terminal state.
		{contract.StatusCancelling, contract.StatusPaused, false, false, false},
		{contract.StatusCancelling, contract.StatusRunning, false, false, false},
		{contract.StatusCompleted, contract.StatusPaused, false, false, false},
		{contract.StatusFailed, contract.StatusCancelled, false, false, false},
		{contract.StatusCancelled, contract.StatusCancelling, false, false, false},
		{contract.StatusCleaningUp, contract.StatusRunning, false, false, false},
		// Only control transitions are accepted.
		{contract.StatusRunning, contract.StatusCompleted, false, false, true},
	}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	a := New(st, secret.Key{}, nil)
	for i, tc := range tests {
		t.Run(tc.from+"->"+tc.to, func(t *testing.T) {
			id := "job-" + string(rune('a'+i))
			if err := st.CreateJob(ctx, store.Job{ID: id, ProjectID: "p", Status: tc.from}); err != nil {
				t.Fatal(err)
			}
			err := a.SetJobStatus(ctx, contract.FinishJobInput{JobID: id, Status: tc.to})
			if (err != nil) != tc.wantError {
				t.Fatalf("error %v, want error %v", err, tc.wantError)
			}
			j, err := st.GetJob(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.from
			if tc.applied {
				want = tc.to
			}
			if j.Status != want {
				t.Errorf("status %s, want %s", j.Status, want)
			}
			if (j.FinishedAt != nil) != tc.finished {
				t.Errorf("finishedAt %v, want set: %v", j.FinishedAt, tc.finished)
			}
			n, err := st.CountEvents(ctx, id, "INFO")
			if err != nil {
				t.Fatal(err)
			}
			if (n == 1) != tc.applied || n > 1 {
				t.Errorf("%d INFO events, want one exactly when the status changed", n)
			}
		})
	}
}
