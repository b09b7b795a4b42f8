package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/relmongo/relmongo/internal/contract"
)

func TestMigrationCopiesEveryCollection(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 50, "b": 30, "c": 0})
	env := newJobEnv(f, "job-1")
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 2, 2, "FAIL", 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	f.copiedOnce(t, "a", 5)
	f.copiedOnce(t, "b", 3)
	f.copiedOnce(t, "c", 1)
	if f.jobEnd == nil || f.jobEnd.Status != contract.StatusCompleted {
		t.Fatalf("job end %+v, want COMPLETED", f.jobEnd)
	}
	if len(f.statuses) != 0 {
		t.Errorf("control statuses recorded %v, want none", f.statuses)
	}
	if got := queryStatus(t, env); got != contract.StatusCompleted {
		t.Errorf("control query after the end: %s", got)
	}
}

// TestMigrationErrorToleranceIsJobWide: record errors of all collections add up against
// errorTolerance under FAIL (each collection alone stays within it in the failing cases).
func TestMigrationErrorToleranceIsJobWide(t *testing.T) {
	tests := []struct {
		name        string
		handling    string
		tolerance   int64
		parallelism int
		wantFail    bool
	}{
		{"sum 4 > 3, collections in parallel", "FAIL", 3, 2, true},
		{"sum 4 > 3, collections one after the other", "FAIL", 3, 1, true},
		{"sum 4 = tolerance 4", "FAIL", 4, 2, false},
		{"WARN ignores the tolerance", "WARN", 0, 2, false},
		{"SKIP ignores the tolerance", "SKIP", 0, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSource(map[string]int{"a": 30, "b": 30})
			f.recordErrors["a"] = map[int64]int64{0: 1, 2: 1}
			f.recordErrors["b"] = map[int64]int64{1: 2}
			env := newJobEnv(f, "job-1")
			env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, tc.parallelism, 1, tc.handling, tc.tolerance))
			err := env.GetWorkflowError()
			if !tc.wantFail {
				if err != nil || f.jobEnd == nil || f.jobEnd.Status != contract.StatusCompleted {
					t.Fatalf("error %v, job end %+v: want COMPLETED", err, f.jobEnd)
				}
				return
			}
			if errorType(err) != contract.ErrTypeRecordLimit {
				t.Fatalf("workflow error %v, want %s", err, contract.ErrTypeRecordLimit)
			}
			if f.jobEnd == nil || f.jobEnd.Status != contract.StatusFailed || f.jobEnd.Failure == nil ||
				f.jobEnd.Failure.ErrorType != contract.ErrTypeRecordLimit || f.jobEnd.Failure.FailedLocationType != "COLLECTION" {
				t.Fatalf("job end %+v, want FAILED with %s at a collection", f.jobEnd, contract.ErrTypeRecordLimit)
			}
			if msg := f.jobEnd.Failure.Message; !strings.Contains(msg, "4 record errors exceed errorTolerance 3") {
				t.Errorf("failure message %q does not give the job-wide count", msg)
			}
		})
	}
}

// TestMigrationPauseAndResume: a pause reaches the running collection (nothing runs while the
// job is paused, and the job does not end), resume finishes the copy, each chunk exactly once,
// and the workflow records PAUSED then RUNNING.
func TestMigrationPauseAndResume(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 100, "b": 30})
	env := newJobEnv(f, "job-1")
	f.onCopy = func(_ context.Context, coll string, seq int64) error {
		if coll == "a" && seq == 1 {
			env.SignalWorkflow(contract.SignalPause, int64(100))
		}
		return nil
	}
	var whilePaused struct {
		status  string
		started int
		ended   bool
	}
	env.RegisterDelayedCallback(func() {
		whilePaused.status = queryStatus(t, env)
		s, _, _ := f.snapshot()
		whilePaused.started = len(s)
		whilePaused.ended = f.jobEnd != nil
		env.SignalWorkflow(contract.SignalResume, int64(200))
	}, time.Hour)
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if whilePaused.status != contract.StatusPaused || whilePaused.ended || whilePaused.started >= 13 {
		t.Errorf("while paused: %+v, want status PAUSED, job not ended, not every chunk started", whilePaused)
	}
	f.copiedOnce(t, "a", 10)
	f.copiedOnce(t, "b", 3)
	if !slices.Equal(f.statuses, []string{contract.StatusPaused, contract.StatusRunning}) {
		t.Errorf("statuses recorded %v, want PAUSED then RUNNING", f.statuses)
	}
	if f.jobEnd == nil || f.jobEnd.Status != contract.StatusCompleted {
		t.Errorf("job end %+v, want COMPLETED", f.jobEnd)
	}
}

// TestMigrationPausedBeforeItStarts: a pause during Prepare (NOT_STARTED) holds every collection
// back; the status Prepare wrote (RUNNING) is corrected to PAUSED.
func TestMigrationPausedBeforeItStarts(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 30})
	env := newJobEnv(f, "job-1")
	f.onPrepare = func() { env.SignalWorkflow(contract.SignalPause, int64(100)) }
	startedWhilePaused := -1
	env.RegisterDelayedCallback(func() {
		s, _, _ := f.snapshot()
		startedWhilePaused = len(s)
		env.SignalWorkflow(contract.SignalResume, int64(200))
	}, time.Hour)
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if startedWhilePaused != 0 {
		t.Errorf("%d chunks started while paused, want 0", startedWhilePaused)
	}
	if !slices.Equal(f.statuses, []string{contract.StatusPaused, contract.StatusRunning}) {
		t.Errorf("statuses recorded %v, want PAUSED then RUNNING", f.statuses)
	}
	f.copiedOnce(t, "a", 3)
}

// TestMigrationStop covers every way a job is stopped: the stop signal while a chunk runs (the
// chunk is cancelled), while paused, during Prepare, and a cancellation in Temporal. Each ends
// CANCELLED, records CANCELLING then CANCELLED, starts nothing more, and never records COMPLETED.
func TestMigrationStop(t *testing.T) {
	tests := []struct {
		name string
		// trigger installs how the stop happens.
		trigger func(f *fakeSource, env interface {
			SignalWorkflow(string, interface{})
			CancelWorkflow()
		})
		wantStarted int
	}{
		{"stop signal during a long chunk", func(f *fakeSource, env interface {
			SignalWorkflow(string, interface{})
			CancelWorkflow()
		}) {
			f.onCopy = func(ctx context.Context, coll string, seq int64) error {
				if coll == "a" && seq == 2 {
					env.SignalWorkflow(contract.SignalStop, nil)
					<-ctx.Done() // a long chunk that only the cancellation ends
					return ctx.Err()
				}
				return nil
			}
		}, 3},
		{"Temporal cancellation during a long chunk", func(f *fakeSource, env interface {
			SignalWorkflow(string, interface{})
			CancelWorkflow()
		}) {
			f.onCopy = func(ctx context.Context, coll string, seq int64) error {
				if coll == "a" && seq == 2 {
					env.CancelWorkflow()
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}
		}, 3},
		{"stop during Prepare", func(f *fakeSource, env interface {
			SignalWorkflow(string, interface{})
			CancelWorkflow()
		}) {
			f.onPrepare = func() { env.SignalWorkflow(contract.SignalStop, nil) }
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSource(map[string]int{"a": 100, "b": 30})
			env := newJobEnv(f, "job-1")
			tc.trigger(f, env)
			env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
			checkStopped(t, f, env.GetWorkflowError(), tc.wantStarted)
			if got := queryStatus(t, env); got != contract.StatusCancelled {
				t.Errorf("control query after the stop: %s", got)
			}
		})
	}
}

func TestMigrationStopWhilePaused(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 100, "b": 30})
	env := newJobEnv(f, "job-1")
	f.onCopy = func(_ context.Context, coll string, seq int64) error {
		if coll == "a" && seq == 1 {
			env.SignalWorkflow(contract.SignalPause, int64(100))
		}
		return nil
	}
	started := 0
	env.RegisterDelayedCallback(func() {
		s, _, _ := f.snapshot()
		started = len(s)
		env.SignalWorkflow(contract.SignalStop, nil)
	}, time.Hour)
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
	checkStopped(t, f, env.GetWorkflowError(), started)
	if f.statuses[0] != contract.StatusPaused {
		t.Errorf("statuses %v, want PAUSED first", f.statuses)
	}
}

func checkStopped(t *testing.T, f *fakeSource, err error, wantStarted int) {
	t.Helper()
	if !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error %v, want cancelled", err)
	}
	if f.jobEnd != nil {
		t.Errorf("FinishJob recorded %+v for a stopped job", f.jobEnd)
	}
	n := len(f.statuses)
	if n < 2 || f.statuses[n-2] != contract.StatusCancelling || f.statuses[n-1] != contract.StatusCancelled {
		t.Errorf("statuses recorded %v, want ... CANCELLING, CANCELLED", f.statuses)
	}
	started, _, _ := f.snapshot()
	if len(started) != wantStarted {
		t.Errorf("chunks started %v, want %d: nothing may start after a stop", started, wantStarted)
	}
	if wantStarted > 0 && f.finished["a"] != collectionCancelled {
		t.Errorf("collection a recorded %q, want CANCELLED", f.finished["a"])
	}
	if _, ok := f.finished["b"]; ok {
		t.Errorf("collection b was started after the stop")
	}
}

// TestMigrationFailsWithTheCollectionThatFailed: a permanent error in one collection fails the job,
// cancels the others and names the collection in failureError.
func TestMigrationFailsWithTheCollectionThatFailed(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 100, "b": 100})
	f.onCopy = func(ctx context.Context, coll string, seq int64) error {
		switch {
		case coll == "b" && seq == 1:
			return temporal.NewNonRetryableApplicationError("relation does not exist", contract.ErrTypeSetup, nil)
		case coll == "a" && seq == 1:
			<-ctx.Done() // still running when b fails: cancelled
			return ctx.Err()
		}
		return nil
	}
	env := newJobEnv(f, "job-1")
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 2, 1, "FAIL", 0))
	err := env.GetWorkflowError()
	if errorType(err) != contract.ErrTypeSetup {
		t.Fatalf("workflow error %v, want %s", err, contract.ErrTypeSetup)
	}
	if f.jobEnd == nil || f.jobEnd.Failure == nil || f.jobEnd.Failure.FailedLocation != "b" {
		t.Fatalf("job end %+v, want FAILED at collection b", f.jobEnd)
	}
	if f.finished["a"] != collectionCancelled || f.finished["b"] != collectionFailed {
		t.Errorf("collections recorded %v, want a CANCELLED and b FAILED", f.finished)
	}
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Message() != "relation does not exist" {
		t.Errorf("failure message %v", err)
	}
}
