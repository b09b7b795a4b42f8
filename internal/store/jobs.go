package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Job is a job record. Connection strings arrive already masked and
// Request has its secrets removed: the store never sees a password.
type Job struct {
	ID, ProjectID, ScheduleID string
	// SubmittedAt is when the job was created; zero means now.
	SubmittedAt           time.Time
	StartedAt, FinishedAt *time.Time
	// Status is NOT_STARTED, RUNNING, PAUSED, CANCELLING, CANCELLED, FAILED,
	// CLEANING_UP or COMPLETED; empty means NOT_STARTED on create.
	Status string
	// TargetKey ("<host(s)>/<database>") identifies the target database for
	// the "same project and target" conflict rule.
	TargetKey string
	// Request is the create request as JSON, secrets removed.
	Request []byte
	// Project is the project document frozen at job creation.
	Project                                     []byte
	JDBCConnectionString, MongoConnectionString string
	// FailureError is the failureError JSON object, or nil.
	FailureError       []byte
	SnapshotCompleted  bool
	TotalTableCount    int
	EstimatedRows      int64
	VerificationStatus string
}

// Job statuses (API.md, "States and control").
const (
	statusNotStarted = "NOT_STARTED"
	statusRunning    = "RUNNING"
	statusPaused     = "PAUSED"
	statusCancelling = "CANCELLING"
	statusCancelled  = "CANCELLED"
	statusFailed     = "FAILED"
	statusCleaningUp = "CLEANING_UP"
	statusCompleted  = "COMPLETED"
)

var allStatuses = []string{statusNotStarted, statusRunning, statusPaused, statusCancelling,
	statusCancelled, statusFailed, statusCleaningUp, statusCompleted}

// inProgressStatuses is API.md's type=IN_PROGRESS set.
var inProgressStatuses = []string{statusNotStarted, statusRunning, statusPaused, statusCancelling, statusCleaningUp}

// inProgressSQL is the IN list of inProgressStatuses, built from constants
// (never from input), so it may be inlined in queries.
var inProgressSQL = "('" + strings.Join(inProgressStatuses, "', '") + "')"

func validStatus(st string) error {
	if !oneOf(st, allStatuses...) {
		return fmt.Errorf("job status %q: use one of %s: %w", st, strings.Join(allStatuses, ", "), ErrInvalid)
	}
	return nil
}

const jobColumns = `id, project_id, schedule_id, submitted_at, started_at, finished_at, status, target_key,
	request, project, jdbc_connection, mongo_connection, failure_error, snapshot_completed,
	total_table_count, estimated_rows, verification_status`

var jobSortColumns = map[string]string{
	"submittedAt": "submitted_at",
	"status":      "status",
}

// CreateJob stores a new job record. It returns ErrConflict when the id is
// taken (job ids are also workflow ids, so a duplicate is a duplicate start).
func (s *Store) CreateJob(ctx context.Context, j Job) error {
	return s.createJob(ctx, j, nil)
}

// Admission holds the rules that CreateJobAdmitted checks atomically with the
// insert.
type Admission struct {
	// ExclusiveTarget refuses the job while another job of the same project
	// is in progress on the same target (same ProjectID and TargetKey).
	ExclusiveTarget bool
	// MaxInProgress, when positive, refuses the job while that many jobs (of
	// any project) are in progress.
	MaxInProgress int
}

// AdmissionError says why CreateJobAdmitted refused a job; it wraps
// ErrConflict.
type AdmissionError struct {
	// SameTarget is true when another job of the project is in progress on the
	// same target; false when the MaxInProgress limit was reached.
	SameTarget bool
	// InProgress is the number of in-progress jobs that the refused rule counted.
	InProgress int
	// Max is the limit that was reached (MaxInProgress), when SameTarget is false.
	Max int
}

func (e *AdmissionError) Error() string {
	if e.SameTarget {
		return fmt.Sprintf("another job of this project is in progress on the same target (%d): wait for it to finish or stop it", e.InProgress)
	}
	return fmt.Sprintf("%d job(s) in progress, at most %d allowed at once: wait for one to finish or stop one", e.InProgress, e.Max)
}

// Unwrap makes errors.Is(err, ErrConflict) hold.
func (e *AdmissionError) Unwrap() error { return ErrConflict }

// CreateJobAdmitted stores a new job record if the rules of a allow it, and
// otherwise returns an *AdmissionError. The check and the insert are one
// decision even across processes sharing a PostgreSQL store: two API servers
// receiving the same request at once start one job, not two. It returns
// ErrConflict too when the id is taken.
func (s *Store) CreateJobAdmitted(ctx context.Context, j Job, a Admission) error {
	return s.createJob(ctx, j, &a)
}

func (s *Store) createJob(ctx context.Context, j Job, a *Admission) error {
	if j.ID == "" {
		return fmt.Errorf("creating job: job id is empty: %w", ErrInvalid)
	}
	if j.Status == "" {
		j.Status = statusNotStarted
	}
	if err := validStatus(j.Status); err != nil {
		return fmt.Errorf("creating job %q: %w", j.ID, err)
	}
	j.SubmittedAt = nowIfZero(j.SubmittedAt)
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Every job is created under the admission lock (a job enters the in-progress set
		// only when created: no status change leads back into it), so the counts below, and
		// DeleteProject's, cannot miss a job that another process is creating
		// (PostgreSQL; SQLite serializes writers anyway).
		if err := s.lock(ctx, tx, lockAdmission, ""); err != nil {
			return err
		}
		if a != nil {
			if err := s.admit(ctx, tx, j, *a); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO jobs (`+jobColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			j.ID, j.ProjectID, j.ScheduleID, toMillis(j.SubmittedAt), optMillis(j.StartedAt), optMillis(j.FinishedAt),
			j.Status, j.TargetKey, optText(j.Request), optText(j.Project), j.JDBCConnectionString,
			j.MongoConnectionString, optText(j.FailureError), boolInt(j.SnapshotCompleted), j.TotalTableCount,
			j.EstimatedRows, j.VerificationStatus)
		return err
	})
	var ae *AdmissionError
	if errors.As(err, &ae) {
		return fmt.Errorf("creating job %q: %w", j.ID, err)
	}
	if s.d.isUniqueViolation(err) {
		return fmt.Errorf("creating job %q: id already used: %w", j.ID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating job %q: %w", j.ID, err)
	}
	return nil
}

// admit checks a's rules for j inside the creating transaction.
func (s *Store) admit(ctx context.Context, tx *sql.Tx, j Job, a Admission) error {
	if a.ExclusiveTarget {
		n, err := s.countInProgress(ctx, tx, j.ProjectID, j.TargetKey)
		if err != nil {
			return fmt.Errorf("counting jobs in progress: %w", err)
		}
		if n > 0 {
			return &AdmissionError{SameTarget: true, InProgress: n}
		}
	}
	if a.MaxInProgress > 0 {
		n, err := s.countInProgress(ctx, tx, "", "")
		if err != nil {
			return fmt.Errorf("counting jobs in progress: %w", err)
		}
		if n >= a.MaxInProgress {
			return &AdmissionError{InProgress: n, Max: a.MaxInProgress}
		}
	}
	return nil
}

// GetJob returns the job with the given id, or ErrNotFound.
func (s *Store) GetJob(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+jobColumns+` FROM jobs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("job %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("reading job %q: %w", id, err)
	}
	return j, nil
}

// JobFilter selects jobs for ListJobs.
type JobFilter struct {
	// ProjectID restricts to one project when not empty.
	ProjectID string
	// ScheduleID restricts to the runs of one schedule when not empty.
	ScheduleID string
	// Status restricts to one status when not empty.
	Status string
	// InProgress restricts to NOT_STARTED, RUNNING, PAUSED, CANCELLING and
	// CLEANING_UP jobs.
	InProgress bool
	// Sort is "<field>,ASC|DESC" with field submittedAt or status;
	// "submittedAt,DESC" when empty.
	Sort string
	// Limit caps the result; 0 means all.
	Limit int
}

// ListJobs lists the jobs that f selects.
func (s *Store) ListJobs(ctx context.Context, f JobFilter) ([]Job, error) {
	if f.Limit < 0 {
		return nil, fmt.Errorf("listing jobs: limit %d is negative: %w", f.Limit, ErrInvalid)
	}
	order, err := orderBy(f.Sort, "submittedAt,DESC", jobSortColumns, "submitted_at DESC, id ASC")
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	var (
		where []string
		args  []any
	)
	if f.ProjectID != "" {
		where = append(where, "project_id = ?")
		args = append(args, f.ProjectID)
	}
	if f.ScheduleID != "" {
		where = append(where, "schedule_id = ?")
		args = append(args, f.ScheduleID)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if f.InProgress {
		where = append(where, "status IN "+inProgressSQL)
	}
	q := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += order + s.d.limitOffset(f.Limit, 0)
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("listing jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	return out, nil
}

// JobUpdate is a partial update of a job: only non-nil fields change.
type JobUpdate struct {
	Status                *string
	StartedAt, FinishedAt *time.Time
	// FailureError, when non-nil, replaces the stored failureError JSON.
	FailureError       []byte
	SnapshotCompleted  *bool
	TotalTableCount    *int
	EstimatedRows      *int64
	VerificationStatus *string
	// IfStatusIn, when not empty, makes the update conditional: it applies
	// only if the job's current status is one of these, and otherwise fails
	// with ErrConflict. It lets a caller change state without racing another
	// writer (for example, never move a job out of a terminal state).
	IfStatusIn []string
}

// UpdateJob applies u to the job atomically. It returns ErrNotFound for an
// unknown id and ErrConflict when u.IfStatusIn does not hold.
func (s *Store) UpdateJob(ctx context.Context, id string, u JobUpdate) error {
	var (
		set  []string
		args []any
	)
	if u.Status != nil {
		if err := validStatus(*u.Status); err != nil {
			return fmt.Errorf("updating job %q: %w", id, err)
		}
		set = append(set, "status = ?")
		args = append(args, *u.Status)
	}
	if u.StartedAt != nil {
		set = append(set, "started_at = ?")
		args = append(args, toMillis(*u.StartedAt))
	}
	if u.FinishedAt != nil {
		set = append(set, "finished_at = ?")
		args = append(args, toMillis(*u.FinishedAt))
	}
	if u.FailureError != nil {
		set = append(set, "failure_error = ?")
		args = append(args, optText(u.FailureError))
	}
	if u.SnapshotCompleted != nil {
		set = append(set, "snapshot_completed = ?")
		args = append(args, boolInt(*u.SnapshotCompleted))
	}
	if u.TotalTableCount != nil {
		set = append(set, "total_table_count = ?")
		args = append(args, *u.TotalTableCount)
	}
	if u.EstimatedRows != nil {
		set = append(set, "estimated_rows = ?")
		args = append(args, *u.EstimatedRows)
	}
	if u.VerificationStatus != nil {
		set = append(set, "verification_status = ?")
		args = append(args, *u.VerificationStatus)
	}
	for _, st := range u.IfStatusIn {
		if err := validStatus(st); err != nil {
			return fmt.Errorf("updating job %q: condition: %w", id, err)
		}
	}
	if len(set) == 0 {
		// Nothing to change, but still answer ErrNotFound / ErrConflict
		// consistently.
		set = append(set, "id = id")
	}
	q := `UPDATE jobs SET ` + strings.Join(set, ", ") + ` WHERE id = ?`
	args = append(args, id)
	if len(u.IfStatusIn) > 0 {
		q += " AND status IN (?" + strings.Repeat(", ?", len(u.IfStatusIn)-1) + ")"
		for _, st := range u.IfStatusIn {
			args = append(args, st)
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(q), args...)
		if err != nil {
			return fmt.Errorf("updating job %q: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("updating job %q: %w", id, err)
		}
		if n > 0 {
			return nil
		}
		// Nothing matched: tell a missing job from a failed condition.
		var cur string
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT status FROM jobs WHERE id = ?`), id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("updating job %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("updating job %q: %w", id, err)
		}
		return fmt.Errorf("updating job %q: status is %s, expected one of %s: %w",
			id, cur, strings.Join(u.IfStatusIn, ", "), ErrConflict)
	})
}

// CountJobsByStatus returns the number of jobs in each status, every status present (0 when no
// job has it), for the relmongo_jobs gauge. A status this build does not know is returned too.
func (s *Store) CountJobsByStatus(ctx context.Context) (map[string]int64, error) {
	counts := make(map[string]int64, len(allStatuses))
	for _, st := range allStatuses {
		counts[st] = 0
	}
	rows, err := s.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("counting jobs by status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("counting jobs by status: %w", err)
		}
		counts[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting jobs by status: %w", err)
	}
	return counts, nil
}

// CountInProgress counts in-progress jobs. A non-empty projectID and/or
// targetKey restricts the count to that project and/or target; both empty
// count all (for --max-concurrent-jobs).
func (s *Store) CountInProgress(ctx context.Context, projectID, targetKey string) (int, error) {
	n, err := s.countInProgress(ctx, s.r, projectID, targetKey)
	if err != nil {
		return 0, fmt.Errorf("counting jobs in progress: %w", err)
	}
	return n, nil
}

func (s *Store) countInProgress(ctx context.Context, q querier, projectID, targetKey string) (int, error) {
	query := `SELECT COUNT(*) FROM jobs WHERE status IN ` + inProgressSQL
	var args []any
	if projectID != "" {
		query += " AND project_id = ?"
		args = append(args, projectID)
	}
	if targetKey != "" {
		query += " AND target_key = ?"
		args = append(args, targetKey)
	}
	var n int
	if err := q.QueryRowContext(ctx, s.d.rebind(query), args...).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

func scanJob(sc scanner) (Job, error) {
	var (
		j                  Job
		submitted          int64
		started, finished  sql.NullInt64
		req, proj, failure sql.NullString
		snapshotCompleted  int
	)
	if err := sc.Scan(&j.ID, &j.ProjectID, &j.ScheduleID, &submitted, &started, &finished, &j.Status, &j.TargetKey,
		&req, &proj, &j.JDBCConnectionString, &j.MongoConnectionString, &failure, &snapshotCompleted,
		&j.TotalTableCount, &j.EstimatedRows, &j.VerificationStatus); err != nil {
		return Job{}, err
	}
	j.SubmittedAt = fromMillis(submitted)
	j.StartedAt = optTime(started)
	j.FinishedAt = optTime(finished)
	j.Request = textBytes(req)
	j.Project = textBytes(proj)
	j.FailureError = textBytes(failure)
	j.SnapshotCompleted = snapshotCompleted != 0
	return j, nil
}
