package assemble

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
	"github.com/relmongo/relmongo/internal/source"
)

// rec is one source row by column name, in package convert's Go representation (int64 for
// integers, string for text and decimal text, convert.Date for dates); a missing column is NULL.
type rec map[string]any

// fetchCall records one Fetch: which embedded table (and where in the tree) and which keys.
type fetchCall struct {
	table string // schema.table/field path, e.g. "public.employee/supportRep.manager"
	keys  [][]string
}

// fixture is a fake source: a catalog, rows per table in the order the source would return them
// (link, then sort order), and the Fetch calls made against it.
type fixture struct {
	t     *testing.T
	cat   *schema.Catalog
	db    map[string][]rec // "public.album" -> rows
	calls []fetchCall
	// fieldPath maps each embedded TablePlan to its path in the tree, for readable call records.
	fieldPath map[*project.TablePlan]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, cat: testCatalog(), db: testData(), fieldPath: map[*project.TablePlan]string{}}
}

func col(name, dataType string, kind convert.Kind) schema.Column {
	scale := -1
	if kind == convert.KindDecimal {
		scale = 2
	}
	return schema.Column{Name: name, DataType: dataType, Kind: kind, Nullable: true, Scale: scale}
}

func intCol(name string) schema.Column  { return col(name, "integer", convert.KindInt32) }
func textCol(name string) schema.Column { return col(name, "character varying", convert.KindString) }
func numCol(name string) schema.Column  { return col(name, "numeric", convert.KindDecimal) }

func fk(name string, cols []string, refTable string, refCols []string) schema.ForeignKey {
	return schema.ForeignKey{Name: name, Columns: cols, RefSchema: "public", RefTable: refTable, RefColumns: refCols}
}

func table(name string, pk []string, fks []schema.ForeignKey, cols ...schema.Column) schema.Table {
	return schema.Table{Schema: "public", Name: name, Columns: cols, PrimaryKey: pk, ForeignKeys: fks, EstimatedRows: 100}
}

// testCatalog is a trimmed Chinook plus a composite FK (playlist_track_rating), a one-to-one
// table (employee_photo), a composite key with a string (tag), a date key (daily) and a keyless
// table (event_log).
func testCatalog() *schema.Catalog {
	one := func(f ...schema.ForeignKey) []schema.ForeignKey { return f }
	return &schema.Catalog{Tables: []schema.Table{
		table("artist", []string{"artist_id"}, nil, intCol("artist_id"), textCol("name")),
		table("album", []string{"album_id"}, one(fk("album_artist_id_fkey", []string{"artist_id"}, "artist", []string{"artist_id"})),
			intCol("album_id"), textCol("title"), intCol("artist_id")),
		table("genre", []string{"genre_id"}, nil, intCol("genre_id"), textCol("name")),
		table("track", []string{"track_id"}, one(
			fk("track_album_id_fkey", []string{"album_id"}, "album", []string{"album_id"}),
			fk("track_genre_id_fkey", []string{"genre_id"}, "genre", []string{"genre_id"})),
			intCol("track_id"), textCol("name"), intCol("album_id"), intCol("genre_id"), numCol("unit_price")),
		table("employee", []string{"employee_id"}, one(fk("employee_reports_to_fkey", []string{"reports_to"}, "employee", []string{"employee_id"})),
			intCol("employee_id"), textCol("name"), intCol("reports_to")),
		table("employee_photo", []string{"employee_id"}, one(fk("employee_photo_employee_id_fkey", []string{"employee_id"}, "employee", []string{"employee_id"})),
			intCol("employee_id"), textCol("url")),
		table("customer", []string{"customer_id"}, one(fk("customer_support_rep_id_fkey", []string{"support_rep_id"}, "employee", []string{"employee_id"})),
			intCol("customer_id"), textCol("name"), intCol("support_rep_id")),
		table("invoice", []string{"invoice_id"}, one(fk("invoice_customer_id_fkey", []string{"customer_id"}, "customer", []string{"customer_id"})),
			intCol("invoice_id"), intCol("customer_id"), textCol("billing_city"), textCol("billing_state"), numCol("total")),
		table("invoice_line", []string{"invoice_line_id"}, one(
			fk("invoice_line_invoice_id_fkey", []string{"invoice_id"}, "invoice", []string{"invoice_id"}),
			fk("invoice_line_track_id_fkey", []string{"track_id"}, "track", []string{"track_id"})),
			intCol("invoice_line_id"), intCol("invoice_id"), intCol("track_id"), intCol("quantity")),
		table("playlist", []string{"playlist_id"}, nil, intCol("playlist_id"), textCol("name")),
		table("playlist_track", []string{"playlist_id", "track_id"}, one(
			fk("playlist_track_playlist_id_fkey", []string{"playlist_id"}, "playlist", []string{"playlist_id"}),
			fk("playlist_track_track_id_fkey", []string{"track_id"}, "track", []string{"track_id"})),
			intCol("playlist_id"), intCol("track_id")),
		table("playlist_track_rating", []string{"rating_id"}, one(
			fk("playlist_track_rating_fkey", []string{"playlist_id", "track_id"}, "playlist_track", []string{"playlist_id", "track_id"})),
			intCol("rating_id"), intCol("playlist_id"), intCol("track_id"), intCol("stars")),
		table("tag", []string{"tag_group", "tag_name"}, nil, intCol("tag_group"), textCol("tag_name"), textCol("color")),
		table("daily", []string{"day"}, nil, col("day", "date", convert.KindDate), intCol("total")),
		table("event_log", nil, nil, textCol("message")),
	}}
}

// testData holds the rows of the embedded tables, each table in the order the source returns
// them (so array order = this order; line 502 deliberately comes before 501).
func testData() map[string][]rec {
	return map[string][]rec{
		"public.artist": {
			{"artist_id": int64(1), "name": "AC/DC"},
			{"artist_id": int64(2), "name": "Accept"},
			{"artist_id": int64(3)},
		},
		"public.album": {
			{"album_id": int64(10), "title": "For Those About To Rock", "artist_id": int64(1)},
			{"album_id": int64(12), "title": "Let There Be Rock", "artist_id": int64(1)},
			{"album_id": int64(13), "artist_id": int64(1)},
			{"album_id": int64(11), "title": "Balls to the Wall", "artist_id": int64(2)},
		},
		"public.genre": {
			{"genre_id": int64(1), "name": "Rock"},
			{"genre_id": int64(2), "name": "Jazz"},
		},
		"public.track": {
			{"track_id": int64(100), "name": "TNT", "album_id": int64(10), "genre_id": int64(1), "unit_price": "0.99"},
			{"track_id": int64(101), "name": "Jailbreak", "album_id": int64(12), "unit_price": "0.99"},
			{"track_id": int64(102), "name": "Balls", "album_id": int64(11), "genre_id": int64(2), "unit_price": "1.99"},
			{"track_id": int64(103), "name": "Orphan", "unit_price": "0.49"},
			{"track_id": int64(104), "name": "Ghost", "album_id": int64(99), "genre_id": int64(2), "unit_price": "0.10"},
		},
		"public.employee": {
			{"employee_id": int64(1), "name": "Adams"},
			{"employee_id": int64(2), "name": "Edwards", "reports_to": int64(1)},
			{"employee_id": int64(3), "name": "Peacock", "reports_to": int64(2)},
		},
		"public.employee_photo": {
			{"employee_id": int64(2), "url": "e2.png"},
		},
		"public.customer": {
			{"customer_id": int64(1), "name": "Luís", "support_rep_id": int64(3)},
			{"customer_id": int64(2), "name": "Leonie", "support_rep_id": int64(3)},
			{"customer_id": int64(3), "name": "François"},
		},
		"public.invoice_line": {
			{"invoice_line_id": int64(502), "invoice_id": int64(1), "track_id": int64(101), "quantity": int64(1)},
			{"invoice_line_id": int64(501), "invoice_id": int64(1), "track_id": int64(100), "quantity": int64(1)},
			{"invoice_line_id": int64(503), "invoice_id": int64(2), "track_id": int64(100), "quantity": int64(2)},
		},
		"public.playlist_track": {
			{"playlist_id": int64(1), "track_id": int64(100)},
			{"playlist_id": int64(1), "track_id": int64(102)},
		},
		// (1, 12) and (11, 2) would collide if the composite key's parts were concatenated
		// without a separator.
		"public.playlist_track_rating": {
			{"rating_id": int64(1), "playlist_id": int64(1), "track_id": int64(12), "stars": int64(5)},
			{"rating_id": int64(2), "playlist_id": int64(11), "track_id": int64(2), "stars": int64(3)},
			{"rating_id": int64(3), "playlist_id": int64(1), "track_id": int64(12), "stars": int64(4)},
		},
	}
}

// plan resolves one collection against the test catalog with the real resolver.
func (f *fixture) plan(settings project.Settings, c project.Collection) *project.CollectionPlan {
	f.t.Helper()
	p := &project.Project{Version: project.CurrentVersion, Name: "test",
		Source: project.Source{Type: "POSTGRESQL", Schemas: []string{"public"}}, Settings: settings,
		Collections: []project.Collection{c}}
	if ps := p.Validate(); len(ps) > 0 {
		f.t.Fatalf("Validate: %v", ps)
	}
	plans, ps := project.Resolve(p, f.cat, nil, nil)
	if len(ps) > 0 {
		f.t.Fatalf("Resolve: %v", ps)
	}
	var walk func(t *project.TablePlan, path string)
	walk = func(t *project.TablePlan, path string) {
		for i := range t.Embedded {
			e := &t.Embedded[i]
			p := strings.Join(e.Field, ".")
			if e.Merge {
				p = "(merge)"
			}
			if path != "" {
				p = path + "." + p
			}
			f.fieldPath[e] = p
			walk(e, p)
		}
	}
	walk(&plans[0].Root, "")
	return &plans[0]
}

// textOf is the source's text form of a value, as read for the link columns.
func textOf(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	case convert.Date:
		return fmt.Sprintf("%04d-%02d-%02d", v.Year, v.Month, v.Day)
	}
	return fmt.Sprint(v)
}

// row lays out r as the source does for plan t: the values of Columns, then the text forms of
// TextColumns.
func (f *fixture) row(t *project.TablePlan, r rec) source.Row {
	f.t.Helper()
	tbl, ok := f.cat.Table(t.Table.Schema, t.Table.Name)
	if !ok {
		f.t.Fatalf("no table %s", t.Table)
	}
	for name := range r {
		if _, ok := tbl.Column(name); !ok {
			f.t.Fatalf("test row of %s names unknown column %q", t.Table, name)
		}
	}
	row := make(source.Row, len(t.Columns)+len(t.TextColumns))
	for i, c := range t.Columns {
		row[i] = r[c.Name]
	}
	for i, c := range t.TextColumns {
		row[len(t.Columns)+i] = textOf(r[c])
	}
	return row
}

func (f *fixture) rows(t *project.TablePlan, recs []rec) []source.Row {
	out := make([]source.Row, len(recs))
	for i, r := range recs {
		out[i] = f.row(t, r)
	}
	return out
}

// fetch is the fake source.Snapshot.ReadByKeys: it records the call, checks the keys, and streams
// the matching rows through one reused buffer, as the real source does, so a builder that keeps
// a row without copying it fails the tests.
func (f *fixture) fetch(t *project.TablePlan, keys [][]string, fn func(source.Row) error) error {
	f.calls = append(f.calls, fetchCall{table: t.Table.String() + "/" + f.fieldPath[t], keys: keys})
	want := map[string]bool{}
	for _, k := range keys {
		if len(k) != len(t.LinkColumns) {
			f.t.Errorf("fetch %s: key %v has %d values for link %v", t.Table, k, len(k), t.LinkColumns)
		}
		j := strings.Join(k, "\x00")
		if want[j] {
			f.t.Errorf("fetch %s: key %v passed twice", t.Table, k)
		}
		want[j] = true
	}
	buf := make(source.Row, len(t.Columns)+len(t.TextColumns))
	for _, r := range f.db[t.Table.String()] {
		parts := make([]string, len(t.LinkColumns))
		null := false
		for i, c := range t.LinkColumns {
			s, ok := textOf(r[c]).(string)
			null = null || !ok
			parts[i] = s
		}
		if null || !want[strings.Join(parts, "\x00")] {
			continue
		}
		copy(buf, f.row(t, r))
		if err := fn(buf); err != nil {
			return err
		}
	}
	// Scribble over the buffer after the call: rows the builder kept must be its own copies.
	for i := range buf {
		buf[i] = "overwritten"
	}
	return nil
}

// build assembles roots with BuildChunk and renders each result as canonical Extended JSON, or
// as "error: ..." for a record error.
func (f *fixture) build(plan *project.CollectionPlan, roots []rec) []string {
	f.t.Helper()
	b, err := New(plan, convert.Options{}, convert.TargetLimits{})
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	var out []string
	err = b.BuildChunk(f.rows(&plan.Root, roots), f.fetch, func(doc bson.Raw, rerr *RecordError) error {
		if rerr != nil {
			out = append(out, "error: "+rerr.Error())
			return nil
		}
		out = append(out, extJSON(f.t, doc))
		return nil
	})
	if err != nil {
		f.t.Fatalf("BuildChunk: %v", err)
	}
	return out
}

func extJSON(t *testing.T, doc bson.Raw) string {
	t.Helper()
	j, err := bson.MarshalExtJSON(doc, true, false)
	if err != nil {
		t.Fatalf("MarshalExtJSON: %v", err)
	}
	return string(j)
}

// callText renders the recorded calls one per line: "table/field keys".
func callText(calls []fetchCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = fmt.Sprintf("%s %v", c.table, c.keys)
	}
	return out
}
