package workflows

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/relmongo/relmongo/internal/contract"
)

// recordStatusUpserts makes env record every RelmongoStatus upsert, in order.
func recordStatusUpserts(env *testsuite.TestWorkflowEnvironment) func() []string {
	var mu sync.Mutex
	var got []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		v, ok := sa.GetKeyword(contract.SAStatus)
		if !ok {
			v = "(upsert without " + contract.SearchAttrStatus + ")"
		}
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
	}).Return(nil)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

// TestMigrationUpsertsStatus: a job started with RelmongoStatus (the API found the attributes
// registered) upserts it on every status change, the terminal one included, so the Temporal Web
// UI filters jobs by status.
func TestMigrationUpsertsStatus(t *testing.T) {
	tests := []struct {
		name string
		// setup installs hooks on the fake; env is the job's environment.
		setup func(f *fakeSource, env *testsuite.TestWorkflowEnvironment)
		want  []string
	}{
		{"completed", nil, []string{contract.StatusRunning, contract.StatusCleaningUp, contract.StatusCompleted}},
		{"paused and resumed", func(f *fakeSource, env *testsuite.TestWorkflowEnvironment) {
			f.onCopy = func(_ context.Context, coll string, seq int64) error {
				if coll == "a" && seq == 1 {
					env.SignalWorkflow(contract.SignalPause, int64(100))
					env.SignalWorkflow(contract.SignalResume, int64(200))
				}
				return nil
			}
		}, []string{contract.StatusRunning, contract.StatusPaused, contract.StatusRunning, contract.StatusCleaningUp, contract.StatusCompleted}},
		{"stopped", func(f *fakeSource, env *testsuite.TestWorkflowEnvironment) {
			f.onCopy = func(ctx context.Context, coll string, seq int64) error {
				if coll == "a" && seq == 1 {
					env.SignalWorkflow(contract.SignalStop, nil)
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}
		}, []string{contract.StatusRunning, contract.StatusCancelling, contract.StatusCancelled}},
		{"a collection fails", func(f *fakeSource, env *testsuite.TestWorkflowEnvironment) {
			f.onCopy = func(_ context.Context, coll string, seq int64) error {
				if coll == "a" && seq == 1 {
					return temporal.NewNonRetryableApplicationError("relation does not exist", contract.ErrTypeSetup, nil)
				}
				return nil
			}
		}, []string{contract.StatusRunning, contract.StatusFailed}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSource(map[string]int{"a": 30})
			env := newJobEnv(f, "job-1")
			if err := env.SetTypedSearchAttributesOnStart(contract.JobSearchAttributes("job-1", "p1", "Chinook", "")); err != nil {
				t.Fatal(err)
			}
			upserts := recordStatusUpserts(env)
			if tc.setup != nil {
				tc.setup(f, env)
			}
			env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
			if !env.IsWorkflowCompleted() {
				t.Fatal("the workflow did not complete")
			}
			if got := upserts(); !slices.Equal(got, tc.want) {
				t.Errorf("%s upserts %v, want %v", contract.SearchAttrStatus, got, tc.want)
			}
		})
	}
}

// TestMigrationWithoutSearchAttributes: a job started without relmongo's attributes (missing in
// the namespace, or started by an older version) never upserts one, and still completes.
func TestMigrationWithoutSearchAttributes(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 30})
	env := newJobEnv(f, "job-1")
	upserts := recordStatusUpserts(env)
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if got := upserts(); len(got) != 0 {
		t.Errorf("upserts %v, want none", got)
	}
	if f.jobEnd == nil || f.jobEnd.Status != contract.StatusCompleted {
		t.Errorf("job end %+v, want COMPLETED", f.jobEnd)
	}
}
