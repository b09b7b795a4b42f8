package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Event is a job event (API.md "Job event").
type Event struct {
	// ID is assigned by the store; it orders events by insertion.
	ID    int64
	JobID string
	// EventType is ERROR, WARNING or INFO.
	EventType string
	// Stage is SNAPSHOTTING, VERIFICATION or empty.
	Stage, Message, Details string
	// Timestamp is when the event happened; zero means now.
	Timestamp                                                   time.Time
	ErrorType, ErrorCode, LocationType, LocationName, FieldName string
	// Key maps primary key columns to values rendered as strings; an empty
	// map reads back as nil.
	Key   map[string]string
	Count int64
}

var eventTypes = []string{"ERROR", "WARNING", "INFO"}

const eventColumns = `id, job_id, event_type, stage, message, details, ts, error_type, error_code,
	location_type, location_name, field_name, key_json, count`

// AppendEvents appends events to a job, all or none. The JobID and ID fields
// of evs are ignored. It returns ErrNotFound for an unknown job.
func (s *Store) AppendEvents(ctx context.Context, jobID string, evs []Event) error {
	if jobID == "" {
		return fmt.Errorf("appending events: job id is empty: %w", ErrInvalid)
	}
	if len(evs) == 0 {
		return nil
	}
	type row struct {
		e   Event
		key any
	}
	rows := make([]row, len(evs))
	// Validate the whole batch before writing so a bad event does not leave
	// half a batch behind.
	for i, e := range evs {
		if !oneOf(e.EventType, eventTypes...) {
			return fmt.Errorf("appending events to job %q: event %d has type %q, not one of ERROR, WARNING, INFO: %w",
				jobID, i, e.EventType, ErrInvalid)
		}
		if e.Message == "" {
			return fmt.Errorf("appending events to job %q: event %d has an empty message: %w", jobID, i, ErrInvalid)
		}
		e.Timestamp = nowIfZero(e.Timestamp)
		var key any
		if len(e.Key) > 0 {
			b, err := json.Marshal(e.Key)
			if err != nil {
				return fmt.Errorf("appending events to job %q: encoding key of event %d: %w", jobID, i, err)
			}
			key = string(b)
		}
		rows[i] = row{e: e, key: key}
	}
	q := s.d.rebind(`INSERT INTO job_events (job_id, event_type, stage, message, details, ts, error_type, error_code,
		location_type, location_name, field_name, key_json, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	err := s.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			e := r.e
			if _, err := stmt.ExecContext(ctx, jobID, e.EventType, e.Stage, e.Message, e.Details, toMillis(e.Timestamp),
				e.ErrorType, e.ErrorCode, e.LocationType, e.LocationName, e.FieldName, r.key, e.Count); err != nil {
				return err
			}
		}
		return nil
	})
	if s.d.isForeignKeyViolation(err) {
		return fmt.Errorf("appending events: job %q: %w", jobID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("appending %d events to job %q: %w", len(evs), jobID, err)
	}
	return nil
}

// ListEvents returns a job's events newest first (by insertion order, which
// does not depend on the clocks of the workers that reported them): at most
// limit (0 = all), skipping offset counted from the newest, only of
// eventType when not empty. It returns ErrNotFound for an unknown job.
func (s *Store) ListEvents(ctx context.Context, jobID string, limit, offset int, eventType string) ([]Event, error) {
	if limit < 0 || offset < 0 {
		return nil, fmt.Errorf("listing events of job %q: limit %d and offset %d must not be negative: %w",
			jobID, limit, offset, ErrInvalid)
	}
	q := `SELECT ` + eventColumns + ` FROM job_events WHERE job_id = ?`
	args := []any{jobID}
	if eventType != "" {
		q += " AND event_type = ?"
		args = append(args, eventType)
	}
	q += " ORDER BY id DESC" + s.d.limitOffset(limit, offset)
	var out []Event
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := s.jobExists(ctx, tx, jobID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.d.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				e   Event
				ts  int64
				key sql.NullString
			)
			if err := rows.Scan(&e.ID, &e.JobID, &e.EventType, &e.Stage, &e.Message, &e.Details, &ts, &e.ErrorType,
				&e.ErrorCode, &e.LocationType, &e.LocationName, &e.FieldName, &key, &e.Count); err != nil {
				return err
			}
			e.Timestamp = fromMillis(ts)
			if key.Valid && key.String != "" {
				if err := json.Unmarshal([]byte(key.String), &e.Key); err != nil {
					return fmt.Errorf("decoding key of event %d: %w", e.ID, err)
				}
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("listing events of job %q: %w", jobID, err)
	}
	return out, nil
}

// CountEvents counts a job's events, only of eventType when not empty. It
// returns ErrNotFound for an unknown job.
func (s *Store) CountEvents(ctx context.Context, jobID, eventType string) (int64, error) {
	q := `SELECT COUNT(*) FROM job_events WHERE job_id = ?`
	args := []any{jobID}
	if eventType != "" {
		q += " AND event_type = ?"
		args = append(args, eventType)
	}
	var n int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := s.jobExists(ctx, tx, jobID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.d.rebind(q), args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("counting events of job %q: %w", jobID, err)
	}
	return n, nil
}
