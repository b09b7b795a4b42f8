package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Connection is a saved connection. Sealed is ciphertext made by the caller;
// the store never sees a secret in clear.
type Connection struct {
	ID string
	// Kind is JDBC or MONGODB.
	Kind      string
	MaskedURL string
	Sealed    []byte
	// CreatedAt is when the connection was first saved; zero means now.
	CreatedAt time.Time
}

// PutConnection inserts or replaces a saved connection. Replacing keeps the
// original CreatedAt.
func (s *Store) PutConnection(ctx context.Context, c Connection) error {
	if c.ID == "" {
		return fmt.Errorf("saving connection: id is empty: %w", ErrInvalid)
	}
	if !oneOf(c.Kind, "JDBC", "MONGODB") {
		return fmt.Errorf("saving connection %q: kind %q is not JDBC or MONGODB: %w", c.ID, c.Kind, ErrInvalid)
	}
	c.CreatedAt = nowIfZero(c.CreatedAt)
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO connections (id, kind, masked_url, sealed, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
			masked_url = excluded.masked_url, sealed = excluded.sealed`),
			c.ID, c.Kind, c.MaskedURL, c.Sealed, toMillis(c.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("saving connection %q: %w", c.ID, err)
	}
	return nil
}

// GetConnection returns a saved connection, or ErrNotFound.
func (s *Store) GetConnection(ctx context.Context, id string) (Connection, error) {
	var (
		c       Connection
		created int64
	)
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT id, kind, masked_url, sealed, created_at FROM connections WHERE id = ?`), id).
		Scan(&c.ID, &c.Kind, &c.MaskedURL, &c.Sealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, fmt.Errorf("connection %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Connection{}, fmt.Errorf("reading connection %q: %w", id, err)
	}
	c.CreatedAt = fromMillis(created)
	return c, nil
}

// DeleteConnection deletes a saved connection, or returns ErrNotFound.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM connections WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("deleting connection %q: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("deleting connection %q: %w", id, err)
		} else if n == 0 {
			return fmt.Errorf("deleting connection %q: %w", id, ErrNotFound)
		}
		return nil
	})
}

// ListConnections returns every saved connection, oldest first (ties by id), for listings that
// show them masked; callers must not send Sealed anywhere.
func (s *Store) ListConnections(ctx context.Context) ([]Connection, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, kind, masked_url, sealed, created_at FROM connections ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		var (
			c       Connection
			created int64
		)
		if err := rows.Scan(&c.ID, &c.Kind, &c.MaskedURL, &c.Sealed, &created); err != nil {
			return nil, fmt.Errorf("listing connections: %w", err)
		}
		c.CreatedAt = fromMillis(created)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing connections: %w", err)
	}
	return out, nil
}
