package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
)

// fakeSource stands in for every activity: it plans chunks over keys 1..rows of each collection,
// chunkRows apart, like the real PlanChunks, copies them instantly (or as a hook says), and records
// what the workflows asked for.
type fakeSource struct {
	rows map[string]int // rows per collection
	// recordErrors[collection][seq] is the record errors a chunk reports.
	recordErrors map[string]map[int64]int64
	// failSeq is a chunk (of every collection) whose first attempt fails transiently; -1 none.
	failSeq int64
	// onPrepare, when set, runs inside Prepare.
	onPrepare func()
	// onCopy, when set, runs at the start of every CopyChunk attempt; an error fails the attempt.
	onCopy func(ctx context.Context, collection string, seq int64) error

	mu        sync.Mutex
	started   []string // "collection/seq" in start order (every attempt)
	copied    map[string][]int64
	attempts  map[string]int
	inFlight  int
	maxFlight int
	statuses  []string          // SetJobStatus calls, in order
	finished  map[string]string // collection -> state recorded by FinishCollection
	jobEnd    *contract.FinishJobInput
	prepared  bool
	reports   []contract.CollectionResult // record-error reports of a collection run on its own
	// verifyResult, when set, answers Verify for a collection (default: passed); an error fails it.
	verifyResult func(ctx context.Context, collection string) (contract.VerifyResult, error)
	verified     []string // collections Verify was called for, in order
	verifyStates []string // SetVerificationStatus calls, in order
}

func newFakeSource(rows map[string]int) *fakeSource {
	return &fakeSource{rows: rows, recordErrors: map[string]map[int64]int64{}, failSeq: -1,
		copied: map[string][]int64{}, attempts: map[string]int{}, finished: map[string]string{}}
}

func (f *fakeSource) prepare(_ context.Context, in contract.PrepareInput) (contract.PrepareResult, error) {
	if f.onPrepare != nil {
		f.onPrepare()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prepared = true
	var res contract.PrepareResult
	names := make([]string, 0, len(f.rows))
	for n := range f.rows {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		res.Collections = append(res.Collections, project.CollectionPlan{Name: n})
	}
	return res, nil
}

func (f *fakeSource) plan(_ context.Context, in contract.PlanChunksInput) (contract.PlanChunksResult, error) {
	rows := f.rows[in.Plan.Name]
	start := 0
	if in.After != nil {
		start, _ = strconv.Atoi(in.After[0])
	}
	var res contract.PlanChunksResult
	lower := in.After
	seq := in.FirstSeq
	for len(res.Chunks) < in.MaxChunks {
		next := start + int(in.Options.ChunkRows)
		if next >= rows {
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

func (f *fakeSource) copy(ctx context.Context, in contract.CopyChunkInput) (contract.CopyChunkResult, error) {
	name, seq := in.Plan.Name, in.Chunk.Seq
	key := fmt.Sprintf("%s/%d", name, seq)
	f.mu.Lock()
	f.attempts[key]++
	attempt := f.attempts[key]
	f.started = append(f.started, key)
	f.inFlight++
	f.maxFlight = max(f.maxFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.onCopy != nil {
		if err := f.onCopy(ctx, name, seq); err != nil {
			return contract.CopyChunkResult{}, err
		}
	}
	if seq == f.failSeq && attempt == 1 {
		return contract.CopyChunkResult{}, errors.New("simulated transient failure")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copied[name] = append(f.copied[name], seq)
	return contract.CopyChunkResult{RowsRead: 1, DocsWritten: 1, RecordErrors: f.recordErrors[name][seq]}, nil
}

func (f *fakeSource) finishCollection(_ context.Context, in contract.FinishCollectionInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished[in.Collection] = in.State
	return nil
}

func (f *fakeSource) finishJob(_ context.Context, in contract.FinishJobInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobEnd = &in
	return nil
}

func (f *fakeSource) setJobStatus(_ context.Context, in contract.FinishJobInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses = append(f.statuses, in.Status)
	return nil
}

func (f *fakeSource) verify(ctx context.Context, in contract.VerifyInput) (contract.VerifyResult, error) {
	f.mu.Lock()
	f.verified = append(f.verified, in.Plan.Name)
	f.mu.Unlock()
	if f.verifyResult != nil {
		return f.verifyResult(ctx, in.Plan.Name)
	}
	return contract.VerifyResult{Collection: in.Plan.Name, Compared: 10, CountsAgree: true}, nil
}

func (f *fakeSource) setVerificationStatus(_ context.Context, in contract.SetVerificationStatusInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verifyStates = append(f.verifyStates, in.Status)
	return nil
}

// snapshot returns copies of the recorded calls, safe to read while activities run.
func (f *fakeSource) snapshot() (started []string, copied map[string][]int64, statuses []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	copied = map[string][]int64{}
	for k, v := range f.copied {
		copied[k] = slices.Clone(v)
	}
	return slices.Clone(f.started), copied, slices.Clone(f.statuses)
}

// copiedOnce checks that collection's chunks 0..n-1 were each copied exactly once.
func (f *fakeSource) copiedOnce(t *testing.T, collection string, n int) {
	t.Helper()
	_, copied, _ := f.snapshot()
	got := slices.Clone(copied[collection])
	slices.Sort(got)
	if len(got) != n {
		t.Fatalf("%s: copied chunks %v, want each of 0..%d exactly once", collection, got, n-1)
	}
	for i, seq := range got {
		if seq != int64(i) {
			t.Fatalf("%s: copied chunks %v, want each of 0..%d exactly once", collection, got, n-1)
		}
	}
}

func newEnv(f *fakeSource) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Migration, workflow.RegisterOptions{Name: contract.MigrationWorkflow})
	env.RegisterWorkflowWithOptions(Collection, workflow.RegisterOptions{Name: contract.CollectionWorkflow})
	env.RegisterActivityWithOptions(f.prepare, activity.RegisterOptions{Name: contract.PrepareActivity})
	env.RegisterActivityWithOptions(f.plan, activity.RegisterOptions{Name: contract.PlanChunksActivity})
	env.RegisterActivityWithOptions(f.copy, activity.RegisterOptions{Name: contract.CopyChunkActivity})
	env.RegisterActivityWithOptions(f.finishCollection, activity.RegisterOptions{Name: contract.FinishCollectionActivity})
	env.RegisterActivityWithOptions(f.finishJob, activity.RegisterOptions{Name: contract.FinishJobActivity})
	env.RegisterActivityWithOptions(f.setJobStatus, activity.RegisterOptions{Name: contract.SetJobStatusActivity})
	env.RegisterActivityWithOptions(f.verify, activity.RegisterOptions{Name: contract.VerifyActivity})
	env.RegisterActivityWithOptions(f.setVerificationStatus, activity.RegisterOptions{Name: contract.SetVerificationStatusActivity})
	return env
}

// newCollectionEnv is newEnv for a CollectionWorkflow run on its own: the reports it sends to its
// job are captured (the SDK's mock API needs testify's wildcard for that).
func newCollectionEnv(f *fakeSource) *testsuite.TestWorkflowEnvironment {
	env := newEnv(f)
	env.OnSignalExternalWorkflow(mock.Anything, "job-1", "", contract.SignalCollectionProgress, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.reports = append(f.reports, arg.(contract.CollectionResult))
			return nil
		})
	return env
}

// newJobEnv is newEnv with the workflow ID the job's collections report to.
func newJobEnv(f *fakeSource, jobID string) *testsuite.TestWorkflowEnvironment {
	env := newEnv(f)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: jobID})
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

func jobInput(chunkRows int64, parallelism, window int, handling string, tolerance int64) contract.MigrationInput {
	return contract.MigrationInput{
		JobID: "job-1",
		Options: contract.Options{ChunkRows: chunkRows, ChunkWindow: window, Parallelism: parallelism,
			ErrorHandling: handling, ErrorTolerance: tolerance},
	}
}

// continuedInput returns the input of the next run when the workflow continued as new.
func continuedInput(t *testing.T, err error) (contract.CollectionInput, bool) {
	t.Helper()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		return contract.CollectionInput{}, false
	}
	var next contract.CollectionInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	return next, true
}

func errorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}

func queryStatus(t *testing.T, env *testsuite.TestWorkflowEnvironment) string {
	t.Helper()
	v, err := env.QueryWorkflow(contract.QueryControlState)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	var s string
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
