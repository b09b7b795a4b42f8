package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// FinishCollection records a collection's final state.
func (a *Activities) FinishCollection(ctx context.Context, in contract.FinishCollectionInput) error {
	stats, err := a.Store.CollectionStats(ctx, in.JobID)
	if err != nil {
		return fmt.Errorf("reading collection %s of job %s: %w", in.Collection, in.JobID, err)
	}
	for _, s := range stats {
		if s.Collection == in.Collection {
			st := s.CollectionState
			st.State = in.State
			return a.Store.PutCollection(ctx, st)
		}
	}
	return a.Store.PutCollection(ctx, store.CollectionState{JobID: in.JobID, Collection: in.Collection, State: in.State})
}

// FinishJob records the end of a job: COMPLETED (after CLEANING_UP) or FAILED with failureError.
func (a *Activities) FinishJob(ctx context.Context, in contract.FinishJobInput) error {
	now := time.Now().UTC()
	u := store.JobUpdate{Status: &in.Status, FinishedAt: &now}
	if in.Status == contract.StatusCompleted {
		cleaning := contract.StatusCleaningUp
		if err := a.Store.UpdateJob(ctx, in.JobID, store.JobUpdate{Status: &cleaning}); err != nil {
			return storeError(in.JobID, fmt.Errorf("updating job %s: %w", in.JobID, err))
		}
		done := true
		u.SnapshotCompleted = &done
	}
	if in.Failure != nil {
		b, err := json.Marshal(in.Failure)
		if err != nil {
			return err
		}
		u.FailureError = b
		ev := store.Event{JobID: in.JobID, EventType: "ERROR", Stage: "SNAPSHOTTING", Message: in.Failure.Message, Timestamp: now,
			ErrorType: in.Failure.ErrorType, LocationType: in.Failure.FailedLocationType, LocationName: in.Failure.FailedLocation}
		if err := a.Store.AppendEvents(ctx, in.JobID, []store.Event{ev}); err != nil {
			return storeError(in.JobID, fmt.Errorf("recording the failure of job %s: %w", in.JobID, err))
		}
	} else {
		ev := store.Event{JobID: in.JobID, EventType: "INFO", Stage: "SNAPSHOTTING", Message: "snapshot completed", Timestamp: now}
		if err := a.Store.AppendEvents(ctx, in.JobID, []store.Event{ev}); err != nil {
			return storeError(in.JobID, fmt.Errorf("recording the end of job %s: %w", in.JobID, err))
		}
	}
	if err := a.Store.UpdateJob(ctx, in.JobID, u); err != nil {
		return storeError(in.JobID, fmt.Errorf("updating job %s: %w", in.JobID, err))
	}
	return nil
}
