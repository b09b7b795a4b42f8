package chinook

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source/sqlite"
)

// chinookRows are the row counts of Chinook 1.4.5.
var chinookRows = map[string]int64{
	"Album": 347, "Artist": 275, "Customer": 59, "Employee": 8, "Genre": 25, "Invoice": 412,
	"InvoiceLine": 2240, "MediaType": 5, "Playlist": 18, "PlaylistTrack": 8715, "Track": 3503,
}

func TestEnsureSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub dir", "chinook.db")
	created, err := EnsureSQLite(ctx, path)
	if err != nil || !created {
		t.Fatalf("EnsureSQLite on a missing file = %v, %v; want created", created, err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only the database (no temporary files left)", len(entries))
	}
	created, err = EnsureSQLite(ctx, path)
	if err != nil || created {
		t.Fatalf("EnsureSQLite on the built database = %v, %v; want reused", created, err)
	}
	if err := LoadSQLite(ctx, path); err == nil {
		t.Fatal("LoadSQLite overwrote an existing file")
	}

	src, err := sqlite.Open(ctx, path, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	cat, err := src.Introspect(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range SQLiteTables {
		tb, ok := cat.Table("main", name)
		if !ok {
			t.Fatalf("table %s is missing", name)
		}
		n, err := src.CountRows(ctx, project.TablePlan{Table: project.TableRef{Schema: "main", Name: name}})
		if err != nil {
			t.Fatal(err)
		}
		if n != chinookRows[name] || tb.EstimatedRows != n {
			t.Errorf("%s: %d rows (estimate %d), want %d", name, n, tb.EstimatedRows, chinookRows[name])
		}
	}
	var p project.Project
	if err := json.Unmarshal(SQLiteProject(), &p); err != nil {
		t.Fatal(err)
	}
	if _, ps := project.Resolve(&p, cat, nil, nil); len(ps) > 0 {
		t.Fatalf("the SQLite project does not resolve against the Chinook SQLite catalog: %v", ps)
	}
}

func TestEnsureSQLiteRefusesOtherDatabases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	other := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", "file:"+uriPath(other))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE Album(x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := EnsureSQLite(ctx, other); err == nil || !strings.Contains(err.Error(), "not the Chinook database") {
		t.Fatalf("EnsureSQLite on another database: %v", err)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not a database at all, but long enough to have a header of 100 bytes...................."), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureSQLite(ctx, text); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("EnsureSQLite on a text file: %v", err)
	}
}
