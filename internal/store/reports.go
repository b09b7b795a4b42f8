package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Chunk reports make a job's record-error events and its per-column and per-table summaries exact
// under retries. A chunk attempt reports its new events and its cumulative tallies (counts per
// table/column/kind) with a generation that orders the attempts of that chunk:
//
//   - the first report of a newer generation deletes what older attempts of the chunk reported,
//     so a retried chunk never duplicates events or counts (the retry re-reads the same rows and
//     reports them again);
//   - a report of an older generation than one already saved is dropped, so an attempt that
//     timed out but kept running cannot add stale events after its replacement;
//   - after the tallies change, the job-wide total of each affected key is recomputed in the same
//     write transaction and its summary event replaced, so there is exactly one summary event per
//     key (e.g. one WARNING per column per job), holding the total over all chunks, and two
//     chunks saving at once cannot publish a stale total.

// Tally is a count that one chunk attempt reports for one key.
type Tally struct {
	// LocationName is the source table ("schema.table").
	LocationName string
	// FieldName is the column; empty for a count about the whole table.
	FieldName string
	// Kind names what is counted, e.g. "skipped" or a conversion note such as
	// "sub-millisecond-truncated".
	Kind  string
	Count int64
}

// ChunkReport is what one attempt of a chunk reports besides its progress counters.
type ChunkReport struct {
	JobID, Collection string
	Seq               int64
	// Generation orders the attempts of the chunk (e.g. the attempt's start time in nanoseconds):
	// see the rules above.
	Generation int64
	// Events are appended to the job, each validated as by AppendEvents.
	Events []Event
	// Tallies are the attempt's cumulative counts so far: each replaces the count its key had for
	// this chunk. A key the attempt no longer reports keeps its count until a newer generation.
	Tallies []Tally
}

// Summarize builds the job-level event for the total of one tally key over the whole job (Count
// holds the total). ok false means there is no event for that total (e.g. it is zero).
type Summarize func(total Tally) (ev Event, ok bool)

// KeyedEvent is an event that exists at most once per job and key.
type KeyedEvent struct {
	Key   string
	Event Event
}

// SaveChunkReport records a chunk attempt's events and tallies and refreshes the summary events
// of the tally keys that changed (summarize may be nil when no summaries are wanted). It returns
// false, writing nothing, when a newer attempt of the chunk has already reported. It returns
// ErrNotFound for an unknown job.
func (s *Store) SaveChunkReport(ctx context.Context, r ChunkReport, summarize Summarize) (bool, error) {
	if r.JobID == "" || r.Collection == "" || r.Seq < 0 {
		return false, fmt.Errorf("saving a chunk report: job id, collection and a non-negative sequence are required: %w", ErrInvalid)
	}
	rows, err := eventRows(r.JobID, r.Events)
	if err != nil {
		return false, err
	}
	for i, t := range r.Tallies {
		if t.Kind == "" || t.Count < 0 {
			return false, fmt.Errorf("saving chunk %d of %q in job %q: tally %d needs a kind and a non-negative count: %w", r.Seq, r.Collection, r.JobID, i, ErrInvalid)
		}
	}
	scope := chunkScope(r.Collection, r.Seq)
	saved := false
	err = s.write(ctx, func(tx *sql.Tx) error {
		// The generation check, the replacement of an older attempt and the summary totals all
		// read before they write: another process saving a chunk of the same job must wait
		// (PostgreSQL; SQLite serializes writers anyway), and then sees what it committed.
		if err := s.lock(ctx, tx, lockJobReports, r.JobID); err != nil {
			return err
		}
		var gen sql.NullInt64
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT generation FROM job_chunk_reports WHERE job_id = ? AND collection = ? AND seq = ?`),
			r.JobID, r.Collection, r.Seq).Scan(&gen)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if gen.Valid && gen.Int64 > r.Generation {
			return nil // a newer attempt owns this chunk
		}
		affected := map[Tally]bool{}
		if !gen.Valid || gen.Int64 < r.Generation {
			// A new attempt: what older attempts reported is replaced, not added to.
			old, err := s.chunkTallyKeys(ctx, tx, r.JobID, r.Collection, r.Seq)
			if err != nil {
				return err
			}
			for _, k := range old {
				affected[k] = true
			}
			if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM job_tallies WHERE job_id = ? AND collection = ? AND seq = ?`),
				r.JobID, r.Collection, r.Seq); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM job_events WHERE job_id = ? AND scope = ?`), r.JobID, scope); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO job_chunk_reports (job_id, collection, seq, generation) VALUES (?, ?, ?, ?)
				ON CONFLICT (job_id, collection, seq) DO UPDATE SET generation = excluded.generation`),
				r.JobID, r.Collection, r.Seq, r.Generation); err != nil {
				return err
			}
		}
		if err := s.insertEvents(ctx, tx, r.JobID, rows, scope, ""); err != nil {
			return err
		}
		for _, t := range r.Tallies {
			if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO job_tallies (job_id, collection, seq, location_name, field_name, kind, count)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, collection, seq, location_name, field_name, kind)
				DO UPDATE SET count = excluded.count`),
				r.JobID, r.Collection, r.Seq, t.LocationName, t.FieldName, t.Kind, t.Count); err != nil {
				return err
			}
			affected[Tally{LocationName: t.LocationName, FieldName: t.FieldName, Kind: t.Kind}] = true
		}
		if summarize != nil {
			keys := make([]Tally, 0, len(affected))
			for k := range affected {
				keys = append(keys, k)
			}
			// A fixed order keeps the log's order of summaries deterministic.
			sort.Slice(keys, func(i, j int) bool { return summaryKey(keys[i]) < summaryKey(keys[j]) })
			for _, k := range keys {
				if err := s.refreshSummary(ctx, tx, r.JobID, k, summarize); err != nil {
					return err
				}
			}
		}
		saved = true
		return nil
	})
	if s.d.isForeignKeyViolation(err) {
		return false, fmt.Errorf("saving chunk %d of %q: job %q: %w", r.Seq, r.Collection, r.JobID, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("saving the report of chunk %d of %q in job %q: %w", r.Seq, r.Collection, r.JobID, err)
	}
	return saved, nil
}

// AppendEventsOnce appends each event unless the job already has an event with its key, so a
// retried activity (e.g. Prepare warning about a column) reports once. It returns ErrNotFound for
// an unknown job.
func (s *Store) AppendEventsOnce(ctx context.Context, jobID string, evs []KeyedEvent) error {
	if jobID == "" {
		return fmt.Errorf("appending events: job id is empty: %w", ErrInvalid)
	}
	plain := make([]Event, len(evs))
	for i, e := range evs {
		if e.Key == "" {
			return fmt.Errorf("appending events to job %q: event %d has an empty key: %w", jobID, i, ErrInvalid)
		}
		plain[i] = e.Event
	}
	rows, err := eventRows(jobID, plain)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		// Check-then-insert: the job's reports lock makes a concurrent process with the same
		// key wait and then find this one's event (see SaveChunkReport).
		if err := s.lock(ctx, tx, lockJobReports, jobID); err != nil {
			return err
		}
		for i, e := range evs {
			var one int
			err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM job_events WHERE job_id = ? AND summary_key = ? LIMIT 1`), jobID, e.Key).Scan(&one)
			if err == nil {
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := s.insertEvents(ctx, tx, jobID, rows[i:i+1], "", e.Key); err != nil {
				return err
			}
		}
		return nil
	})
	if s.d.isForeignKeyViolation(err) {
		return fmt.Errorf("appending events: job %q: %w", jobID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("appending %d keyed events to job %q: %w", len(evs), jobID, err)
	}
	return nil
}

// TallyTotals returns a job's tallies summed over its chunks, one per key (in no particular
// order). It returns ErrNotFound for an unknown job.
func (s *Store) TallyTotals(ctx context.Context, jobID string) ([]Tally, error) {
	var out []Tally
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := s.jobExists(ctx, tx, jobID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT location_name, field_name, kind, SUM(count) FROM job_tallies
			WHERE job_id = ? GROUP BY location_name, field_name, kind ORDER BY location_name, field_name, kind`), jobID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Tally
			if err := rows.Scan(&t.LocationName, &t.FieldName, &t.Kind, &t.Count); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("reading the tallies of job %q: %w", jobID, err)
	}
	return out, nil
}

// chunkScope names a chunk in job_events.scope. The sequence comes first so that no collection
// name can make two scopes equal, and no NUL is used (a PostgreSQL TEXT cannot hold one).
func chunkScope(collection string, seq int64) string {
	return strconv.FormatInt(seq, 10) + "/" + collection
}

// summaryKey names a tally key's summary event in job_events.summary_key; JSON keeps the three
// parts unambiguous whatever they contain.
func summaryKey(t Tally) string {
	b, _ := json.Marshal([]string{"tally", t.Kind, t.LocationName, t.FieldName}) // strings always marshal
	return string(b)
}

func (s *Store) chunkTallyKeys(ctx context.Context, tx *sql.Tx, jobID, collection string, seq int64) ([]Tally, error) {
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT location_name, field_name, kind FROM job_tallies
		WHERE job_id = ? AND collection = ? AND seq = ?`), jobID, collection, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tally
	for rows.Next() {
		var t Tally
		if err := rows.Scan(&t.LocationName, &t.FieldName, &t.Kind); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// refreshSummary recomputes the job-wide total of key k and replaces its summary event when the
// total changed. An unchanged total keeps the event (and its place in the log) as it is.
func (s *Store) refreshSummary(ctx context.Context, tx *sql.Tx, jobID string, k Tally, summarize Summarize) error {
	total := k
	if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT COALESCE(SUM(count), 0) FROM job_tallies
		WHERE job_id = ? AND kind = ? AND location_name = ? AND field_name = ?`), jobID, k.Kind, k.LocationName, k.FieldName).Scan(&total.Count); err != nil {
		return err
	}
	key := summaryKey(k)
	var (
		id, count int64
		exists    = true
	)
	err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT id, count FROM job_events WHERE job_id = ? AND summary_key = ?`), jobID, key).Scan(&id, &count)
	if errors.Is(err, sql.ErrNoRows) {
		exists = false
	} else if err != nil {
		return err
	}
	ev, ok := summarize(total)
	if exists && ok && count == ev.Count {
		return nil
	}
	if exists {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM job_events WHERE job_id = ? AND summary_key = ?`), jobID, key); err != nil {
			return err
		}
	}
	if !ok {
		return nil
	}
	rows, err := eventRows(jobID, []Event{ev})
	if err != nil {
		return err
	}
	return s.insertEvents(ctx, tx, jobID, rows, "", key)
}

// eventRow is a validated event with its key encoded.
type eventRow struct {
	e   Event
	key any
}

// eventRows validates events as AppendEvents does, before anything is written.
func eventRows(jobID string, evs []Event) ([]eventRow, error) {
	rows := make([]eventRow, len(evs))
	for i, e := range evs {
		if !oneOf(e.EventType, eventTypes...) {
			return nil, fmt.Errorf("appending events to job %q: event %d has type %q, not one of ERROR, WARNING, INFO: %w",
				jobID, i, e.EventType, ErrInvalid)
		}
		if e.Message == "" {
			return nil, fmt.Errorf("appending events to job %q: event %d has an empty message: %w", jobID, i, ErrInvalid)
		}
		e.Timestamp = nowIfZero(e.Timestamp)
		var key any
		if len(e.Key) > 0 {
			b, err := json.Marshal(e.Key)
			if err != nil {
				return nil, fmt.Errorf("appending events to job %q: encoding key of event %d: %w", jobID, i, err)
			}
			key = string(b)
		}
		rows[i] = eventRow{e: e, key: key}
	}
	return rows, nil
}

func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, jobID string, rows []eventRow, scope, summaryKey string) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, s.d.rebind(`INSERT INTO job_events (job_id, event_type, stage, message, details, ts,
		error_type, error_code, location_type, location_name, field_name, key_json, count, scope, summary_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		e := r.e
		if _, err := stmt.ExecContext(ctx, jobID, e.EventType, e.Stage, e.Message, e.Details, toMillis(e.Timestamp),
			e.ErrorType, e.ErrorCode, e.LocationType, e.LocationName, e.FieldName, r.key, e.Count, scope, summaryKey); err != nil {
			return err
		}
	}
	return nil
}
