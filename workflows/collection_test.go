package workflows

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
)

// fakeTable plans chunks over keys 1..rows, chunkRows apart, like the real PlanChunks.
type fakeTable struct {
	rows      int
	mu        sync.Mutex
	copied    []int64 // chunk seqs copied
	maxFlight int
	inFlight  int
	failSeq   int64 // a chunk whose first attempt fails (-1 none)
	attempts  map[int64]int
	planCalls int
}

func (f *fakeTable) plan(_ context.Context, in contract.PlanChunksInput) (contract.PlanChunksResult, error) {
	f.mu.Lock()
	f.planCalls++
	f.mu.Unlock()
	start := 0
	if in.After != nil {
		start, _ = strconv.Atoi(in.After[0])
	}
	var res contract.PlanChunksResult
	lower := in.After
	seq := in.FirstSeq
	for len(res.Chunks) < in.MaxChunks {
		next := start + int(in.Options.ChunkRows)
		if next >= f.rows {
			res.Chunks = append(res.Chunks, contract.Chunk{Seq: seq, Lower: lower})
			res.Done = true
			return res, nil
		}
		u := contract.ChunkBound{strconv.Itoa(next)}
		res.Chunks = append(res.Chunks, contract.Chunk{Seq: seq, Lower: lower, Upper: u})
		lower, start = u, next
		seq++
	}
	return res, nil
}

func (f *fakeTable) copy(ctx context.Context, in contract.CopyChunkInput) (contract.CopyChunkResult, error) {
	f.mu.Lock()
	f.attempts[in.Chunk.Seq]++
	attempt := f.attempts[in.Chunk.Seq]
	f.inFlight++
	f.maxFlight = max(f.maxFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if in.Chunk.Seq == f.failSeq && attempt == 1 {
		return contract.CopyChunkResult{}, errors.New("simulated transient failure")
	}
	f.mu.Lock()
	f.copied = append(f.copied, in.Chunk.Seq)
	f.mu.Unlock()
	return contract.CopyChunkResult{RowsRead: 1, DocsWritten: 1}, nil
}

func noopFinish(context.Context, contract.FinishCollectionInput) error { return nil }

func newEnv(t *testing.T, f *fakeTable) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Collection, workflow.RegisterOptions{Name: contract.CollectionWorkflow})
	env.RegisterActivityWithOptions(f.plan, activity.RegisterOptions{Name: contract.PlanChunksActivity})
	env.RegisterActivityWithOptions(f.copy, activity.RegisterOptions{Name: contract.CopyChunkActivity})
	env.RegisterActivityWithOptions(noopFinish, activity.RegisterOptions{Name: contract.FinishCollectionActivity})
	return env
}

func collectionInput(chunkRows int64, window, canAfter int) contract.CollectionInput {
	return contract.CollectionInput{
		JobID:   "job-1",
		Plan:    project.CollectionPlan{Name: "things"},
		Options: contract.Options{ChunkRows: chunkRows, ChunkWindow: window, ErrorHandling: "FAIL"},
		Hooks:   contract.TestHooks{ContinueAsNewAfterChunks: canAfter},
	}
}

// runToEnd runs the workflow, following continue-as-new, and returns how many runs it took.
func runToEnd(t *testing.T, f *fakeTable, in contract.CollectionInput) (contract.CollectionResult, int) {
	t.Helper()
	for runs := 1; runs < 1000; runs++ {
		env := newEnv(t, f)
		env.ExecuteWorkflow(contract.CollectionWorkflow, in)
		if !env.IsWorkflowCompleted() {
			t.Fatal("workflow did not complete")
		}
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next contract.CollectionInput
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
				t.Fatal(err)
			}
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
			f := &fakeTable{rows: tc.rows, failSeq: -1, attempts: map[int64]int{}}
			res, runs := runToEnd(t, f, collectionInput(tc.chunkRows, tc.window, tc.canAfter))
			if int(res.ChunksDone) != tc.wantChunks {
				t.Errorf("chunksDone %d, want %d", res.ChunksDone, tc.wantChunks)
			}
			if runs != tc.wantRuns {
				t.Errorf("%d runs, want %d", runs, tc.wantRuns)
			}
			slices.Sort(f.copied)
			for i, seq := range f.copied {
				if seq != int64(i) {
					t.Fatalf("chunks copied %v: want each of 0..%d exactly once", f.copied, tc.wantChunks-1)
				}
			}
			if f.maxFlight > tc.window {
				t.Errorf("%d chunks in flight at once, window is %d", f.maxFlight, tc.window)
			}
			if len(f.copied) != tc.wantChunks {
				t.Errorf("copied %d chunks, want %d", len(f.copied), tc.wantChunks)
			}
		})
	}
}

func TestCollectionRetriesAFailedChunk(t *testing.T) {
	f := &fakeTable{rows: 40, failSeq: 2, attempts: map[int64]int{}}
	res, _ := runToEnd(t, f, collectionInput(10, 4, 0))
	if res.ChunksDone != 4 || f.attempts[2] != 2 {
		t.Fatalf("chunksDone %d attempts of chunk 2: %d", res.ChunksDone, f.attempts[2])
	}
}

func TestCollectionFailsWhenRecordErrorsExceedTolerance(t *testing.T) {
	f := &fakeTable{rows: 30, failSeq: -1, attempts: map[int64]int{}}
	env := newEnv(t, f)
	env.OnActivity(contract.CopyChunkActivity, mock.Anything, mock.Anything).Return(contract.CopyChunkResult{RowsRead: 10, RecordErrors: 1}, nil)
	env.ExecuteWorkflow(contract.CollectionWorkflow, collectionInput(10, 1, 0))
	err := env.GetWorkflowError()
	if err == nil || !containsType(err, contract.ErrTypeRecordLimit) {
		t.Fatalf("workflow error %v, want %s", err, contract.ErrTypeRecordLimit)
	}
}

func containsType(err error, typ string) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == typ
}
