package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
	"github.com/relmongo/relmongo/internal/source"
)

// edgeSchema holds one table per case the source must handle.
const edgeSchema = `
PRAGMA journal_mode=WAL;
CREATE TABLE artist(artist_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE album(album_id INTEGER NOT NULL, title NVARCHAR(160) NOT NULL, artist_id INTEGER REFERENCES Artist,
  CONSTRAINT pk_album PRIMARY KEY (album_id));
CREATE INDEX album_artist ON album(artist_id);
CREATE TABLE "no key"(a TEXT, b INTEGER);
CREATE TABLE uk(code TEXT NOT NULL UNIQUE, v);
CREATE TABLE nullable_uk(code TEXT UNIQUE, v);
CREATE TABLE wr(k1 TEXT, k2 INTEGER, v BLOB, PRIMARY KEY (k1, k2)) WITHOUT ROWID;
CREATE TABLE mixed(id PRIMARY KEY NOT NULL, v) WITHOUT ROWID;
CREATE TABLE mixed_child(n INTEGER PRIMARY KEY, mixed_id REFERENCES mixed(id), note TEXT);
CREATE INDEX mixed_child_fk ON mixed_child(mixed_id);
CREATE TABLE "Ünïcødé 表"("名前" TEXT PRIMARY KEY NOT NULL, "wert` + "`" + `x" INTEGER, "a.b" TEXT);
CREATE TABLE shadow(rowid TEXT, v);
CREATE TABLE nullpk(id TEXT PRIMARY KEY, v);
CREATE TABLE pair(a INTEGER, b INTEGER, c TEXT, PRIMARY KEY (a, b));
CREATE TABLE pair_child(id INTEGER PRIMARY KEY, pa INTEGER, pb INTEGER, FOREIGN KEY (pa, pb) REFERENCES pair);
CREATE VIEW v AS SELECT 1 AS one;
INSERT INTO artist VALUES (1, 'AC/DC'), (2, 'Accept'), (3, NULL);
INSERT INTO album VALUES (10, 'For Those About To Rock', 1), (11, 'Let There Be Rock', 1), (12, 'Balls to the Wall', 2), (13, 'Orphan', NULL);
INSERT INTO "no key" VALUES ('x', 1), ('y', 2), ('x', 1), (NULL, NULL), ('z', 3);
INSERT INTO uk VALUES ('b', 1), ('a', 2), ('c', x'00');
INSERT INTO wr VALUES ('b', 2, x'01'), ('a', 1, NULL), ('a', 2, x''), ('b', 1, x'ff'), ('a', -5, x'10');
INSERT INTO mixed VALUES (3, 'int'), (2.5, 'real'), ('3', 'text 3'), ('abc', 'text'), (x'00', 'blob'), (x'', 'empty blob'),
  (-7, 'negative'), (9e999, 'infinity'), ('1.5', 'numeric text'), (1e21, 'large real');
INSERT INTO mixed_child VALUES (1, 3, 'to int'), (2, '3', 'to text'), (3, x'00', 'to blob'), (4, 2.5, 'to real'), (5, NULL, 'orphan'),
  (6, 3, 'to int again'), (7, 'abc', 'to abc'), (8, 9e999, 'to infinity'), (9, 1e21, 'to large real'), (10, '1.5', 'to numeric text');
INSERT INTO "Ünïcødé 表" VALUES ('ß', 1, 'dot'), ('日本', 2, NULL), ('a', 3, 'x');
INSERT INTO shadow VALUES ('r1', 1), ('r2', 2);
INSERT INTO nullpk VALUES ('a', 1), (NULL, 2), (NULL, 3);
INSERT INTO pair VALUES (1, 1, 'p11'), (1, 2, 'p12'), (2, 1, 'p21');
INSERT INTO pair_child VALUES (1, 1, 2), (2, 1, 2), (3, 2, 1), (4, 1, 1), (5, 9, 9);
`

// newDB creates a database file from script and opens it read-only.
func newDB(t *testing.T, script string) (*Source, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "edge cases?#%.db")
	w, err := sql.Open("sqlite", "file:"+escapePath(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(script); err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, path
}

func catalog(t *testing.T, s *Source) *schema.Catalog {
	t.Helper()
	cat, err := s.Introspect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// planOf builds a plan that reads every column of a table, keyed like project.Resolve does.
func planOf(t *testing.T, cat *schema.Catalog, name string) project.TablePlan {
	t.Helper()
	tb, ok := cat.Table("main", name)
	if !ok {
		t.Fatalf("table %s is not in the catalog", name)
	}
	p := project.TablePlan{Table: project.TableRef{Schema: "main", Name: name}, EstimatedRows: tb.EstimatedRows}
	for _, c := range tb.Columns {
		p.Columns = append(p.Columns, project.ColumnPlan{Name: c.Name, DataType: c.DataType, Kind: c.Kind, Scale: c.Scale})
	}
	p.KeyColumns = tb.PrimaryKey
	if len(p.KeyColumns) == 0 && len(tb.UniqueKeys) > 0 {
		p.KeyColumns = tb.UniqueKeys[0]
	}
	return p
}

func TestIntrospect(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	cat := catalog(t, s)
	var names []string
	for _, tb := range cat.Tables {
		names = append(names, tb.Name)
	}
	wantNames := []string{"album", "artist", "mixed", "mixed_child", "no key", "nullable_uk", "nullpk", "pair", "pair_child", "shadow", "uk", "wr", "Ünïcødé 表"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("tables = %q, want %q (views and SQLite's own tables excluded)", names, wantNames)
	}
	cases := []struct {
		table   string
		pk      []string
		unique  [][]string
		lastCol string
	}{
		{"artist", []string{"artist_id"}, nil, "name"},
		{"album", []string{"album_id"}, nil, "artist_id"},
		{"no key", []string{"rowid"}, nil, "rowid"},
		{"uk", nil, [][]string{{"code"}}, "v"},
		{"nullable_uk", []string{"rowid"}, nil, "rowid"},
		{"wr", []string{"k1", "k2"}, nil, "v"},
		{"mixed", []string{"id"}, nil, "v"},
		{"shadow", []string{"_rowid_"}, nil, "_rowid_"},
		{"Ünïcødé 表", []string{"名前"}, nil, "a.b"},
		{"pair", []string{"a", "b"}, nil, "c"},
	}
	for _, tc := range cases {
		tb, _ := cat.Table("main", tc.table)
		if !slices.Equal(tb.PrimaryKey, tc.pk) || len(tb.UniqueKeys) != len(tc.unique) || tb.Columns[len(tb.Columns)-1].Name != tc.lastCol {
			t.Errorf("%s: primary key %q, unique keys %q, last column %q; want %q, %q, %q", tc.table, tb.PrimaryKey, tb.UniqueKeys, tb.Columns[len(tb.Columns)-1].Name, tc.pk, tc.unique, tc.lastCol)
		}
		for i, u := range tc.unique {
			if !slices.Equal(tb.UniqueKeys[i], u) {
				t.Errorf("%s: unique key %q, want %q", tc.table, tb.UniqueKeys[i], u)
			}
		}
	}
	album, _ := cat.Table("main", "album")
	if len(album.ForeignKeys) != 1 {
		t.Fatalf("album foreign keys = %+v", album.ForeignKeys)
	}
	fk := album.ForeignKeys[0]
	if fk.Name != "album_artist_id_fkey" || fk.RefTable != "artist" || !slices.Equal(fk.RefColumns, []string{"artist_id"}) || !slices.Equal(fk.Columns, []string{"artist_id"}) {
		t.Errorf("album's foreign key = %+v (the parent is spelled Artist in the DDL and referenced by its primary key)", fk)
	}
	pc, _ := cat.Table("main", "pair_child")
	if len(pc.ForeignKeys) != 1 || !slices.Equal(pc.ForeignKeys[0].RefColumns, []string{"a", "b"}) || pc.ForeignKeys[0].Name != "pair_child_pa_pb_fkey" {
		t.Errorf("pair_child foreign keys = %+v", pc.ForeignKeys)
	}
	title, _ := album.Column("title")
	if title.Kind != convert.KindString || title.Nullable || title.DataType != "NVARCHAR(160)" {
		t.Errorf("album.title = %+v", title)
	}
	id, _ := album.Column("album_id")
	if id.Nullable || id.Kind != convert.KindInt64 {
		t.Errorf("album.album_id = %+v", id)
	}
	if album.EstimatedRows != -1 {
		t.Errorf("estimate without ANALYZE = %d, want -1", album.EstimatedRows)
	}
	if _, err := s.Introspect(context.Background(), []string{"public"}); err == nil || !strings.Contains(err.Error(), `"main"`) {
		t.Errorf("a schema other than main: %v", err)
	}
}

func TestEstimatedRowsFromAnalyze(t *testing.T) {
	s, _ := newDB(t, edgeSchema+"ANALYZE;")
	cat := catalog(t, s)
	album, _ := cat.Table("main", "album")
	if album.EstimatedRows != 4 {
		t.Errorf("album estimate = %d, want 4 from sqlite_stat1", album.EstimatedRows)
	}
}

// rowText renders a row for comparisons.
func rowText(r source.Row) string { return fmt.Sprint([]any(r)) }

// readAll reads a table in chunks of chunkRows, planning at most two boundaries per call, and
// returns the rows in order.
func readAll(t *testing.T, s *Source, p project.TablePlan, chunkRows int64) []string {
	t.Helper()
	ctx := context.Background()
	var bounds [][]string
	var after []string
	for {
		uppers, done, err := s.PlanChunks(ctx, p, after, chunkRows, 2)
		if err != nil {
			t.Fatalf("planning %s: %v", p.Table, err)
		}
		bounds = append(bounds, uppers...)
		if len(uppers) > 0 {
			after = uppers[len(uppers)-1]
		}
		if done {
			break
		}
	}
	var out []string
	var lower []string
	for i := 0; i <= len(bounds); i++ {
		var upper []string
		if i < len(bounds) {
			upper = bounds[i]
		}
		snap, err := s.Snapshot(ctx, source.SnapshotOptions{StatementTimeoutMillis: 10000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = snap.ReadRange(ctx, p, lower, upper, func(r source.Row) error {
			out = append(out, rowText(r))
			n++
			return nil
		})
		snap.Close(ctx)
		if err != nil {
			t.Fatalf("reading %s (%q, %q]: %v", p.Table, lower, upper, err)
		}
		if i < len(bounds) && int64(n) != chunkRows {
			t.Errorf("%s: chunk (%q, %q] has %d rows, want %d", p.Table, lower, upper, n, chunkRows)
		}
		lower = upper
	}
	return out
}

func TestChunksCoverEveryRowOnce(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	cat := catalog(t, s)
	ctx := context.Background()
	for _, table := range []string{"artist", "album", "no key", "uk", "wr", "mixed", "mixed_child", "Ünïcødé 表", "shadow", "pair"} {
		t.Run(table, func(t *testing.T) {
			p := planOf(t, cat, table)
			whole := readAll(t, s, p, 1_000_000)
			n, err := s.CountRows(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(whole)) != n {
				t.Fatalf("one chunk read %d rows, count(*) is %d", len(whole), n)
			}
			for _, size := range []int64{1, 2, 3} {
				if got := readAll(t, s, p, size); !slices.Equal(got, whole) {
					t.Fatalf("chunks of %d:\n%q\nwant\n%q", size, got, whole)
				}
			}
		})
	}
}

func TestRowValues(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	p := planOf(t, catalog(t, s), "mixed")
	ctx := context.Background()
	snap, err := s.Snapshot(ctx, source.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close(ctx)
	var got []any
	err = snap.ReadRange(ctx, p, nil, nil, func(r source.Row) error {
		got = append(got, r[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The untyped key column keeps every value's own storage class, in SQLite's key order.
	want := []any{
		convert.Typed{Kind: convert.KindInt32, Value: int64(-7)},
		convert.Typed{Kind: convert.KindDouble, Value: 2.5},
		convert.Typed{Kind: convert.KindInt32, Value: int64(3)},
		convert.Typed{Kind: convert.KindDouble, Value: 1e21},
		convert.Typed{Kind: convert.KindDouble, Value: posInfinity()},
		convert.Typed{Kind: convert.KindString, Value: "1.5"},
		convert.Typed{Kind: convert.KindString, Value: "3"},
		convert.Typed{Kind: convert.KindString, Value: "abc"},
		[]byte{},
		[]byte{0},
	}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Fatalf("values\n%#v\nwant\n%#v", got, want)
	}
}

func posInfinity() float64 { f := 1e308; return f * 10 }

func TestReadByKeys(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	cat := catalog(t, s)
	ctx := context.Background()
	type result struct {
		link string
		row  string
	}
	read := func(t *testing.T, p project.TablePlan, keys [][]string) []result {
		t.Helper()
		snap, err := s.Snapshot(ctx, source.SnapshotOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close(ctx)
		var out []result
		err = snap.ReadByKeys(ctx, p, keys, func(r source.Row) error {
			var link []string
			for _, c := range p.LinkColumns {
				link = append(link, fmt.Sprint(r[p.TextIndex(c)]))
			}
			out = append(out, result{strings.Join(link, ","), rowText(r[:len(p.Columns)])})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The parent's key texts, read the way a root chunk reads them.
	parentKeys := func(t *testing.T, table string, cols []string) [][]string {
		t.Helper()
		p := planOf(t, cat, table)
		p.TextColumns = cols
		snap, _ := s.Snapshot(ctx, source.SnapshotOptions{})
		defer snap.Close(ctx)
		var keys [][]string
		err := snap.ReadRange(ctx, p, nil, nil, func(r source.Row) error {
			var k []string
			for _, c := range cols {
				k = append(k, r[p.TextIndex(c)].(string))
			}
			keys = append(keys, k)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}

	t.Run("integer link", func(t *testing.T) {
		p := planOf(t, cat, "album")
		p.LinkColumns, p.TextColumns = []string{"artist_id"}, []string{"artist_id"}
		got := read(t, p, parentKeys(t, "artist", []string{"artist_id"}))
		want := []result{{"1", "[10 For Those About To Rock 1]"}, {"1", "[11 Let There Be Rock 1]"}, {"2", "[12 Balls to the Wall 2]"}}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("sorted and filtered", func(t *testing.T) {
		p := planOf(t, cat, "album")
		p.LinkColumns, p.TextColumns = []string{"artist_id"}, []string{"artist_id"}
		p.Sort = []project.SortKey{{Column: "title", Order: "DESC"}}
		p.Filter.WhereClause = "title <> 'Balls to the Wall' -- a comment"
		got := read(t, p, [][]string{{"1"}, {"2"}, {"1"}})
		want := []result{{"1", "[11 Let There Be Rock 1]"}, {"1", "[10 For Those About To Rock 1]"}}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("link values of every storage class", func(t *testing.T) {
		p := planOf(t, cat, "mixed_child")
		p.LinkColumns, p.TextColumns = []string{"mixed_id"}, []string{"mixed_id"}
		keys := parentKeys(t, "mixed", []string{"id"})
		got := read(t, p, keys)
		var notes []string
		for _, r := range got {
			notes = append(notes, r.row[strings.LastIndex(r.row, "to "):])
		}
		want := []string{"to real]", "to int]", "to int again]", "to large real]", "to infinity]", "to numeric text]", "to text]", "to abc]", "to blob]"}
		if !slices.Equal(notes, want) {
			t.Fatalf("got %q\nwant %q", notes, want)
		}
		// Each child's link text equals its parent's key text: that is how documents are built.
		parents := map[string]bool{}
		for _, k := range keys {
			parents[k[0]] = true
		}
		for _, r := range got {
			if !parents[r.link] {
				t.Errorf("child link %q matches no parent key text %q", r.link, keys)
			}
		}
	})
	t.Run("composite link", func(t *testing.T) {
		p := planOf(t, cat, "pair_child")
		p.LinkColumns, p.TextColumns = []string{"pa", "pb"}, []string{"pa", "pb"}
		got := read(t, p, parentKeys(t, "pair", []string{"a", "b"}))
		want := []result{{"1,1", "[4 1 1]"}, {"1,2", "[1 1 2]"}, {"1,2", "[2 1 2]"}, {"2,1", "[3 2 1]"}}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("many keys in one query", func(t *testing.T) {
		p := planOf(t, cat, "album")
		p.LinkColumns, p.TextColumns = []string{"artist_id"}, []string{"artist_id"}
		var keys [][]string
		for i := 0; i < 50000; i++ {
			keys = append(keys, []string{fmt.Sprint(i)})
		}
		if got := read(t, p, keys); len(got) != 3 {
			t.Fatalf("got %d rows, want 3", len(got))
		}
	})
}

func TestFilters(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	cat := catalog(t, s)
	ctx := context.Background()
	p := planOf(t, cat, "album")
	p.Filter.WhereClause = "artist_id = 1 -- trailing comment"
	n, err := s.CountRows(ctx, p)
	if err != nil || n != 2 {
		t.Fatalf("count with filter = %d, %v; want 2", n, err)
	}
	if got := readAll(t, s, p, 1); len(got) != 2 {
		t.Fatalf("read %d rows with the filter, want 2", len(got))
	}
	for _, bad := range []string{"1=1; ATTACH DATABASE 'x' AS y", "1=1;", "title = 'a"} {
		p.Filter.WhereClause = bad
		if _, err := s.CountRows(ctx, p); err == nil {
			t.Errorf("whereClause %q was accepted", bad)
		}
		if _, _, err := s.PlanChunks(ctx, p, nil, 10, 1); err == nil {
			t.Errorf("whereClause %q was accepted by PlanChunks", bad)
		}
	}
	for _, ok := range []string{"title = 'a;b' OR 1=1", `"title" <> ';'`, "/* ; */ 1=1", "[title] IS NOT NULL"} {
		p.Filter.WhereClause = ok
		if _, err := s.CountRows(ctx, p); err != nil {
			t.Errorf("whereClause %q: %v", ok, err)
		}
	}
}

func TestNullKeysRefused(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	p := planOf(t, catalog(t, s), "nullpk")
	_, _, err := s.PlanChunks(context.Background(), p, nil, 10, 1)
	if err == nil || !strings.Contains(err.Error(), "2 row(s) with NULL in its key") || !strings.Contains(err.Error(), "id IS NOT NULL") {
		t.Fatalf("PlanChunks on NULL keys: %v", err)
	}
	p.Filter.WhereClause = "id IS NOT NULL"
	if got := readAll(t, s, p, 1); len(got) != 1 {
		t.Fatalf("with the suggested filter: %q", got)
	}
}

func TestStatementTimeout(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	p := planOf(t, catalog(t, s), "artist")
	p.Filter.WhereClause = "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c) > 0"
	ctx := context.Background()
	snap, err := s.Snapshot(ctx, source.SnapshotOptions{StatementTimeoutMillis: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close(ctx)
	start := time.Now()
	err = snap.ReadRange(ctx, p, nil, nil, func(source.Row) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "statement timeout") {
		t.Fatalf("an endless filter: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the timeout took %v", d)
	}
}

func TestSnapshotIsConsistent(t *testing.T) {
	s, path := newDB(t, edgeSchema)
	p := planOf(t, catalog(t, s), "artist")
	ctx := context.Background()
	snap, err := s.Snapshot(ctx, source.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close(ctx)
	count := func() int {
		n := 0
		if err := snap.ReadRange(ctx, p, nil, nil, func(source.Row) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	w, err := sql.Open("sqlite", "file:"+escapePath(path)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec("INSERT INTO artist VALUES (99, 'new')"); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before {
		t.Fatalf("the snapshot saw a later write: %d rows, then %d", before, after)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	missing := filepath.Join(dir, "missing.db")
	if _, err := Open(ctx, missing, nil, 1); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("opening a missing database created it")
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("this is not a database, just some text that is long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, text, nil, 1); err == nil || !strings.Contains(err.Error(), "SQLite 3 database") {
		t.Errorf("a text file: %v", err)
	}
	if _, err := Open(ctx, dir, nil, 1); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	if _, err := s.db.Exec("DELETE FROM artist"); err == nil || !strings.Contains(strings.ToLower(err.Error()), "readonly") {
		t.Fatalf("a write through the source's pool: %v", err)
	}
}

func TestDSN(t *testing.T) {
	got := dsn("/data/my db?#%.db", map[string]string{"immutable": "1", "journal_mode": "WAL"})
	want := "file:/data/my%20db%3F%23%25.db?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)&immutable=1"
	if got != want {
		t.Fatalf("dsn = %q, want %q", got, want)
	}
}

// TestReadByKeysDuringReadRange: a chunk reads embedded rows for a group of root rows while the
// root query is still open (activities.CopyChunk builds a group as soon as it is large enough);
// SQLite runs both statements on the snapshot's one connection.
func TestReadByKeysDuringReadRange(t *testing.T) {
	s, _ := newDB(t, edgeSchema)
	cat := catalog(t, s)
	ctx := context.Background()
	root := planOf(t, cat, "artist")
	root.TextColumns = []string{"artist_id"}
	child := planOf(t, cat, "album")
	child.LinkColumns, child.TextColumns = []string{"artist_id"}, []string{"artist_id"}
	snap, err := s.Snapshot(ctx, source.SnapshotOptions{StatementTimeoutMillis: 5000})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close(ctx)
	albums := map[string]int{}
	err = snap.ReadRange(ctx, root, nil, nil, func(r source.Row) error {
		key := r[root.TextIndex("artist_id")].(string)
		return snap.ReadByKeys(ctx, child, [][]string{{key}}, func(c source.Row) error {
			albums[key]++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if albums["1"] != 2 || albums["2"] != 1 || len(albums) != 2 {
		t.Fatalf("albums per artist = %v", albums)
	}
}
