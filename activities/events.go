package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/store"
)

// Job events of the copy (API.md, Record errors; TYPES.md for the lossy-but-standard notes):
//
//   - FAIL: every record error is an ERROR event naming table (locationName), key and column
//     (fieldName); WARN: the same as a WARNING event. The record is never written.
//   - SKIP: no event per record; each chunk reports how many records it skipped, and the job
//     keeps ONE WARNING per table holding the total over all chunks.
//   - Sub-millisecond truncation and DST gap/ambiguous wall times are counted per column and
//     reported as ONE WARNING per column and note for the whole job, with the count.
//   - A column without a conversion rule (stored as its text) gets ONE WARNING per job, when the
//     job starts (Prepare).
//
// Retries never duplicate any of these: a chunk attempt saves its events and cumulative counts
// with a generation (the attempt's start time), and the store replaces what older attempts of the
// same chunk saved, drops what a superseded attempt saves later, and recomputes each summary's
// job-wide total in the same transaction (store.SaveChunkReport).

// tallySkipped is the tally kind of records skipped under errorHandling SKIP.
const tallySkipped = "skipped"

// recordError counts a record error and queues its event per errorHandling (API.md).
func (r *chunkRun) recordError(rerr *assemble.RecordError) {
	r.progress.RecordErrors++
	eventType := "ERROR"
	switch r.in.Options.ErrorHandling {
	case "WARN":
		eventType = "WARNING"
	case "SKIP":
		return // counted; the table's summary is saved with the chunk's report
	}
	r.events = append(r.events, store.Event{
		JobID: r.in.JobID, EventType: eventType, Stage: "SNAPSHOTTING", Message: rerr.Error(), Timestamp: time.Now().UTC(),
		ErrorType: "RecordError", LocationType: "TABLE", LocationName: rerr.Table.String(), FieldName: rerr.Column, Key: rerr.Key, Count: 1,
	})
}

// saveReport saves the chunk's queued events and its cumulative counts (skipped records, notes
// per column) as this attempt's report, and refreshes the job's summary events. It is called
// with every progress save. An attempt that a newer attempt of the same chunk has superseded
// stops here: its work is being redone.
func (r *chunkRun) saveReport(ctx context.Context) error {
	rep := store.ChunkReport{JobID: r.in.JobID, Collection: r.in.Plan.Name, Seq: r.in.Chunk.Seq,
		Generation: attemptGeneration(ctx), Events: r.events, Tallies: r.tallies()}
	saved, err := r.a.Store.SaveChunkReport(ctx, rep, summarizer(r.in.Options.SourceTimeZone))
	if err != nil {
		return fmt.Errorf("recording the events of chunk %d of %s: %w", r.in.Chunk.Seq, r.in.Plan.Name, err)
	}
	r.events = r.events[:0]
	if !saved {
		return fmt.Errorf("chunk %d of %s: a newer attempt of this chunk has taken over; this attempt stops", r.in.Chunk.Seq, r.in.Plan.Name)
	}
	return nil
}

// attemptGeneration orders the attempts of one activity: the server's start time of this
// attempt, which grows from one attempt to the next (and across a workflow reset, unlike the
// attempt number).
func attemptGeneration(ctx context.Context) int64 {
	info := activity.GetInfo(ctx)
	if info.StartedTime.IsZero() {
		return int64(info.Attempt)
	}
	return info.StartedTime.UnixMicro()
}

// tallies returns the chunk attempt's cumulative counts.
func (r *chunkRun) tallies() []store.Tally {
	var out []store.Tally
	if r.in.Options.ErrorHandling == "SKIP" && r.progress.RecordErrors > 0 {
		out = append(out, store.Tally{LocationName: r.in.Plan.Root.Table.String(), Kind: tallySkipped, Count: r.progress.RecordErrors})
	}
	if r.builder == nil {
		return out
	}
	for column, notes := range r.builder.Notes() {
		table, field := locateColumn(&r.in.Plan.Root, column)
		for note, n := range notes {
			// Fallback-to-text columns are reported once when the job starts (warnFallbackColumns).
			if n == 0 || note == convert.NoteFallbackText {
				continue
			}
			out = append(out, store.Tally{LocationName: table, FieldName: field, Kind: note.String(), Count: n})
		}
	}
	return out
}

// locateColumn splits a column name as assembly reports it — plain for the root table,
// "schema.table.column" for an embedded table — into its table and column.
func locateColumn(root *project.TablePlan, name string) (table, column string) {
	var found string
	var walk func(t *project.TablePlan)
	walk = func(t *project.TablePlan) {
		for i := range t.Embedded {
			e := &t.Embedded[i]
			prefix := e.Table.String() + "."
			if strings.HasPrefix(name, prefix) && len(prefix) > len(found) {
				found = prefix
			}
			walk(e)
		}
	}
	if _, _, ok := root.Column(name); !ok {
		walk(root)
	}
	if found == "" {
		return root.Table.String(), name
	}
	return strings.TrimSuffix(found, "."), name[len(found):]
}

// summarizer returns the job-level event for a tally total: the table's skipped records, or a
// column's count of one note.
func summarizer(sourceTimeZone string) store.Summarize {
	return func(t store.Tally) (store.Event, bool) {
		if t.Count <= 0 {
			return store.Event{}, false
		}
		ev := store.Event{EventType: "WARNING", Stage: "SNAPSHOTTING", Timestamp: time.Now().UTC(), LocationType: "TABLE",
			LocationName: t.LocationName, FieldName: t.FieldName, Count: t.Count}
		col := fmt.Sprintf("column %s of table %s", t.FieldName, t.LocationName)
		switch t.Kind {
		case tallySkipped:
			ev.ErrorType = "RecordError"
			ev.Message = fmt.Sprintf("table %s: %d %s skipped under errorHandling SKIP and not written; run with errorHandling WARN to see each record's key and reason",
				t.LocationName, t.Count, plural(t.Count, "record was", "records were"))
		case convert.NoteSubMillisecondTruncated.String():
			ev.Message = fmt.Sprintf("%s: %d %s digits below the millisecond, which a BSON Date cannot hold; they were truncated. Override the field type to STRING to keep every digit",
				col, t.Count, plural(t.Count, "value had", "values had"))
		case convert.NoteDSTGap.String():
			ev.Message = fmt.Sprintf("%s: %d wall %s not exist in sourceTimeZone %s (spring-forward gap) and %s read with the offset in force before the gap",
				col, t.Count, plural(t.Count, "time does", "times do"), zoneName(sourceTimeZone), plural(t.Count, "was", "were"))
		case convert.NoteDSTAmbiguous.String():
			ev.Message = fmt.Sprintf("%s: %d wall %s twice in sourceTimeZone %s (autumn) and %s read with the earlier offset (the first occurrence)",
				col, t.Count, plural(t.Count, "time occurs", "times occur"), zoneName(sourceTimeZone), plural(t.Count, "was", "were"))
		default:
			ev.Message = fmt.Sprintf("%s: %d %s %s", col, t.Count, plural(t.Count, "value noted", "values noted"), t.Kind)
		}
		return ev, true
	}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func zoneName(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}

// warnFallbackColumns reports, once per job, every written column whose type has no conversion
// rule and whose values are therefore stored as the source's text (TYPES.md, "anything else").
// A column with a type override is not reported: the user chose its type.
func (a *Activities) warnFallbackColumns(ctx context.Context, jobID string, plans []project.CollectionPlan) error {
	var evs []store.KeyedEvent
	seen := map[string]bool{}
	now := time.Now().UTC()
	var walk func(t *project.TablePlan)
	walk = func(t *project.TablePlan) {
		for _, c := range t.Columns {
			fallback := c.Kind == convert.KindText || (c.Kind == convert.KindArray && c.Element == convert.KindText)
			if !fallback || c.Override != "" || (len(c.Output) == 0 && c.KeyPart == 0) {
				continue
			}
			key := "fallback-text:" + t.Table.String() + "." + c.Name
			if seen[key] {
				continue
			}
			seen[key] = true
			what := "its values are stored as their PostgreSQL text"
			if c.Kind == convert.KindArray {
				what = "its elements are stored as their PostgreSQL text"
			}
			evs = append(evs, store.KeyedEvent{Key: key, Event: store.Event{
				EventType: "WARNING", Stage: "SNAPSHOTTING", Timestamp: now, LocationType: "TABLE",
				LocationName: t.Table.String(), FieldName: c.Name,
				Message: fmt.Sprintf("column %s of table %s has type %s, which has no conversion rule: %s (String). Override the field type (e.g. STRING) to choose the type yourself, or exclude the column",
					c.Name, t.Table, c.DataType, what),
			}})
		}
		for i := range t.Embedded {
			walk(&t.Embedded[i])
		}
	}
	for i := range plans {
		walk(&plans[i].Root)
	}
	if len(evs) == 0 {
		return nil
	}
	if err := a.Store.AppendEventsOnce(ctx, jobID, evs); err != nil {
		return fmt.Errorf("recording the columns stored as text in job %s: %w", jobID, err)
	}
	return nil
}
