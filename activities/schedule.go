package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/store"
)

// CreateScheduledJob creates the job record of one scheduled run (status NOT_STARTED, with its
// schedule ID) and returns the run's window, the project as it is now and the saved connections
// the schedule names, resolved as they are now. The window starts at the scheduled time of the
// schedule's latest COMPLETED run before this one, minus the lookback (the first run starts at
// initialWindowStart, or 1970-01-01), and ends at the scheduled time. A schedule whose project or
// saved connection was deleted records the run FAILED with a message that says what to do.
// A retry after the record was created returns the same window.
func (a *Activities) CreateScheduledJob(ctx context.Context, in contract.CreateScheduledJobInput) (contract.CreateScheduledJobResult, error) {
	run := in.Run
	end, err := time.Parse(time.RFC3339, in.ScheduledTime)
	if err != nil {
		return contract.CreateScheduledJobResult{}, setupError(fmt.Errorf("scheduled time %q: %w", in.ScheduledTime, err))
	}
	job := store.Job{
		ID: in.JobID, ProjectID: run.Job.ProjectID, ScheduleID: run.ScheduleID, SubmittedAt: time.Now().UTC(),
		Status: contract.StatusNotStarted, TargetKey: run.TargetKey, Request: run.Request,
		JDBCConnectionString: run.JDBCConnectionString, MongoConnectionString: run.MongoConnectionString,
	}
	rec, err := a.Store.GetProject(ctx, run.Job.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return contract.CreateScheduledJobResult{}, a.failRun(ctx, job, fmt.Sprintf("project %s of schedule %s was deleted: update the schedule's job (PATCH /api/v1/schedules/%s) or delete the schedule",
			run.Job.ProjectID, run.ScheduleID, run.ScheduleID))
	}
	if err != nil {
		return contract.CreateScheduledJobResult{}, fmt.Errorf("reading project %s: %w", run.Job.ProjectID, err)
	}
	var proj project.Project
	if err := json.Unmarshal(rec.Document, &proj); err != nil {
		return contract.CreateScheduledJobResult{}, setupError(fmt.Errorf("the stored project %s cannot be decoded: %w", run.Job.ProjectID, err))
	}
	job.Project = rec.Document
	conns, err := a.resolveSavedConnections(ctx, run, &job)
	var rs *runSetupError
	if errors.As(err, &rs) {
		return contract.CreateScheduledJobResult{}, a.failRun(ctx, job, rs.msg)
	}
	if err != nil {
		return contract.CreateScheduledJobResult{}, err
	}

	start, err := a.windowStart(ctx, run, end)
	if err != nil {
		return contract.CreateScheduledJobResult{}, err
	}
	if err := a.Store.CreateJob(ctx, job); err != nil && !errors.Is(err, store.ErrConflict) {
		return contract.CreateScheduledJobResult{}, fmt.Errorf("creating job %s: %w", in.JobID, err)
	}
	return contract.CreateScheduledJobResult{
		WindowStart: start.UTC().Format(time.RFC3339), WindowEnd: end.UTC().Format(time.RFC3339), Project: &proj, Connections: conns,
	}, nil
}

// failRun records a scheduled run that cannot start as FAILED with msg, which says what to do,
// and returns the setup error that ends its workflow.
func (a *Activities) failRun(ctx context.Context, job store.Job, msg string) error {
	now := time.Now().UTC()
	fe, _ := json.Marshal(contract.FailureError{ErrorType: contract.ErrTypeSetup, Message: msg, FailureAt: now.Format(time.RFC3339), SetupError: true})
	job.Status, job.FinishedAt, job.FailureError = contract.StatusFailed, &now, fe
	if err := a.Store.CreateJob(ctx, job); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("recording the failed run %s: %w", job.ID, err)
	}
	return setupError(errors.New(msg))
}

// windowStart is the scheduled time of the latest COMPLETED run of the schedule before end, minus
// the lookback; without one, the initial window start.
func (a *Activities) windowStart(ctx context.Context, run contract.ScheduledRunInput, end time.Time) (time.Time, error) {
	jobs, err := a.Store.ListJobs(ctx, store.JobFilter{ScheduleID: run.ScheduleID, Status: contract.StatusCompleted})
	if err != nil {
		return time.Time{}, fmt.Errorf("listing the runs of schedule %s: %w", run.ScheduleID, err)
	}
	var last time.Time
	prefix := run.ScheduleID + "-"
	for _, j := range jobs {
		t, err := time.Parse(contract.ScheduledIDTime, strings.TrimPrefix(j.ID, prefix))
		if err != nil || !t.Before(end) {
			continue
		}
		if t.After(last) {
			last = t
		}
	}
	if last.IsZero() {
		if run.InitialWindowStart == "" {
			return time.Unix(0, 0).UTC(), nil
		}
		t, err := time.Parse(time.RFC3339, run.InitialWindowStart)
		if err != nil {
			return time.Time{}, setupError(fmt.Errorf("initialWindowStart %q: %w", run.InitialWindowStart, err))
		}
		return t, nil
	}
	return last.Add(-time.Duration(run.LookbackSeconds) * time.Second), nil
}
