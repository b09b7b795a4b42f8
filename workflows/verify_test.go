package workflows

import (
	"context"
	"slices"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/relmongo/relmongo/internal/contract"
)

func verifyingInput(parallelism int) contract.MigrationInput {
	in := jobInput(10, parallelism, 2, "FAIL", 0)
	in.Verification = contract.Verification{Enabled: true, Mode: contract.VerifySample, SampleSize: 1000}
	return in
}

// TestMigrationVerification: after every collection is copied, each is verified once, the
// verification status goes VERIFYING -> the outcome, and a difference or an error of verification
// never fails the job (it completes).
func TestMigrationVerification(t *testing.T) {
	tests := []struct {
		name   string
		result func(ctx context.Context, collection string) (contract.VerifyResult, error)
		want   string
	}{
		{"all agree", nil, contract.VerificationVerified},
		{"a document differs", func(_ context.Context, c string) (contract.VerifyResult, error) {
			return contract.VerifyResult{Collection: c, Compared: 10, Mismatched: map[string]int64{"b": 2}[c], CountsAgree: true}, nil
		}, contract.VerificationFailed},
		{"counts differ", func(_ context.Context, c string) (contract.VerifyResult, error) {
			return contract.VerifyResult{Collection: c, Compared: 10, CountsAgree: c != "a"}, nil
		}, contract.VerificationFailed},
		{"verification cannot run", func(_ context.Context, c string) (contract.VerifyResult, error) {
			if c == "a" {
				return contract.VerifyResult{}, temporal.NewNonRetryableApplicationError("source gone", contract.ErrTypeSource, nil)
			}
			return contract.VerifyResult{Collection: c, CountsAgree: true}, nil
		}, contract.VerificationAborted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSource(map[string]int{"a": 30, "b": 20, "c": 5})
			f.verifyResult = tc.result
			env := newJobEnv(f, "job-1")
			env.ExecuteWorkflow(contract.MigrationWorkflow, verifyingInput(2))
			if err := env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow failed: %v", err)
			}
			if f.jobEnd == nil || f.jobEnd.Status != contract.StatusCompleted {
				t.Fatalf("job end %+v, want COMPLETED", f.jobEnd)
			}
			if !slices.Equal(f.verifyStates, []string{contract.VerificationVerifying, tc.want}) {
				t.Errorf("verification statuses %v, want VERIFYING, %s", f.verifyStates, tc.want)
			}
			got := slices.Sorted(slices.Values(f.verified))
			if !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Errorf("verified %v, want each collection once", f.verified)
			}
			f.copiedOnce(t, "a", 3)
		})
	}
}

func TestMigrationWithoutVerification(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 30})
	env := newJobEnv(f, "job-1")
	env.ExecuteWorkflow(contract.MigrationWorkflow, jobInput(10, 1, 1, "FAIL", 0))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(f.verified) != 0 || len(f.verifyStates) != 0 {
		t.Errorf("verified %v, statuses %v; want no verification", f.verified, f.verifyStates)
	}
}

// TestMigrationVerificationNotAfterFailure: a failed copy is not verified.
func TestMigrationVerificationNotAfterFailure(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 30})
	f.onCopy = func(_ context.Context, _ string, seq int64) error {
		if seq == 1 {
			return temporal.NewNonRetryableApplicationError("bad", contract.ErrTypeSource, nil)
		}
		return nil
	}
	env := newJobEnv(f, "job-1")
	env.ExecuteWorkflow(contract.MigrationWorkflow, verifyingInput(1))
	if env.GetWorkflowError() == nil {
		t.Fatal("workflow succeeded, want the copy's failure")
	}
	if len(f.verified) != 0 || len(f.verifyStates) != 0 {
		t.Errorf("verified %v, statuses %v; want no verification after a failure", f.verified, f.verifyStates)
	}
}

// TestMigrationStopDuringVerification: a stop cancels the running Verify activities and waits for
// them; verification ends CANCELLED and the job CANCELLED.
func TestMigrationStopDuringVerification(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 30, "b": 20, "c": 5})
	env := newJobEnv(f, "job-1")
	f.verifyResult = func(ctx context.Context, c string) (contract.VerifyResult, error) {
		if c == "a" {
			env.SignalWorkflow(contract.SignalStop, nil)
			<-ctx.Done() // a long verification that only the cancellation ends
			return contract.VerifyResult{}, ctx.Err()
		}
		return contract.VerifyResult{Collection: c, CountsAgree: true}, nil
	}
	env.ExecuteWorkflow(contract.MigrationWorkflow, verifyingInput(1))
	if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error %v, want cancelled", err)
	}
	if f.jobEnd != nil {
		t.Errorf("FinishJob recorded %+v for a stopped job", f.jobEnd)
	}
	if n := len(f.statuses); n < 2 || f.statuses[n-2] != contract.StatusCancelling || f.statuses[n-1] != contract.StatusCancelled {
		t.Errorf("statuses recorded %v, want ... CANCELLING, CANCELLED", f.statuses)
	}
	if !slices.Equal(f.verifyStates, []string{contract.VerificationVerifying, contract.VerificationCancelled}) {
		t.Errorf("verification statuses %v, want VERIFYING, CANCELLED", f.verifyStates)
	}
	if !slices.Equal(f.verified, []string{"a"}) {
		t.Errorf("verified %v, want only a (no collection starts after the stop)", f.verified)
	}
	if got := queryStatus(t, env); got != contract.StatusCancelled {
		t.Errorf("control query after the stop: %s", got)
	}
}

// TestMigrationPauseDuringVerification: a pause holds back the next collection's verification
// until resume.
func TestMigrationPauseDuringVerification(t *testing.T) {
	f := newFakeSource(map[string]int{"a": 30, "b": 20})
	env := newJobEnv(f, "job-1")
	f.verifyResult = func(_ context.Context, c string) (contract.VerifyResult, error) {
		if c == "a" {
			env.SignalWorkflow(contract.SignalPause, int64(100))
		}
		return contract.VerifyResult{Collection: c, CountsAgree: true}, nil
	}
	var verifiedWhilePaused []string
	env.RegisterDelayedCallback(func() {
		f.mu.Lock()
		verifiedWhilePaused = slices.Clone(f.verified)
		f.mu.Unlock()
		env.SignalWorkflow(contract.SignalResume, int64(200))
	}, 3600e9)
	env.ExecuteWorkflow(contract.MigrationWorkflow, verifyingInput(1))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(verifiedWhilePaused, []string{"a"}) || !slices.Equal(f.verified, []string{"a", "b"}) {
		t.Errorf("verified while paused %v, at the end %v; want [a] then [a b]", verifiedWhilePaused, f.verified)
	}
	if !slices.Equal(f.statuses, []string{contract.StatusPaused, contract.StatusRunning}) {
		t.Errorf("job statuses %v, want PAUSED, RUNNING", f.statuses)
	}
	if f.verifyStates[len(f.verifyStates)-1] != contract.VerificationVerified {
		t.Errorf("verification statuses %v, want VERIFIED last", f.verifyStates)
	}
}
