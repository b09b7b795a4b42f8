package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Project is a stored project. Document is the project JSON of MAPPING.md,
// kept as given: the store does not interpret it.
type Project struct {
	ID           string
	Name         string
	SourceType   string
	Document     []byte
	LastModified time.Time
}

var projectSortColumns = map[string]string{
	"lastModified": "last_modified",
	"name":         "name",
}

const projectColumns = `id, name, source_type, document, last_modified`

func validateProject(p Project) error {
	if p.ID == "" {
		return fmt.Errorf("project id is empty: %w", ErrInvalid)
	}
	if p.Name == "" {
		return fmt.Errorf("project %q has an empty name: %w", p.ID, ErrInvalid)
	}
	return nil
}

// CreateProject stores a new project. A zero LastModified means now. It
// returns ErrConflict when the id or the (case-sensitive) name is taken.
func (s *Store) CreateProject(ctx context.Context, p Project) error {
	if err := validateProject(p); err != nil {
		return fmt.Errorf("creating project: %w", err)
	}
	p.LastModified = nowIfZero(p.LastModified)
	return s.write(ctx, func(tx *sql.Tx) error {
		// Checked first so the error says which of id or name clashes; the
		// unique constraints remain the guarantee.
		if err := s.projectClash(ctx, tx, p, false); err != nil {
			return fmt.Errorf("creating project: %w", err)
		}
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO projects (`+projectColumns+`) VALUES (?, ?, ?, ?, ?)`),
			p.ID, p.Name, p.SourceType, string(p.Document), toMillis(p.LastModified))
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("creating project %q: id or name already used: %w", p.ID, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("creating project %q: %w", p.ID, err)
		}
		return nil
	})
}

// projectClash reports ErrConflict when another project has p's name, or
// (unless updating) p's id.
func (s *Store) projectClash(ctx context.Context, tx *sql.Tx, p Project, updating bool) error {
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT id, name FROM projects WHERE id = ? OR name = ?`), p.ID, p.Name)
	if err != nil {
		return fmt.Errorf("checking project %q for clashes: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("checking project %q for clashes: %w", p.ID, err)
		}
		switch {
		case id == p.ID && !updating:
			return fmt.Errorf("project id %q is already used: %w", p.ID, ErrConflict)
		case id != p.ID && name == p.Name:
			return fmt.Errorf("project name %q is already used by another project: choose another name: %w", p.Name, ErrConflict)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checking project %q for clashes: %w", p.ID, err)
	}
	return nil
}

// GetProject returns the project with the given id, or ErrNotFound.
func (s *Store) GetProject(ctx context.Context, id string) (Project, error) {
	row := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+projectColumns+` FROM projects WHERE id = ?`), id)
	p, err := scanProject(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Project{}, fmt.Errorf("project %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Project{}, fmt.Errorf("reading project %q: %w", id, err)
	}
	return p, nil
}

// ListProjects lists projects sorted by sort ("lastModified,DESC" when empty;
// fields lastModified and name), at most limit of them (0 = all).
func (s *Store) ListProjects(ctx context.Context, sort string, limit int) ([]Project, error) {
	if limit < 0 {
		return nil, fmt.Errorf("listing projects: limit %d is negative: %w", limit, ErrInvalid)
	}
	order, err := orderBy(sort, "lastModified,DESC", projectSortColumns, "id ASC")
	if err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects`+order+s.d.limitOffset(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("listing projects: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	return out, nil
}

// UpdateProject replaces the project with p.ID. A zero LastModified means
// now. It returns ErrNotFound for an unknown id and ErrConflict when another
// project has the new name.
func (s *Store) UpdateProject(ctx context.Context, p Project) error {
	if err := validateProject(p); err != nil {
		return fmt.Errorf("updating project: %w", err)
	}
	p.LastModified = nowIfZero(p.LastModified)
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.projectClash(ctx, tx, p, true); err != nil {
			return fmt.Errorf("updating project: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE projects SET name = ?, source_type = ?, document = ?, last_modified = ? WHERE id = ?`),
			p.Name, p.SourceType, string(p.Document), toMillis(p.LastModified), p.ID)
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("updating project %q: name %q already used: %w", p.ID, p.Name, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("updating project %q: %w", p.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("updating project %q: %w", p.ID, err)
		} else if n == 0 {
			return fmt.Errorf("updating project %q: %w", p.ID, ErrNotFound)
		}
		return nil
	})
}

// DeleteProject deletes a project. It returns ErrNotFound for an unknown id
// and ErrConflict while one of the project's jobs is in progress (checked in
// the same transaction, so a job created concurrently cannot slip through).
// Finished jobs keep their frozen copy of the project.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		// Jobs are created under this lock (see createJob), so none can slip in after the count.
		if err := s.lock(ctx, tx, lockAdmission, ""); err != nil {
			return fmt.Errorf("deleting project %q: %w", id, err)
		}
		n, err := s.countInProgress(ctx, tx, id, "")
		if err != nil {
			return fmt.Errorf("deleting project %q: %w", id, err)
		}
		if n > 0 {
			return fmt.Errorf("deleting project %q: %d of its jobs are in progress: stop them or wait for them to finish: %w", id, n, ErrConflict)
		}
		res, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM projects WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("deleting project %q: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("deleting project %q: %w", id, err)
		} else if n == 0 {
			return fmt.Errorf("deleting project %q: %w", id, ErrNotFound)
		}
		return nil
	})
}

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

func scanProject(sc scanner) (Project, error) {
	var (
		p   Project
		doc sql.NullString
		lm  int64
	)
	if err := sc.Scan(&p.ID, &p.Name, &p.SourceType, &doc, &lm); err != nil {
		return Project{}, err
	}
	p.Document = textBytes(doc)
	p.LastModified = fromMillis(lm)
	return p, nil
}
