package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/relmongo/relmongo/internal/contract"
)

// runToEnd runs the collection workflow, following continue-as-new, and returns how many runs it
// took.
func runToEnd(t *testing.T, f *fakeSource, in contract.CollectionInput) (contract.CollectionResult, int) {
	t.Helper()
	for runs := 1; runs < 1000; runs++ {
		env := newCollectionEnv(f)
		env.ExecuteWorkflow(contract.CollectionWorkflow, in)
		if !env.IsWorkflowCompleted() {
			t.Fatal("workflow did not complete")
		}
		err := env.GetWorkflowError()
		if next, ok := continuedInput(t, err); ok {
			in = next
			continue
		}
		if err != nil {
			t.Fatalf("workflow failed: %v", err)
		}
		var res contract.CollectionResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		return res, runs
	}
	t.Fatal("too many continue-as-new runs")
	return contract.CollectionResult{}, 0
}

func TestCollectionCopiesEveryChunkOnce(t *testing.T) {
	tests := []struct {
		name                 string
		rows                 int
		chunkRows            int64
		window, canAfter     int
		wantChunks, wantRuns int
	}{
		{"empty table: one open chunk", 0, 10, 4, 0, 1, 1},
		{"one chunk", 5, 10, 4, 0, 1, 1},
		{"exact multiple", 100, 10, 4, 0, 10, 1},
		{"more chunks than a plan batch", 1000, 7, 3, 0, 143, 1},
		{"window of one", 50, 10, 1, 0, 5, 1},
		{"continue-as-new every 3 chunks loses nothing", 100, 10, 2, 3, 10, 4},
		{"continue-as-new with a window wider than the threshold", 95, 10, 8, 2, 10, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSource(map[string]int{"things": tc.rows})
			res, runs := runToEnd(t, f, collectionInput(tc.chunkRows, tc.window, tc.canAfter))
			if int(res.ChunksDone) != tc.wantChunks {
				t.Errorf("chunksDone %d, want %d", res.ChunksDone, tc.wantChunks)
			}
			if runs != tc.wantRuns {
				t.Errorf("%d runs, want %d", runs, tc.wantRuns)
			}
			f.copiedOnce(t, "things", tc.wantChunks)
			if f.maxFlight > tc.window {
				t.Errorf("%d chunks in flight at once, window is %d", f.maxFlight, tc.window)
			}
			if f.finished["things"] != collectionDone {
				t.Errorf("collection recorded %q, want DONE", f.finished["things"])
			}
		})
	}
}

func TestCollectionRetriesAFailedChunk(t *testing.T) {
	f := newFakeSource(map[string]int{"things": 40})
	f.failSeq = 2
	res, _ := runToEnd(t, f, collectionInput(10, 4, 0))
	if res.ChunksDone != 4 || f.attempts["things/2"] != 2 {
		t.Fatalf("chunksDone %d attempts of chunk 2: %d", res.ChunksDone, f.attempts["things/2"])
	}
}

func TestCollectionRecordErrorTolerance(t *testing.T) {
	tests := []struct {
		name      string
		handling  string
		tolerance int64
		errs      map[int64]int64 // per chunk
		wantFail  bool
	}{
		{"FAIL, tolerance 0, first error fails", "FAIL", 0, map[int64]int64{1: 1}, true},
		{"FAIL, tolerance 3, three errors pass", "FAIL", 3, map[int64]int64{0: 1, 1: 1, 2: 1}, false},
		{"FAIL, tolerance 3, the fourth fails", "FAIL", 3, map[int64]int64{0: 1, 1: 2, 2: 1}, true},
		{"WARN never fails", "WARN", 0, map[int64]int64{0: 5, 2: 5}, false},
		{"SKIP never fails", "SKIP", 0, map[int64]int64{0: 5}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSource(map[string]int{"things": 30})
			f.recordErrors["things"] = tc.errs
			in := collectionInput(10, 1, 0)
			in.Options.ErrorHandling, in.Options.ErrorTolerance = tc.handling, tc.tolerance
			env := newCollectionEnv(f)
			env.ExecuteWorkflow(contract.CollectionWorkflow, in)
			err := env.GetWorkflowError()
			if tc.wantFail {
				if errorType(err) != contract.ErrTypeRecordLimit {
					t.Fatalf("workflow error %v, want %s", err, contract.ErrTypeRecordLimit)
				}
				if f.finished["things"] != collectionFailed {
					t.Errorf("collection recorded %q, want FAILED", f.finished["things"])
				}
				return
			}
			if err != nil {
				t.Fatalf("workflow failed: %v", err)
			}
			var res contract.CollectionResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			var want int64
			for _, n := range tc.errs {
				want += n
			}
			if res.RecordErrors != want {
				t.Errorf("recordErrors %d, want %d", res.RecordErrors, want)
			}
			// Under FAIL, reports to the job are cumulative, one per chunk that had record errors;
			// they may arrive in any order, so the job keeps the largest. WARN and SKIP send none.
			var largest int64
			for _, r := range f.reports {
				largest = max(largest, r.RecordErrors)
			}
			wantReports := len(tc.errs)
			if tc.handling != "FAIL" {
				wantReports, want = 0, 0
			}
			if len(f.reports) != wantReports || largest != want {
				t.Errorf("reports %+v, want %d cumulative reports up to %d", f.reports, wantReports, want)
			}
		})
	}
}

// TestCollectionPauseAndResume pauses while chunk 3 is being copied (window 1, so exactly chunks
// 0..3 have started): the chunk in flight finishes, no new chunk starts while paused, and resume
// copies the rest, each chunk exactly once.
func TestCollectionPauseAndResume(t *testing.T) {
	f := newFakeSource(map[string]int{"things": 100})
	env := newCollectionEnv(f)
	f.onCopy = func(_ context.Context, _ string, seq int64) error {
		if seq == 3 {
			env.SignalWorkflow(contract.SignalPause, int64(100))
		}
		return nil
	}
	var startedWhilePaused []string
	var copiedWhilePaused []int64
	env.RegisterDelayedCallback(func() {
		startedWhilePaused, _, _ = f.snapshot()
		_, c, _ := f.snapshot()
		copiedWhilePaused = c["things"]
		env.SignalWorkflow(contract.SignalResume, int64(200))
	}, time.Hour)
	env.ExecuteWorkflow(contract.CollectionWorkflow, collectionInput(10, 1, 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if len(startedWhilePaused) != 4 {
		t.Errorf("chunks started before the resume: %v, want chunks 0..3 only", startedWhilePaused)
	}
	if len(copiedWhilePaused) != 4 {
		t.Errorf("chunks finished while paused: %v, want the chunk in flight (3) to finish", copiedWhilePaused)
	}
	f.copiedOnce(t, "things", 10)
}

// TestCollectionIgnoresStaleSignals: a resume older than the pause (delivered late) changes nothing.
func TestCollectionIgnoresStaleSignals(t *testing.T) {
	f := newFakeSource(map[string]int{"things": 100})
	env := newCollectionEnv(f)
	f.onCopy = func(_ context.Context, _ string, seq int64) error {
		if seq == 1 {
			env.SignalWorkflow(contract.SignalPause, int64(100))
			env.SignalWorkflow(contract.SignalResume, int64(50)) // older than the pause
		}
		return nil
	}
	var startedBeforeResume int
	env.RegisterDelayedCallback(func() {
		s, _, _ := f.snapshot()
		startedBeforeResume = len(s)
		env.SignalWorkflow(contract.SignalResume, int64(300))
	}, time.Hour)
	env.ExecuteWorkflow(contract.CollectionWorkflow, collectionInput(10, 1, 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if startedBeforeResume != 2 {
		t.Errorf("%d chunks started before the newer resume, want 2: the stale resume must be ignored", startedBeforeResume)
	}
	f.copiedOnce(t, "things", 10)
}

// TestCollectionPauseSurvivesContinueAsNew: a pause that arrives during the last chunk of a run is
// carried into the next run, which starts nothing until resumed.
func TestCollectionPauseSurvivesContinueAsNew(t *testing.T) {
	f := newFakeSource(map[string]int{"things": 100})
	env := newCollectionEnv(f)
	f.onCopy = func(_ context.Context, _ string, seq int64) error {
		if seq == 2 { // the last chunk before continue-as-new (threshold 3)
			env.SignalWorkflow(contract.SignalPause, int64(100))
		}
		return nil
	}
	env.ExecuteWorkflow(contract.CollectionWorkflow, collectionInput(10, 1, 3))
	next, ok := continuedInput(t, env.GetWorkflowError())
	if !ok {
		t.Fatalf("want continue-as-new, got %v", env.GetWorkflowError())
	}
	if !next.State.Paused || next.State.PauseStamp != 100 {
		t.Fatalf("carried state paused=%v stamp=%d, want paused with stamp 100", next.State.Paused, next.State.PauseStamp)
	}

	// The next run starts paused: nothing starts until the resume.
	f.onCopy = nil
	env = newCollectionEnv(f)
	var startedBeforeResume int
	env.RegisterDelayedCallback(func() {
		s, _, _ := f.snapshot()
		startedBeforeResume = len(s)
		env.SignalWorkflow(contract.SignalResume, int64(200))
	}, time.Hour)
	next.Hooks.ContinueAsNewAfterChunks = 0
	env.ExecuteWorkflow(contract.CollectionWorkflow, next)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("second run failed: %v", err)
	}
	if startedBeforeResume != 3 {
		t.Errorf("%d chunks started before the resume, want the first run's 3", startedBeforeResume)
	}
	f.copiedOnce(t, "things", 10)
}

// TestCollectionDrainsSignalsBeforeContinueAsNew: a pause delivered in the same workflow task in
// which the run decides to continue as new is not lost.
func TestCollectionDrainsSignalsBeforeContinueAsNew(t *testing.T) {
	f := newFakeSource(map[string]int{"things": 100})
	env := newCollectionEnv(f)
	f.onCopy = func(_ context.Context, _ string, seq int64) error {
		if seq == 2 {
			// Delivered without a workflow task of its own: the run sees it together with the
			// completion of its last chunk, when it decides to continue as new.
			env.SignalWorkflowSkippingWorkflowTask(contract.SignalPause, int64(7))
		}
		return nil
	}
	env.ExecuteWorkflow(contract.CollectionWorkflow, collectionInput(10, 1, 3))
	next, ok := continuedInput(t, env.GetWorkflowError())
	if !ok || !next.State.Paused {
		t.Fatalf("continue-as-new %v, carried paused=%v: the pause was lost", ok, next.State.Paused)
	}
}

// TestCollectionStopCancelsChunksInFlight: cancelling the workflow (how the job stops its
// collections) cancels the chunk in flight, starts nothing more, records CANCELLED and ends
// cancelled.
func TestCollectionStopCancelsChunksInFlight(t *testing.T) {
	f := newFakeSource(map[string]int{"things": 100})
	env := newCollectionEnv(f)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.onCopy = func(ctx context.Context, _ string, seq int64) error {
		if seq == 2 {
			env.CancelWorkflow()
			select { // a long chunk: stops when cancelled
			case <-ctx.Done():
				return ctx.Err()
			case <-release:
			}
		}
		return nil
	}
	env.ExecuteWorkflow(contract.CollectionWorkflow, collectionInput(10, 1, 0))
	err := env.GetWorkflowError()
	if !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error %v, want cancelled", err)
	}
	started, copied, _ := f.snapshot()
	if len(started) != 3 || len(copied["things"]) != 2 {
		t.Errorf("started %v copied %v: want chunks 0..2 started, 0..1 copied, nothing after the stop", started, copied["things"])
	}
	if f.finished["things"] != collectionCancelled {
		t.Errorf("collection recorded %q, want CANCELLED", f.finished["things"])
	}
}

func TestPauseStateKeepsTheNewestRequest(t *testing.T) {
	type req struct {
		pause bool
		stamp int64
	}
	tests := []struct {
		name   string
		reqs   []req
		paused bool
	}{
		{"pause", []req{{true, 1}}, true},
		{"pause then resume", []req{{true, 1}, {false, 2}}, false},
		{"resume then pause", []req{{false, 1}, {true, 2}}, true},
		{"delivered out of order: pause(2) before resume(1)", []req{{true, 2}, {false, 1}}, true},
		{"delivered out of order: resume(2) before pause(1)", []req{{false, 2}, {true, 1}}, false},
		{"repeated pause", []req{{true, 1}, {true, 3}, {false, 2}}, true},
		{"hand-sent signal without a stamp applies", []req{{true, 5}, {false, 0}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p pauseState
			for _, r := range tc.reqs {
				p.apply(r.pause, r.stamp)
			}
			if p.paused != tc.paused {
				t.Errorf("paused = %v, want %v", p.paused, tc.paused)
			}
		})
	}
}

func TestJobControlStatus(t *testing.T) {
	tests := []struct {
		ctl  jobControl
		want string
	}{
		{jobControl{phase: contract.StatusNotStarted}, contract.StatusNotStarted},
		{jobControl{phase: contract.StatusNotStarted, pause: pauseState{paused: true}}, contract.StatusPaused},
		{jobControl{phase: contract.StatusRunning}, contract.StatusRunning},
		{jobControl{phase: contract.StatusRunning, pause: pauseState{paused: true}}, contract.StatusPaused},
		{jobControl{phase: contract.StatusRunning, pause: pauseState{paused: true}, stopping: true}, contract.StatusCancelling},
		{jobControl{phase: contract.StatusCleaningUp, pause: pauseState{paused: true}}, contract.StatusCleaningUp},
		{jobControl{phase: contract.StatusCancelled, stopping: true}, contract.StatusCancelled},
		{jobControl{phase: contract.StatusCompleted}, contract.StatusCompleted},
	}
	for _, tc := range tests {
		name := strings.Join([]string{tc.ctl.phase, tc.want}, "->")
		t.Run(name, func(t *testing.T) {
			if got := tc.ctl.status(); got != tc.want {
				t.Errorf("status %s, want %s", got, tc.want)
			}
		})
	}
}
