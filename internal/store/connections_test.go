package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestConnections(t *testing.T) { forEachBackend(t, testConnections) }

func testConnections(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	first := Connection{ID: "c1", Kind: "JDBC", MaskedURL: "jdbc:postgresql://u:*****@h/db", Sealed: []byte{0, 1, 2, 255}, CreatedAt: at(0)}
	steps := []struct {
		name    string
		put     Connection
		wantErr error
		want    *Connection
	}{
		{"insert", first, nil, &first},
		{"replace keeps created", Connection{ID: "c1", Kind: "JDBC", MaskedURL: "new", Sealed: []byte{9}, CreatedAt: at(5)}, nil,
			&Connection{ID: "c1", Kind: "JDBC", MaskedURL: "new", Sealed: []byte{9}, CreatedAt: at(0)}},
		{"bad kind", Connection{ID: "c2", Kind: "ORACLE"}, ErrInvalid, nil},
		{"empty id", Connection{Kind: "MONGODB"}, ErrInvalid, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := s.PutConnection(ctx, st.put)
			if st.wantErr != nil {
				if !errors.Is(err, st.wantErr) {
					t.Fatalf("got %v, want %v", err, st.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.GetConnection(ctx, st.put.ID)
			if err != nil {
				t.Fatal(err)
			}
			w := st.want
			if got.ID != w.ID || got.Kind != w.Kind || got.MaskedURL != w.MaskedURL || !bytes.Equal(got.Sealed, w.Sealed) ||
				!got.CreatedAt.Equal(w.CreatedAt) {
				t.Fatalf("got %+v, want %+v", got, *w)
			}
		})
	}
	if err := s.PutConnection(ctx, Connection{ID: "a0", Kind: "MONGODB", MaskedURL: "mongodb://h/db", Sealed: []byte{7}, CreatedAt: at(1)}); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID+"/"+c.Kind+"/"+c.MaskedURL)
	}
	if got, want := strings.Join(ids, ","), "c1/JDBC/new,a0/MONGODB/mongodb://h/db"; got != want {
		t.Fatalf("ListConnections = %s, want %s (oldest first)", got, want)
	}
	if _, err := s.GetConnection(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetConnection(unknown): got %v, want ErrNotFound", err)
	}
	if err := s.DeleteConnection(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnection(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DeleteConnection: got %v, want ErrNotFound", err)
	}
}
