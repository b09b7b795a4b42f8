package assemble

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

func ref(name string) project.TableRef { return project.TableRef{Schema: "public", Name: name} }

func exclude(cols ...string) map[string]project.Field {
	m := make(map[string]project.Field, len(cols))
	for _, c := range cols {
		m[c] = project.Field{Exclude: true}
	}
	return m
}

func embed(e ...project.Embedded) []project.Embedded { return e }

// TestBuildChunk assembles whole documents per rule and option and compares their canonical
// Extended JSON, which pins values, BSON types and field order, and the Fetch calls made.
func TestBuildChunk(t *testing.T) {
	tests := []struct {
		name      string
		settings  project.Settings
		coll      project.Collection
		roots     []rec
		want      []string
		wantCalls []string
	}{
		{
			name:  "flat document, NULL written as null",
			coll:  project.Collection{Name: "artists", Table: ref("artist")},
			roots: []rec{{"artist_id": int64(1), "name": "AC/DC"}, {"artist_id": int64(3)}},
			want: []string{
				`{"_id":{"$numberInt":"1"},"name":"AC/DC"}`,
				`{"_id":{"$numberInt":"3"},"name":null}`,
			},
		},
		{
			name:     "nullHandling OMIT leaves NULL fields out; a field's INCLUDE wins",
			settings: project.Settings{NullHandling: project.NullOmit},
			coll: project.Collection{Name: "invoices", Table: ref("invoice"),
				Fields: map[string]project.Field{"billing_city": {NullHandling: project.NullInclude}}},
			roots: []rec{
				{"invoice_id": int64(2), "customer_id": int64(2), "total": "0.99"},
				{"invoice_id": int64(1), "customer_id": int64(1), "billing_city": "Oslo", "billing_state": "OS", "total": "1.98"},
			},
			want: []string{
				`{"_id":{"$numberInt":"2"},"customer_id":{"$numberInt":"2"},"billing_city":null,"total":{"$numberDecimal":"0.99"}}`,
				`{"_id":{"$numberInt":"1"},"customer_id":{"$numberInt":"1"},"billing_city":"Oslo","billing_state":"OS","total":{"$numberDecimal":"1.98"}}`,
			},
		},
		{
			name: "dotted renames nest in first-appearance order; a type override converts",
			coll: project.Collection{Name: "invoices", Table: ref("invoice"), Fields: map[string]project.Field{
				"billing_city":  {Rename: "billing.city"},
				"billing_state": {Rename: "billing.state"},
				"total":         {Rename: "billing.total", Type: "STRING"},
			}},
			roots: []rec{{"invoice_id": int64(1), "customer_id": int64(1), "billing_city": "Oslo", "total": "1.98"}},
			want: []string{
				`{"_id":{"$numberInt":"1"},"customer_id":{"$numberInt":"1"},"billing":{"city":"Oslo","state":null,"total":"1.98"}}`,
			},
		},
		{
			name:  "WRAPPED _id holds the key columns",
			coll:  project.Collection{Name: "artists", Table: ref("artist"), KeyHandling: project.KeyWrapped},
			roots: []rec{{"artist_id": int64(1), "name": "AC/DC"}},
			want:  []string{`{"_id":{"artist_id":{"$numberInt":"1"}},"name":"AC/DC"}`},
		},
		{
			name:     "keepKeyFields repeats the key; casing names the _id part and the field",
			settings: project.Settings{Casing: project.CasingCamel, KeyHandling: project.KeyWrapped},
			coll:     project.Collection{Name: "artists", Table: ref("artist"), KeepKeyFields: true},
			roots:    []rec{{"artist_id": int64(1), "name": "AC/DC"}},
			want:     []string{`{"_id":{"artistId":{"$numberInt":"1"}},"artistId":{"$numberInt":"1"},"name":"AC/DC"}`},
		},
		{
			name:  "SINGLE on a composite key is WRAPPED in key order",
			coll:  project.Collection{Name: "pt", Table: ref("playlist_track")},
			roots: []rec{{"playlist_id": int64(1), "track_id": int64(100)}},
			want:  []string{`{"_id":{"playlist_id":{"$numberInt":"1"},"track_id":{"$numberInt":"100"}}}`},
		},
		{
			name: "ARRAY in fetched order; no rows gives an empty array",
			coll: project.Collection{Name: "invoices", Table: ref("invoice"),
				Fields: exclude("customer_id", "billing_city", "billing_state", "total"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "lines", Table: ref("invoice_line"),
					Fields: exclude("invoice_id")})},
			roots: []rec{{"invoice_id": int64(1)}, {"invoice_id": int64(3)}},
			want: []string{
				`{"_id":{"$numberInt":"1"},"lines":[{"invoice_line_id":{"$numberInt":"502"},"track_id":{"$numberInt":"101"},"quantity":{"$numberInt":"1"}},{"invoice_line_id":{"$numberInt":"501"},"track_id":{"$numberInt":"100"},"quantity":{"$numberInt":"1"}}]}`,
				`{"_id":{"$numberInt":"3"},"lines":[]}`,
			},
			wantCalls: []string{"public.invoice_line/lines [[1] [3]]"},
		},
		{
			name:     "OMIT leaves an empty array out",
			settings: project.Settings{NullHandling: project.NullOmit},
			coll: project.Collection{Name: "invoices", Table: ref("invoice"),
				Fields: exclude("customer_id", "billing_city", "billing_state", "total"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "lines", Table: ref("invoice_line"),
					Fields: exclude("invoice_id", "invoice_line_id", "track_id")})},
			roots: []rec{{"invoice_id": int64(2)}, {"invoice_id": int64(3)}},
			want: []string{
				`{"_id":{"$numberInt":"2"},"lines":[{"quantity":{"$numberInt":"2"}}]}`,
				`{"_id":{"$numberInt":"3"}}`,
			},
		},
		{
			name: "limit keeps the first N rows as fetched",
			coll: project.Collection{Name: "invoices", Table: ref("invoice"),
				Fields: exclude("customer_id", "billing_city", "billing_state", "total"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "lines", Table: ref("invoice_line"), Limit: 1,
					Fields: exclude("invoice_id", "track_id", "quantity")})},
			roots: []rec{{"invoice_id": int64(1)}},
			want:  []string{`{"_id":{"$numberInt":"1"},"lines":[{"invoice_line_id":{"$numberInt":"502"}}]}`},
		},
		{
			name: "primitive array keeps NULL elements as null",
			coll: project.Collection{Name: "artists", Table: ref("artist"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "albums.titles", Table: ref("album"), Primitive: true,
					Fields: exclude("album_id", "artist_id")})},
			roots: []rec{{"artist_id": int64(1), "name": "AC/DC"}, {"artist_id": int64(2), "name": "Accept"}, {"artist_id": int64(3)}},
			want: []string{
				`{"_id":{"$numberInt":"1"},"name":"AC/DC","albums":{"titles":["For Those About To Rock","Let There Be Rock",null]}}`,
				`{"_id":{"$numberInt":"2"},"name":"Accept","albums":{"titles":["Balls to the Wall"]}}`,
				`{"_id":{"$numberInt":"3"},"name":null,"albums":{"titles":[]}}`,
			},
		},
		{
			name: "DOCUMENT: a NULL or dangling reference gives null; lookups are shared in the chunk",
			coll: project.Collection{Name: "tracks", Table: ref("track"),
				Fields: exclude("album_id", "genre_id", "unit_price"),
				Embedded: embed(
					project.Embedded{Kind: project.KindEmbeddedDocument, Field: "album", Table: ref("album"), Fields: exclude("artist_id")},
					project.Embedded{Kind: project.KindEmbeddedDocument, Field: "genre", Table: ref("genre"), Fields: exclude("genre_id")},
				)},
			roots: []rec{
				{"track_id": int64(100), "name": "TNT", "album_id": int64(10), "genre_id": int64(1)},
				{"track_id": int64(101), "name": "Jailbreak", "album_id": int64(12)},
				{"track_id": int64(103), "name": "Orphan"},
				{"track_id": int64(104), "name": "Ghost", "album_id": int64(99), "genre_id": int64(1)},
			},
			want: []string{
				`{"_id":{"$numberInt":"100"},"name":"TNT","album":{"album_id":{"$numberInt":"10"},"title":"For Those About To Rock"},"genre":{"name":"Rock"}}`,
				`{"_id":{"$numberInt":"101"},"name":"Jailbreak","album":{"album_id":{"$numberInt":"12"},"title":"Let There Be Rock"},"genre":null}`,
				`{"_id":{"$numberInt":"103"},"name":"Orphan","album":null,"genre":null}`,
				`{"_id":{"$numberInt":"104"},"name":"Ghost","album":null,"genre":{"name":"Rock"}}`,
			},
			wantCalls: []string{"public.album/album [[10] [12] [99]]", "public.genre/genre [[1]]"},
		},
		{
			name:     "OMIT leaves a missing DOCUMENT out",
			settings: project.Settings{NullHandling: project.NullOmit},
			coll: project.Collection{Name: "tracks", Table: ref("track"),
				Fields:   exclude("name", "album_id", "genre_id", "unit_price"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "genre", Table: ref("genre"), Fields: exclude("genre_id")})},
			roots: []rec{{"track_id": int64(100), "genre_id": int64(1)}, {"track_id": int64(101)}},
			want: []string{
				`{"_id":{"$numberInt":"100"},"genre":{"name":"Rock"}}`,
				`{"_id":{"$numberInt":"101"}}`,
			},
		},
		{
			name: "merge puts the referenced row's fields at the rule's place",
			coll: project.Collection{Name: "invoices", Table: ref("invoice"),
				Fields: exclude("customer_id", "billing_city", "billing_state"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Merge: true, Table: ref("customer"),
					Fields: exclude("support_rep_id")})},
			roots: []rec{{"invoice_id": int64(1), "customer_id": int64(1), "total": "1.98"}},
			want: []string{
				`{"_id":{"$numberInt":"1"},"total":{"$numberDecimal":"1.98"},"customer_id":{"$numberInt":"1"},"name":"Luís"}`,
			},
		},
		{
			name: "many-to-many: join-table array with the far table merged into each element",
			coll: project.Collection{Name: "playlists", Table: ref("playlist"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "tracks", Table: ref("playlist_track"),
					Fields: exclude("playlist_id", "track_id"),
					Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Merge: true, Table: ref("track"),
						Fields: exclude("album_id", "genre_id")})})},
			roots: []rec{{"playlist_id": int64(1), "name": "Music"}, {"playlist_id": int64(2), "name": "Empty"}},
			want: []string{
				`{"_id":{"$numberInt":"1"},"name":"Music","tracks":[{"track_id":{"$numberInt":"100"},"name":"TNT","unit_price":{"$numberDecimal":"0.99"}},{"track_id":{"$numberInt":"102"},"name":"Balls","unit_price":{"$numberDecimal":"1.99"}}]}`,
				`{"_id":{"$numberInt":"2"},"name":"Empty","tracks":[]}`,
			},
			wantCalls: []string{"public.playlist_track/tracks [[1] [2]]", "public.track/tracks.(merge) [[100] [102]]"},
		},
		{
			name: "reverse DOCUMENT: the one row that references the current row, or null",
			coll: project.Collection{Name: "employees", Table: ref("employee"), Fields: exclude("reports_to"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "photo", Table: ref("employee_photo"), Reverse: true,
					Fields: exclude("employee_id")})},
			roots: []rec{{"employee_id": int64(2), "name": "Edwards"}, {"employee_id": int64(1), "name": "Adams"}},
			want: []string{
				`{"_id":{"$numberInt":"2"},"name":"Edwards","photo":{"url":"e2.png"}}`,
				`{"_id":{"$numberInt":"1"},"name":"Adams","photo":null}`,
			},
		},
		{
			name: "reverse DOCUMENT with two rows is a record error naming the key; the chunk goes on",
			coll: project.Collection{Name: "employees", Table: ref("employee"), Fields: exclude("reports_to"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "customer", Table: ref("customer"), Reverse: true,
					Fields: exclude("support_rep_id")})},
			roots: []rec{{"employee_id": int64(3), "name": "Peacock"}, {"employee_id": int64(1), "name": "Adams"}},
			want: []string{
				`error: table public.employee key (employee_id=3) column public.customer: 2 rows of public.customer reference this row through [support_rep_id]; an EMBEDDED_DOCUMENT holds exactly one (use an EMBEDDED_DOCUMENT_ARRAY)`,
				`{"_id":{"$numberInt":"1"},"name":"Adams","customer":null}`,
			},
		},
		{
			name: "composite FK: key parts are matched together, never concatenated",
			coll: project.Collection{Name: "pt", Table: ref("playlist_track"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "ratings", Table: ref("playlist_track_rating"),
					Fields: exclude("playlist_id", "track_id")})},
			roots: []rec{{"playlist_id": int64(1), "track_id": int64(12)}, {"playlist_id": int64(11), "track_id": int64(2)}, {"playlist_id": int64(1), "track_id": int64(2)}},
			want: []string{
				`{"_id":{"playlist_id":{"$numberInt":"1"},"track_id":{"$numberInt":"12"}},"ratings":[{"rating_id":{"$numberInt":"1"},"stars":{"$numberInt":"5"}},{"rating_id":{"$numberInt":"3"},"stars":{"$numberInt":"4"}}]}`,
				`{"_id":{"playlist_id":{"$numberInt":"11"},"track_id":{"$numberInt":"2"}},"ratings":[{"rating_id":{"$numberInt":"2"},"stars":{"$numberInt":"3"}}]}`,
				`{"_id":{"playlist_id":{"$numberInt":"1"},"track_id":{"$numberInt":"2"}},"ratings":[]}`,
			},
			wantCalls: []string{"public.playlist_track_rating/ratings [[1 12] [11 2] [1 2]]"},
		},
		{
			name: "the same table at two places in one tree (support rep and the rep's manager)",
			coll: project.Collection{Name: "customers", Table: ref("customer"), Fields: exclude("support_rep_id"),
				Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "supportRep", Table: ref("employee"),
					Via: &project.Via{Columns: []string{"support_rep_id"}}, Fields: exclude("reports_to"),
					Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "manager", Table: ref("employee"),
						Fields: exclude("reports_to")})})},
			roots: []rec{
				{"customer_id": int64(1), "name": "Luís", "support_rep_id": int64(3)},
				{"customer_id": int64(3), "name": "François"},
			},
			want: []string{
				`{"_id":{"$numberInt":"1"},"name":"Luís","supportRep":{"employee_id":{"$numberInt":"3"},"name":"Peacock","manager":{"employee_id":{"$numberInt":"2"},"name":"Edwards"}}}`,
				`{"_id":{"$numberInt":"3"},"name":"François","supportRep":null}`,
			},
			wantCalls: []string{"public.employee/supportRep [[3]]", "public.employee/supportRep.manager [[2]]"},
		},
		{
			name: "deep nesting: invoice -> lines[] -> track{} -> album{} -> artist{}, genre{} beside album",
			coll: deepInvoices(),
			roots: []rec{
				{"invoice_id": int64(1), "total": "1.98"},
				{"invoice_id": int64(2), "total": "1.98"},
			},
			want: []string{
				`{"_id":{"$numberInt":"1"},"total":{"$numberDecimal":"1.98"},"lines":[` +
					`{"quantity":{"$numberInt":"1"},"track":{"name":"Jailbreak","album":{"title":"Let There Be Rock","artist":{"name":"AC/DC"}},"genre":null}},` +
					`{"quantity":{"$numberInt":"1"},"track":{"name":"TNT","album":{"title":"For Those About To Rock","artist":{"name":"AC/DC"}},"genre":{"name":"Rock"}}}]}`,
				`{"_id":{"$numberInt":"2"},"total":{"$numberDecimal":"1.98"},"lines":[` +
					`{"quantity":{"$numberInt":"2"},"track":{"name":"TNT","album":{"title":"For Those About To Rock","artist":{"name":"AC/DC"}},"genre":{"name":"Rock"}}}]}`,
			},
			// Breadth first, so every table is fetched after its parent; each once, with the
			// distinct keys of all parent rows of the chunk (track 100 and artist 1 once).
			wantCalls: []string{
				"public.invoice_line/lines [[1] [2]]",
				"public.track/lines.track [[101] [100]]",
				"public.album/lines.track.album [[10] [12]]",
				"public.genre/lines.track.genre [[1]]",
				"public.artist/lines.track.album.artist [[1]]",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			plan := f.plan(tc.settings, tc.coll)
			got := f.build(plan, tc.roots)
			if !slices.Equal(got, tc.want) {
				t.Errorf("documents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if tc.wantCalls != nil {
				if calls := callText(f.calls); !slices.Equal(calls, tc.wantCalls) {
					t.Errorf("fetch calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(tc.wantCalls, "\n"))
				}
			}
		})
	}
}

// deepInvoices is invoice -> lines[] -> track{} -> album{} -> artist{}, with genre{} on track.
func deepInvoices() project.Collection {
	return project.Collection{Name: "invoices", Table: ref("invoice"),
		Fields: exclude("customer_id", "billing_city", "billing_state"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "lines", Table: ref("invoice_line"),
			Fields: exclude("invoice_line_id", "invoice_id", "track_id"),
			Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "track", Table: ref("track"),
				Fields: exclude("track_id", "album_id", "genre_id", "unit_price"),
				Embedded: embed(
					project.Embedded{Kind: project.KindEmbeddedDocument, Field: "album", Table: ref("album"),
						Fields: exclude("album_id", "artist_id"),
						Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "artist", Table: ref("artist"),
							Fields: exclude("artist_id")})},
					project.Embedded{Kind: project.KindEmbeddedDocument, Field: "genre", Table: ref("genre"), Fields: exclude("genre_id")},
				)})})}
}

// TestOneFetchPerTablePerChunk: the number of Fetch calls depends on the tree, not on how many
// root rows a chunk holds, and parents are always fetched before their children.
func TestOneFetchPerTablePerChunk(t *testing.T) {
	for _, n := range []int{1, 10, 1000} {
		f := newFixture(t)
		plan := f.plan(project.Settings{}, deepInvoices())
		roots := make([]rec, n)
		for i := range roots {
			roots[i] = rec{"invoice_id": int64(1 + i%3), "total": "1.00"}
		}
		docs := f.build(plan, roots)
		if len(docs) != n {
			t.Fatalf("%d roots: %d documents", n, len(docs))
		}
		var tables []string
		for _, c := range f.calls {
			tables = append(tables, c.table)
		}
		want := []string{"public.invoice_line/lines", "public.track/lines.track", "public.album/lines.track.album",
			"public.genre/lines.track.genre", "public.artist/lines.track.album.artist"}
		if !slices.Equal(tables, want) {
			t.Errorf("%d roots: fetched %v, want %v", n, tables, want)
		}
		if k := f.calls[0].keys; len(k) != min(n, 3) {
			t.Errorf("%d roots: %d invoice keys %v, want the %d distinct ones", n, len(k), k, min(n, 3))
		}
	}
}

// TestNoFetchWithoutKeys: when no parent row has a link value, nothing is fetched for that table
// or below it, and documents still come out complete.
func TestNoFetchWithoutKeys(t *testing.T) {
	f := newFixture(t)
	plan := f.plan(project.Settings{}, project.Collection{Name: "tracks", Table: ref("track"),
		Fields: exclude("name", "album_id", "genre_id", "unit_price"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "album", Table: ref("album"),
			Fields:   exclude("album_id", "artist_id"),
			Embedded: embed(project.Embedded{Kind: project.KindEmbeddedDocument, Field: "artist", Table: ref("artist")})})})
	got := f.build(plan, []rec{{"track_id": int64(103)}})
	want := []string{`{"_id":{"$numberInt":"103"},"album":null}`}
	if !slices.Equal(got, want) {
		t.Errorf("documents %v, want %v", got, want)
	}
	if len(f.calls) != 0 {
		t.Errorf("fetched %v, want no call", callText(f.calls))
	}
}

// TestRecordErrors: a value that cannot be converted makes its root row a record error that
// names the key and the column (schema.table.column in an embedded table); other rows of the
// chunk are built.
func TestRecordErrors(t *testing.T) {
	f := newFixture(t)
	f.db["public.invoice_line"][0]["quantity"] = int64(1) << 40 // does not fit the int32 column
	plan := f.plan(project.Settings{}, project.Collection{Name: "invoices", Table: ref("invoice"),
		Fields: exclude("customer_id", "billing_city", "billing_state"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "lines", Table: ref("invoice_line"),
			Fields: exclude("invoice_line_id", "invoice_id", "track_id")})})
	b, err := New(plan, convert.Options{}, convert.TargetLimits{})
	if err != nil {
		t.Fatal(err)
	}
	roots := f.rows(&plan.Root, []rec{
		{"invoice_id": int64(1), "total": "1.98"},
		{"invoice_id": int64(2), "total": "not a number"},
		{"invoice_id": int64(3), "total": "0.00"},
	})
	var errs []*RecordError
	var docs []string
	err = b.BuildChunk(roots, f.fetch, func(doc bson.Raw, rerr *RecordError) error {
		if rerr != nil {
			errs = append(errs, rerr)
		} else {
			docs = append(docs, extJSON(t, doc))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 {
		t.Fatalf("record errors %v, want 2", errs)
	}
	tests := []struct {
		got          *RecordError
		key, column  string
		reasonPhrase string
	}{
		{errs[0], "1", "public.invoice_line.quantity", "does not fit a 32-bit integer"},
		{errs[1], "2", "total", "is not a decimal number"},
	}
	for _, tc := range tests {
		e := tc.got
		if e.Collection != "invoices" || e.Table != ref("invoice") || e.Key["invoice_id"] != tc.key || len(e.Key) != 1 ||
			e.Column != tc.column || !strings.Contains(e.Reason, tc.reasonPhrase) {
			t.Errorf("record error %+v, want key invoice_id=%s, column %s, reason with %q", e, tc.key, tc.column, tc.reasonPhrase)
		}
		if !strings.Contains(e.Error(), "key (invoice_id="+tc.key+") column "+tc.column+": ") {
			t.Errorf("Error() = %q", e.Error())
		}
	}
	want := []string{`{"_id":{"$numberInt":"3"},"total":{"$numberDecimal":"0.00"},"lines":[]}`}
	if !slices.Equal(docs, want) {
		t.Errorf("documents %v, want %v", docs, want)
	}
}

// TestDocumentOver16MiB: an oversize document is a record error of its root row naming the
// largest array; the next document of the chunk is fine.
func TestDocumentOver16MiB(t *testing.T) {
	f := newFixture(t)
	big := strings.Repeat("x", 1<<20)
	var albums []rec
	for i := range 17 {
		albums = append(albums, rec{"album_id": int64(1000 + i), "title": big, "artist_id": int64(1)})
	}
	albums = append(albums, rec{"album_id": int64(2000), "title": "small", "artist_id": int64(2)})
	f.db["public.album"] = albums
	plan := f.plan(project.Settings{}, project.Collection{Name: "artists", Table: ref("artist"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "albums", Table: ref("album"),
			Fields: exclude("artist_id", "album_id")})})
	got := f.build(plan, []rec{{"artist_id": int64(1), "name": "AC/DC"}, {"artist_id": int64(2), "name": "Accept"}})
	if len(got) != 2 {
		t.Fatalf("%d results", len(got))
	}
	for _, phrase := range []string{"error: table public.artist key (artist_id=1): the document is ", "over MongoDB's 16 MiB limit",
		"its largest array holds 17 rows of public.album"} {
		if !strings.Contains(got[0], phrase) {
			t.Errorf("first result %.200q lacks %q", got[0], phrase)
		}
	}
	if want := `{"_id":{"$numberInt":"2"},"name":"Accept","albums":[{"title":"small"}]}`; got[1] != want {
		t.Errorf("second result %.200q, want %s", got[1], want)
	}
}

// TestBuildFlat: Build gives the same document as BuildChunk for a collection without embedded
// tables, and refuses (without panicking) a collection that has some.
func TestBuildFlat(t *testing.T) {
	f := newFixture(t)
	plan := f.plan(project.Settings{}, project.Collection{Name: "artists", Table: ref("artist")})
	b, err := New(plan, convert.Options{}, convert.TargetLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.HasEmbedded() {
		t.Error("HasEmbedded() = true for a flat collection")
	}
	root := rec{"artist_id": int64(1), "name": "AC/DC"}
	doc, rerr := b.Build(f.row(&plan.Root, root))
	if rerr != nil {
		t.Fatal(rerr)
	}
	if got, want := extJSON(t, doc), f.build(plan, []rec{root})[0]; got != want {
		t.Errorf("Build = %s, BuildChunk = %s", got, want)
	}

	nested := f.plan(project.Settings{}, project.Collection{Name: "artists", Table: ref("artist"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "albums", Table: ref("album")})})
	b, err = New(nested, convert.Options{}, convert.TargetLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if !b.HasEmbedded() {
		t.Error("HasEmbedded() = false with an embedded array")
	}
	if _, rerr := b.Build(f.row(&nested.Root, root)); rerr == nil || !strings.Contains(rerr.Reason, "use BuildChunk") {
		t.Errorf("Build on an embedded collection: %v", rerr)
	}
}

// TestBuildChunkPropagatesErrors: a Fetch or Emit error stops the chunk and comes back as is.
func TestBuildChunkPropagatesErrors(t *testing.T) {
	f := newFixture(t)
	plan := f.plan(project.Settings{}, deepInvoices())
	b, err := New(plan, convert.Options{}, convert.TargetLimits{})
	if err != nil {
		t.Fatal(err)
	}
	roots := f.rows(&plan.Root, []rec{{"invoice_id": int64(1)}, {"invoice_id": int64(2)}})
	errFetch := errors.New("connection reset")
	fetch := func(tp *project.TablePlan, keys [][]string, fn func(source.Row) error) error {
		if tp.Table.Name == "track" {
			return errFetch
		}
		return f.fetch(tp, keys, fn)
	}
	emitted := 0
	emit := func(bson.Raw, *RecordError) error { emitted++; return nil }
	if err := b.BuildChunk(roots, fetch, emit); !errors.Is(err, errFetch) {
		t.Errorf("fetch failure: BuildChunk = %v", err)
	}
	if emitted != 0 {
		t.Errorf("%d documents emitted after a failed fetch", emitted)
	}
	errStop := errors.New("sink closed")
	emit = func(bson.Raw, *RecordError) error { emitted++; return errStop }
	if err := b.BuildChunk(roots, f.fetch, emit); !errors.Is(err, errStop) || emitted != 1 {
		t.Errorf("emit failure: BuildChunk = %v after %d emits, want %v after 1", err, emitted, errStop)
	}
}

// TestNewRejectsBrokenPlans: a plan that was not resolved (link or key not read) is an error
// from New, never a panic later.
func TestNewRejectsBrokenPlans(t *testing.T) {
	f := newFixture(t)
	good := f.plan(project.Settings{}, project.Collection{Name: "artists", Table: ref("artist"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "albums", Table: ref("album")})})
	tests := []struct {
		name   string
		breaks func(p *project.CollectionPlan)
		phrase string
	}{
		{"link column not read as text", func(p *project.CollectionPlan) { p.Root.Embedded[0].TextColumns = nil }, `link column "artist_id" is not read as text`},
		{"parent column not read as text", func(p *project.CollectionPlan) { p.Root.TextColumns = nil }, `parent column "artist_id" is not read as text`},
		{"unresolved link", func(p *project.CollectionPlan) {
			p.Root.Embedded[0].LinkColumns, p.Root.Embedded[0].ParentColumns = nil, nil
		}, "the link to public.artist is not resolved"},
		{"key column not read", func(p *project.CollectionPlan) { p.Root.KeyColumns = []string{"artist_code"} }, `key column "artist_code" is not read`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := *good
			p.Root = cloneTable(good.Root)
			tc.breaks(&p)
			_, err := New(&p, convert.Options{}, convert.TargetLimits{})
			if err == nil || !strings.Contains(err.Error(), tc.phrase) {
				t.Errorf("New = %v, want an error with %q", err, tc.phrase)
			}
		})
	}
}

func cloneTable(t project.TablePlan) project.TablePlan {
	t.Columns = slices.Clone(t.Columns)
	t.TextColumns = slices.Clone(t.TextColumns)
	t.KeyColumns = slices.Clone(t.KeyColumns)
	emb := make([]project.TablePlan, len(t.Embedded))
	for i := range t.Embedded {
		emb[i] = cloneTable(t.Embedded[i])
	}
	t.Embedded = emb
	return t
}

// TestDocumentCheck: a document is walked again for the target only when its plan can produce
// what no value check sees — a field name the target refuses, or a primitive array (whose
// elements may be arrays) — and the walk still refuses such a document.
func TestDocumentCheck(t *testing.T) {
	f := newFixture(t)
	ferret := convert.TargetLimits{NoNestedArrays: true, NoDottedOrDollarKeys: true, NoNULInStrings: true}
	flat := func() *project.CollectionPlan {
		return f.plan(project.Settings{}, project.Collection{Name: "artists", Table: ref("artist")})
	}
	dollar := flat()
	dollar.Root.Columns[1].Output = []string{"$name"}
	primitive := f.plan(project.Settings{}, project.Collection{Name: "artists", Table: ref("artist"),
		Embedded: embed(project.Embedded{Kind: project.KindEmbeddedArray, Field: "titles", Table: ref("album"), Primitive: true,
			Fields: map[string]project.Field{"album_id": {Exclude: true}, "artist_id": {Exclude: true}}})})
	for _, tc := range []struct {
		name   string
		plan   *project.CollectionPlan
		limits convert.TargetLimits
		want   bool
	}{
		{"flat plan, FerretDB", flat(), ferret, false},
		{"'$' field name, FerretDB", dollar, ferret, true},
		{"'$' field name, MongoDB", dollar, convert.TargetLimits{}, false},
		{"primitive array, FerretDB", primitive, ferret, true},
		{"primitive array, names only", primitive, convert.TargetLimits{NoDottedOrDollarKeys: true}, false},
	} {
		b, err := New(tc.plan, convert.Options{}, tc.limits)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b.checkDocs != tc.want {
			t.Errorf("%s: checkDocs = %v, want %v", tc.name, b.checkDocs, tc.want)
		}
	}
	b, err := New(dollar, convert.Options{}, ferret)
	if err != nil {
		t.Fatal(err)
	}
	_, rerr := b.Build(f.row(&dollar.Root, rec{"artist_id": int64(1), "name": "AC/DC"}))
	if rerr == nil || !strings.Contains(rerr.Reason, `the field name "$name" at $."$name" cannot be stored by the target database`) {
		t.Errorf("a '$' field name on FerretDB: %v", rerr)
	}
}
