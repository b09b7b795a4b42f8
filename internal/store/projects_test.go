package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestProjectsCRUD(t *testing.T) { forEachBackend(t, testProjectsCRUD) }

func testProjectsCRUD(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	base := Project{ID: "p1", Name: "chinook", SourceType: "POSTGRESQL", Document: []byte(`{"version":1}`), LastModified: at(0)}
	if err := s.CreateProject(ctx, base); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}

	got, err := s.GetProject(ctx, "p1")
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	if got.ID != base.ID || got.Name != base.Name || got.SourceType != base.SourceType ||
		!bytes.Equal(got.Document, base.Document) || !got.LastModified.Equal(base.LastModified) {
		t.Errorf("GetProject = %+v, want %+v", got, base)
	}

	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"duplicate name", func() error {
			return s.CreateProject(ctx, Project{ID: "p2", Name: "chinook", Document: []byte(`{}`)})
		}, ErrConflict},
		{"duplicate id", func() error {
			return s.CreateProject(ctx, Project{ID: "p1", Name: "other", Document: []byte(`{}`)})
		}, ErrConflict},
		{"name differs only by case is allowed", func() error {
			return s.CreateProject(ctx, Project{ID: "p3", Name: "Chinook", Document: []byte(`{}`)})
		}, nil},
		{"empty id", func() error { return s.CreateProject(ctx, Project{Name: "x"}) }, ErrInvalid},
		{"empty name", func() error { return s.CreateProject(ctx, Project{ID: "x"}) }, ErrInvalid},
		{"get unknown", func() error { _, err := s.GetProject(ctx, "nope"); return err }, ErrNotFound},
		{"update unknown", func() error {
			return s.UpdateProject(ctx, Project{ID: "nope", Name: "nope"})
		}, ErrNotFound},
		{"update to a taken name", func() error {
			return s.UpdateProject(ctx, Project{ID: "p3", Name: "chinook"})
		}, ErrConflict},
		{"update keeping own name", func() error {
			return s.UpdateProject(ctx, Project{ID: "p1", Name: "chinook", Document: []byte(`{"version":2}`), LastModified: at(5)})
		}, nil},
		{"delete unknown", func() error { return s.DeleteProject(ctx, "nope") }, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if tc.want == nil && err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}

	got, err = s.GetProject(ctx, "p1")
	if err != nil {
		t.Fatalf("GetProject after update: %v", err)
	}
	if string(got.Document) != `{"version":2}` || !got.LastModified.Equal(at(5)) {
		t.Errorf("after update got %+v", got)
	}
}

func TestDeleteProjectRefusedWhileJobInProgress(t *testing.T) {
	forEachBackend(t, testDeleteProjectRefusedWhileJobInProgress)
}

func testDeleteProjectRefusedWhileJobInProgress(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	if err := s.CreateProject(ctx, Project{ID: "p1", Name: "a", Document: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	mustCreateJob(t, s, Job{ID: "j1", ProjectID: "p1", Status: "RUNNING"})
	if err := s.DeleteProject(ctx, "p1"); !errors.Is(err, ErrConflict) {
		t.Fatalf("DeleteProject with running job: got %v, want ErrConflict", err)
	}
	if err := s.UpdateJob(ctx, "j1", JobUpdate{Status: ptr("COMPLETED")}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProject(ctx, "p1"); err != nil {
		t.Fatalf("DeleteProject after job finished: %v", err)
	}
	if _, err := s.GetProject(ctx, "p1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetProject after delete: got %v, want ErrNotFound", err)
	}
	// The finished job keeps its record.
	if _, err := s.GetJob(ctx, "j1"); err != nil {
		t.Fatalf("GetJob after project delete: %v", err)
	}
}

func TestListProjects(t *testing.T) { forEachBackend(t, testListProjects) }

func testListProjects(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	for _, p := range []Project{
		{ID: "a", Name: "beta", LastModified: at(2)},
		{ID: "b", Name: "alpha", LastModified: at(3)},
		{ID: "c", Name: "gamma", LastModified: at(1)},
	} {
		p.Document = []byte(`{}`)
		if err := s.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		sort    string
		limit   int
		want    []string
		wantErr error
	}{
		{"", 0, []string{"b", "a", "c"}, nil},
		{"lastModified,ASC", 0, []string{"c", "a", "b"}, nil},
		{"name,ASC", 0, []string{"b", "a", "c"}, nil},
		{"name,DESC", 2, []string{"c", "a"}, nil},
		{"", 1, []string{"b"}, nil},
		{"name,desc", 0, nil, ErrInvalid},
		{"owner,ASC", 0, nil, ErrInvalid},
		{"name", 0, nil, ErrInvalid},
		{"name,ASC; DROP TABLE projects", 0, nil, ErrInvalid},
		{"", -1, nil, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.sort, func(t *testing.T) {
			ps, err := s.ListProjects(ctx, tc.sort, tc.limit)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			if !equalStrings(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
