package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"

	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/project"
)

func TestPlacementsOfTheDemoProjects(t *testing.T) {
	for name, doc := range map[string][]byte{"sqlite": chinook.SQLiteProject(), "postgres": chinook.PostgresProject()} {
		t.Run(name, func(t *testing.T) {
			var p project.Project
			if err := json.Unmarshal(doc, &p); err != nil {
				t.Fatal(err)
			}
			counted, lookups := placements(&p)
			tables := map[string]bool{}
			for _, pl := range counted {
				tables[strings.ToLower(strings.ReplaceAll(pl.table.Name, "_", ""))] = true
			}
			if len(tables) != 11 {
				t.Errorf("the report counts %d tables, want all 11 of Chinook: %v", len(tables), tables)
			}
			if len(lookups) != 0 {
				t.Errorf("tables only looked up (not countable): %v", lookups)
			}
		})
	}
}

func TestElementsAt(t *testing.T) {
	raw, err := bson.Marshal(bson.D{
		{Key: "lines", Value: bson.A{bson.D{{Key: "x", Value: 1}}, bson.D{{Key: "x", Value: 2}}}},
		{Key: "nested", Value: bson.D{{Key: "items", Value: bson.A{1, 2, 3}}}},
		{Key: "groups", Value: bson.A{bson.D{{Key: "members", Value: bson.A{1, 2}}}, bson.D{{Key: "members", Value: bson.A{}}}, bson.D{{Key: "members", Value: bson.A{3}}}}},
		{Key: "empty", Value: bson.A{}},
		{Key: "null", Value: nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := bson.RawValue{Type: bsontype.EmbeddedDocument, Value: raw}
	cases := []struct {
		path []string
		want int64
	}{
		{[]string{"lines"}, 2},
		{[]string{"nested", "items"}, 3},
		{[]string{"groups", "members"}, 3},
		{[]string{"empty"}, 0},
		{[]string{"null"}, 0},
		{[]string{"missing"}, 0},
	}
	for _, tc := range cases {
		if got := elementsAt(doc, tc.path); got != tc.want {
			t.Errorf("elementsAt(%v) = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestDemoSourceSpecs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		spec, wantPath, errSub string
	}{
		{spec: "", wantPath: filepath.Join(dir, "chinook.db")},
		{spec: "sqlite", wantPath: filepath.Join(dir, "chinook.db")},
		{spec: "sqlite://" + filepath.Join(dir, "other dir", "a#b.db"), wantPath: filepath.Join(dir, "other dir", "a#b.db")},
		{spec: "jdbc:sqlite:" + filepath.Join(dir, "j.db"), wantPath: filepath.Join(dir, "j.db")},
		{spec: filepath.Join(dir, "plain.db"), wantPath: filepath.Join(dir, "plain.db")},
		{spec: "sqlserver://sa:secret@host:1433", errSub: "SQLite or PostgreSQL"},
		{spec: "mysql://u:secret@host/db", errSub: "SQLite or PostgreSQL"},
		{spec: "jdbc:sqlite::memory:", errSub: "in-memory"},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		src, err := prepareDemoSource(ctx, &out, tc.spec, dir)
		if tc.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSub) || strings.Contains(err.Error(), "secret") {
				t.Errorf("--source %q: %v, want an error about %q without the password", tc.spec, err, tc.errSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("--source %q: %v", tc.spec, err)
			continue
		}
		if src.conn.Path != tc.wantPath || src.typ != "SQLITE" || !strings.Contains(out.String(), tc.wantPath) {
			t.Errorf("--source %q: path %q (url %q), output %q; want %q", tc.spec, src.conn.Path, src.url, out.String(), tc.wantPath)
		}
	}
}
