package workflows

import (
	"context"
	"errors"
	"maps"
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
		name string
		attr bool
		// registered: the schedule's action carries RelmongoScheduleId (the namespace has
		// relmongo's search attributes), so the job's workflow gets them too.
		registered bool
		createErr  error
		// conns are the connections CreateScheduledJob resolved (nil: none saved).
		conns     *contract.Connections
		wantJobID string
		wantChild bool
	}{
		{name: "scheduled", attr: true, wantJobID: "nightly-20261203T150405Z", wantChild: true},
		{name: "scheduled, search attributes registered", attr: true, registered: true, wantJobID: "nightly-20261203T150405Z", wantChild: true},
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
			var childAttrs map[string]string
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in contract.MigrationInput) error {
				child, childID = in, workflow.GetInfo(ctx).WorkflowExecution.ID
				sa := workflow.GetTypedSearchAttributes(ctx)
				childAttrs = map[string]string{}
				for _, k := range []temporal.SearchAttributeKeyKeyword{contract.SAJobID, contract.SAProjectID, contract.SAProjectName, contract.SAStatus, contract.SAScheduleID} {
					if v, ok := sa.GetKeyword(k); ok {
						childAttrs[k.GetName()] = v
					}
				}
				return nil
			}, workflow.RegisterOptions{Name: contract.MigrationWorkflow})
			if tc.attr {
				sas := []temporal.SearchAttributeUpdate{scheduledStartTime.ValueSet(at)}
				if tc.registered {
					sas = append(sas, contract.SAScheduleID.ValueSet("nightly"), contract.SAProjectID.ValueSet("p1"))
				}
				if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(sas...)); err != nil {
					t.Fatal(err)
				}
			}
			action := contract.Connections{SourceType: "POSTGRESQL", SourceConnectionID: "src", Target: secret.Sealed{Ciphertext: "v1:t"}}
			env.ExecuteWorkflow(contract.ScheduledRunWorkflow, contract.ScheduledRunInput{ScheduleID: "nightly", Job: contract.MigrationInput{ProjectID: "p1", Connections: action},
				JDBCConnectionString: "jdbc:postgresql://h:5432/db?user=u&password=*****", MongoConnectionString: "mongodb://h:27017/t"})
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
			wantAttrs := map[string]string{}
			if tc.registered {
				wantAttrs = map[string]string{contract.SearchAttrJobID: tc.wantJobID, contract.SearchAttrProjectID: "p1", contract.SearchAttrProjectName: "now",
					contract.SearchAttrStatus: contract.StatusNotStarted, contract.SearchAttrScheduleID: "nightly"}
			}
			if !maps.Equal(childAttrs, wantAttrs) {
				t.Errorf("child search attributes %v, want %v", childAttrs, wantAttrs)
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

// TestChildJobOptions: a scheduled job's workflow gets the memo (project name, masked source and
// target) always, and the search attributes only when the namespace has them.
func TestChildJobOptions(t *testing.T) {
	in := contract.ScheduledRunInput{ScheduleID: "nightly", Job: contract.MigrationInput{ProjectID: "p1"},
		JDBCConnectionString: "jdbc:postgresql://h:5432/db?user=u&password=*****", MongoConnectionString: "mongodb://h:27017/t"}
	wantMemo := map[string]any{contract.MemoProjectName: "Chinook", contract.MemoSource: in.JDBCConnectionString, contract.MemoTarget: in.MongoConnectionString}
	for _, registered := range []bool{false, true} {
		got := childJobOptions(workflow.ChildWorkflowOptions{WorkflowID: "nightly-x"}, in, "nightly-x", "Chinook", registered)
		if got.WorkflowID != "nightly-x" || !maps.Equal(got.Memo, wantMemo) {
			t.Errorf("registered %v: options %+v, want the ID kept and memo %v", registered, got, wantMemo)
		}
		if n := got.TypedSearchAttributes.Size(); (n == 5) != registered || (n == 0) == registered {
			t.Errorf("registered %v: %d search attributes", registered, n)
		}
		if v, _ := got.TypedSearchAttributes.GetKeyword(contract.SAScheduleID); registered && v != "nightly" {
			t.Errorf("RelmongoScheduleId %q, want nightly", v)
		}
	}
}
