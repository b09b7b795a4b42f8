package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Collection states. CANCELLED is a collection whose job was stopped (or failed elsewhere) while
// it was being copied.
var collectionStates = []string{"PENDING", "RUNNING", "DONE", "FAILED", "CANCELLED"}

// CollectionState is the state of one collection of a job.
type CollectionState struct {
	JobID, Collection string
	// State is PENDING, RUNNING, DONE, FAILED or CANCELLED.
	State         string
	RootTable     string
	EstimatedRows int64
	ChunksPlanned int64
}

// PutCollection inserts or replaces the state of one collection of a job. It
// returns ErrNotFound when the job does not exist.
func (s *Store) PutCollection(ctx context.Context, c CollectionState) error {
	if c.JobID == "" || c.Collection == "" {
		return fmt.Errorf("saving collection state: job id and collection are required: %w", ErrInvalid)
	}
	if !oneOf(c.State, collectionStates...) {
		return fmt.Errorf("saving collection %q of job %q: state %q is not one of %s: %w",
			c.Collection, c.JobID, c.State, strings.Join(collectionStates, ", "), ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO job_collections
			(job_id, collection, state, root_table, estimated_rows, chunks_planned) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id, collection) DO UPDATE SET state = excluded.state, root_table = excluded.root_table,
			estimated_rows = excluded.estimated_rows, chunks_planned = excluded.chunks_planned`),
			c.JobID, c.Collection, c.State, c.RootTable, c.EstimatedRows, c.ChunksPlanned)
		return err
	})
	if s.d.isForeignKeyViolation(err) {
		return fmt.Errorf("saving collection %q: job %q: %w", c.Collection, c.JobID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("saving collection %q of job %q: %w", c.Collection, c.JobID, err)
	}
	return nil
}

// ChunkProgress is the progress of one chunk (one key range of a
// collection's root table).
type ChunkProgress struct {
	JobID, Collection                                        string
	Seq                                                      int64
	RowsRead, DocsWritten, RowsExcluded, Bytes, RecordErrors int64
	Done                                                     bool
	// UpdatedAt is when the counters were taken; zero means now.
	UpdatedAt time.Time
}

// PutChunk inserts or replaces the counters of chunk (JobID, Collection,
// Seq). A retried chunk therefore replaces what its failed attempt reported
// instead of adding to it, and job totals stay exact under retries. It
// returns ErrNotFound when the job does not exist.
func (s *Store) PutChunk(ctx context.Context, c ChunkProgress) error {
	if c.JobID == "" || c.Collection == "" {
		return fmt.Errorf("saving chunk progress: job id and collection are required: %w", ErrInvalid)
	}
	if c.Seq < 0 || c.RowsRead < 0 || c.DocsWritten < 0 || c.RowsExcluded < 0 || c.Bytes < 0 || c.RecordErrors < 0 {
		return fmt.Errorf("saving chunk %d of %q in job %q: sequence and counters must not be negative: %w",
			c.Seq, c.Collection, c.JobID, ErrInvalid)
	}
	c.UpdatedAt = nowIfZero(c.UpdatedAt)
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO job_chunks
			(job_id, collection, seq, rows_read, docs_written, rows_excluded, bytes, record_errors, done, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id, collection, seq) DO UPDATE SET rows_read = excluded.rows_read,
			docs_written = excluded.docs_written, rows_excluded = excluded.rows_excluded, bytes = excluded.bytes,
			record_errors = excluded.record_errors, done = excluded.done, updated_at = excluded.updated_at`),
			c.JobID, c.Collection, c.Seq, c.RowsRead, c.DocsWritten, c.RowsExcluded, c.Bytes, c.RecordErrors,
			boolInt(c.Done), toMillis(c.UpdatedAt))
		return err
	})
	if s.d.isForeignKeyViolation(err) {
		return fmt.Errorf("saving chunk %d of %q: job %q: %w", c.Seq, c.Collection, c.JobID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("saving chunk %d of %q in job %q: %w", c.Seq, c.Collection, c.JobID, err)
	}
	return nil
}

// MarkChunkCounted marks a chunk, saved before by PutChunk, as counted in the metrics and reports
// whether this call was the first to do so. Every attempt that completes a chunk calls it; only
// the first one adds the chunk to the Prometheus counters, so a chunk retried after it completed
// (its result lost with a crashed worker, say) is counted once. It returns ErrNotFound when the
// chunk has no saved progress.
func (s *Store) MarkChunkCounted(ctx context.Context, jobID, collection string, seq int64) (first bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE job_chunks SET counted = 1
			WHERE job_id = ? AND collection = ? AND seq = ? AND counted = 0`), jobID, collection, seq)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			first = true
			return nil
		}
		var one int
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM job_chunks WHERE job_id = ? AND collection = ? AND seq = ?`),
			jobID, collection, seq).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("chunk %d of %q in job %q has no saved progress: %w", seq, collection, jobID, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("marking chunk %d of %q in job %q as counted: %w", seq, collection, jobID, err)
	}
	return first, nil
}

// CollectionStats is a collection's state with its chunk counters summed.
type CollectionStats struct {
	CollectionState
	RowsRead, DocsWritten, RowsExcluded, Bytes, RecordErrors, ChunksDone int64
}

// CollectionStats returns per-collection statistics of a job, ordered by
// collection name. A collection that has chunks but no saved state is
// listed with an empty State. It returns ErrNotFound for an unknown job.
func (s *Store) CollectionStats(ctx context.Context, jobID string) ([]CollectionStats, error) {
	byName := map[string]*CollectionStats{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := s.jobExists(ctx, tx, jobID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT collection, state, root_table, estimated_rows, chunks_planned
			FROM job_collections WHERE job_id = ?`), jobID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			cs := &CollectionStats{CollectionState: CollectionState{JobID: jobID}}
			if err := rows.Scan(&cs.Collection, &cs.State, &cs.RootTable, &cs.EstimatedRows, &cs.ChunksPlanned); err != nil {
				return err
			}
			byName[cs.Collection] = cs
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// Summed per collection in SQL, merged in Go: portable, and a job
		// has few collections.
		agg, err := tx.QueryContext(ctx, s.d.rebind(`SELECT collection,
			COALESCE(SUM(rows_read), 0), COALESCE(SUM(docs_written), 0), COALESCE(SUM(rows_excluded), 0),
			COALESCE(SUM(bytes), 0), COALESCE(SUM(record_errors), 0),
			COALESCE(SUM(CASE WHEN done <> 0 THEN 1 ELSE 0 END), 0)
			FROM job_chunks WHERE job_id = ? GROUP BY collection`), jobID)
		if err != nil {
			return err
		}
		defer agg.Close()
		for agg.Next() {
			var (
				name string
				t    CollectionStats
			)
			if err := agg.Scan(&name, &t.RowsRead, &t.DocsWritten, &t.RowsExcluded, &t.Bytes, &t.RecordErrors, &t.ChunksDone); err != nil {
				return err
			}
			cs, ok := byName[name]
			if !ok {
				cs = &CollectionStats{CollectionState: CollectionState{JobID: jobID, Collection: name}}
				byName[name] = cs
			}
			cs.RowsRead, cs.DocsWritten, cs.RowsExcluded = t.RowsRead, t.DocsWritten, t.RowsExcluded
			cs.Bytes, cs.RecordErrors, cs.ChunksDone = t.Bytes, t.RecordErrors, t.ChunksDone
		}
		return agg.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("reading collection statistics of job %q: %w", jobID, err)
	}
	out := make([]CollectionStats, 0, len(byName))
	for _, cs := range byName {
		out = append(out, *cs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Collection < out[j].Collection })
	return out, nil
}

// JobTotals are a job's chunk counters summed over all its collections.
type JobTotals struct {
	RowsRead, DocsWritten, Bytes, RecordErrors int64
}

// JobTotals sums a job's chunk counters. It returns ErrNotFound for an
// unknown job.
func (s *Store) JobTotals(ctx context.Context, jobID string) (JobTotals, error) {
	var t JobTotals
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := s.jobExists(ctx, tx, jobID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.d.rebind(`SELECT COALESCE(SUM(rows_read), 0), COALESCE(SUM(docs_written), 0),
			COALESCE(SUM(bytes), 0), COALESCE(SUM(record_errors), 0) FROM job_chunks WHERE job_id = ?`), jobID).
			Scan(&t.RowsRead, &t.DocsWritten, &t.Bytes, &t.RecordErrors)
	})
	if err != nil {
		return JobTotals{}, fmt.Errorf("reading totals of job %q: %w", jobID, err)
	}
	return t, nil
}
