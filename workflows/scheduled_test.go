package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/secret"
)

// TestScheduledRun: the run's job ID comes from the scheduled time, the job record is created
// first, and MigrationWorkflow runs as a child whose workflow ID is the job ID, with the project
// as it is now and the window parameters.
func TestScheduledRun(t *testing.T) {
	at := time.Date(2026, 12, 3, 15, 4, 5, 0, time.UTC)
	cases := []struct {
		name      string
		attr      bool
		createErr error
		// conns are the connections CreateScheduledJob resolved (nil: none saved).
		conns     *contract.Connections
		wantJobID string
		wantChild bool
	}{
		{name: "scheduled", attr: true, wantJobID: "nightly-20261203T150405Z", wantChild: true},
		{name: "saved connections resolved", attr: true, wantJobID: "nightly-20261203T150405Z", wantChild: true,
			conns: &contract.Connections{SourceType: "POSTGRESQL", Source: secret.Sealed{Ciphertext: "v1:resolved"}, Target: secret.Sealed{Ciphertext: "v1:t"}, SourceConnectionID: "src"}},
		{name: "record fails", attr: true, createErr: temporal.NewNonRetryableApplicationError("project deleted", contract.ErrTypeSetup, nil),
			wantJobID: "nightly-20261203T150405Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(ScheduledRun, workflow.RegisterOptions{Name: contract.ScheduledRunWorkflow})
			var created contract.CreateScheduledJobInput
			env.RegisterActivityWithOptions(func(_ context.Context, in contract.CreateScheduledJobInput) (contract.CreateScheduledJobResult, error) {
				created = in
				if tc.createErr != nil {
					return contract.CreateScheduledJobResult{}, tc.createErr
				}
				return contract.CreateScheduledJobResult{WindowStart: "1970-01-01T00:00:00Z", WindowEnd: in.ScheduledTime,
					Project: &project.Project{Name: "now"}, Connections: tc.conns}, nil
			}, activity.RegisterOptions{Name: contract.CreateScheduledJobActivity})
			var child contract.MigrationInput
			var childID string
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in contract.MigrationInput) error {
				child, childID = in, workflow.GetInfo(ctx).WorkflowExecution.ID
				return nil
			}, workflow.RegisterOptions{Name: contract.MigrationWorkflow})
			if tc.attr {
				if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartTime.ValueSet(at))); err != nil {
					t.Fatal(err)
				}
			}
			action := contract.Connections{SourceType: "POSTGRESQL", SourceConnectionID: "src", Target: secret.Sealed{Ciphertext: "v1:t"}}
			env.ExecuteWorkflow(contract.ScheduledRunWorkflow, contract.ScheduledRunInput{ScheduleID: "nightly", Job: contract.MigrationInput{ProjectID: "p1", Connections: action}})
			if !env.IsWorkflowCompleted() {
				t.Fatal("the workflow did not complete")
			}
			err := env.GetWorkflowError()
			if created.JobID != tc.wantJobID || created.ScheduledTime != at.Format(time.RFC3339) {
				t.Fatalf("created %s at %s, want %s at %s", created.JobID, created.ScheduledTime, tc.wantJobID, at.Format(time.RFC3339))
			}
			if !tc.wantChild {
				var app *temporal.ApplicationError
				if err == nil || !errors.As(err, &app) || childID != "" {
					t.Fatalf("want the record's error and no child, got %v (child %q)", err, childID)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if childID != tc.wantJobID || child.JobID != tc.wantJobID || child.ProjectID != "p1" || child.Project == nil || child.Project.Name != "now" {
				t.Fatalf("child %s got %+v", childID, child)
			}
			wantConns := action
			if tc.conns != nil {
				wantConns = *tc.conns
			}
			if child.Connections != wantConns {
				t.Errorf("child connections %+v, want %+v", child.Connections, wantConns)
			}
			want := map[string]string{"windowStart": "1970-01-01T00:00:00Z", "windowEnd": "2026-12-03T15:04:05Z", "scheduledTime": "2026-12-03T15:04:05Z"}
			for k, v := range want {
				if child.WindowParams[k] != v {
					t.Errorf("window %s = %q, want %q", k, child.WindowParams[k], v)
				}
			}
		})
	}
}
