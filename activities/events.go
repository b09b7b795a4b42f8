package activities

import (
	"time"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/store"
)

// recordError counts a record error and queues its event per errorHandling (API.md).
func (r *chunkRun) recordError(rerr *assemble.RecordError) {
	r.progress.RecordErrors++
	eventType := "ERROR"
	switch r.in.Options.ErrorHandling {
	case "WARN":
		eventType = "WARNING"
	case "SKIP":
		return
	}
	r.events = append(r.events, store.Event{
		JobID: r.in.JobID, EventType: eventType, Stage: "SNAPSHOTTING", Message: rerr.Error(), Timestamp: time.Now().UTC(),
		ErrorType: "RecordError", LocationType: "TABLE", LocationName: rerr.Table.String(), FieldName: rerr.Column, Key: rerr.Key, Count: 1,
	})
}
