package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/preflight"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/store"
)

// exactCountBelow: tables whose catalog estimate is below this are counted exactly, so small
// tables report exact totals; huge ones keep the estimate (a count would scan them).
const exactCountBelow = 2_000_000

// Prepare re-checks the mapped tables against the live catalog (drift is a setup error), checks
// what the target can store, drops collections when asked, estimates rows and marks the job RUNNING.
func (a *Activities) Prepare(ctx context.Context, in contract.PrepareInput) (contract.PrepareResult, error) {
	job := in.Job
	src, err := a.openSource(ctx, job.Connections, job.Options)
	if err != nil {
		return contract.PrepareResult{}, err
	}
	target, err := a.openTarget(ctx, job.Connections)
	if err != nil {
		return contract.PrepareResult{}, err
	}
	if iw, ok := src.(interface{ IsolationWarning() string }); ok {
		if msg := iw.IsolationWarning(); msg != "" {
			ev := store.Event{EventType: "WARNING", Stage: "SNAPSHOTTING", Message: msg, Timestamp: time.Now().UTC()}
			if err := a.Store.AppendEventsOnce(ctx, job.JobID, []store.KeyedEvent{{Key: "isolation", Event: ev}}); err != nil {
				return contract.PrepareResult{}, fmt.Errorf("recording the isolation warning: %w", err)
			}
		}
	}
	cat, err := src.Introspect(ctx, job.Project.Source.Schemas)
	if err != nil {
		return contract.PrepareResult{}, classify(err)
	}
	plans, problems := project.Resolve(job.Project, cat, job.CollectionFilters, job.TableFilters)
	if len(problems) > 0 {
		return contract.PrepareResult{}, setupError(fmt.Errorf("the source does not match the project: %s", problems.Error()))
	}
	for i := range plans {
		// A scheduled run's window binds in the roots' filters only (API.md, Schedules).
		plans[i].Root.WindowParams = job.WindowParams
	}
	if msg := preflight.CapabilityProblems(plans, target.Capabilities()); msg != "" {
		return contract.PrepareResult{}, setupError(fmt.Errorf("%s", msg))
	}
	if err := a.warnFallbackColumns(ctx, job.JobID, plans); err != nil {
		return contract.PrepareResult{}, err
	}
	var total int64
	for i := range plans {
		p := &plans[i]
		if job.Options.DropCollections {
			if err := target.Drop(ctx, p.Name); err != nil {
				return contract.PrepareResult{}, classify(fmt.Errorf("dropping collection %s: %w", p.Name, err))
			}
		}
		est := p.Root.EstimatedRows
		if est < exactCountBelow {
			cctx, cancel := context.WithTimeout(ctx, stmtTimeout(job.Hooks))
			n, err := src.CountRows(cctx, p.Root)
			cancel()
			if err != nil {
				return contract.PrepareResult{}, timeoutError(cctx, ctx, "counting rows of "+p.Root.Table.String(), err)
			}
			est = n
		}
		if rc := p.Root.Filter.RowCount; rc != nil && *rc < est {
			est = *rc
		}
		p.Root.EstimatedRows = est
		total += est
		if err := a.Store.PutCollection(ctx, store.CollectionState{JobID: job.JobID, Collection: p.Name, State: "PENDING", RootTable: p.Root.Table.String(), EstimatedRows: est}); err != nil {
			return contract.PrepareResult{}, storeError(job.JobID, fmt.Errorf("recording collection %s: %w", p.Name, err))
		}
	}
	now := time.Now().UTC()
	running := contract.StatusRunning
	tables := len(plans)
	// Statistics always; RUNNING only from NOT_STARTED, so a job paused or stopped before it
	// started does not flash RUNNING.
	if err := a.Store.UpdateJob(ctx, job.JobID, store.JobUpdate{StartedAt: &now, TotalTableCount: &tables, EstimatedRows: &total}); err != nil {
		return contract.PrepareResult{}, storeError(job.JobID, fmt.Errorf("recording the statistics of job %s: %w", job.JobID, err))
	}
	err = a.Store.UpdateJob(ctx, job.JobID, store.JobUpdate{Status: &running, IfStatusIn: []string{contract.StatusNotStarted}})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return contract.PrepareResult{}, storeError(job.JobID, fmt.Errorf("marking job %s running: %w", job.JobID, err))
	}
	return contract.PrepareResult{Collections: plans}, nil
}
