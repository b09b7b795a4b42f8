package project

import (
	"strings"
	"testing"
)

// unitWant is one expected problem: its exact JSON path and a phrase of its message.
type unitWant struct{ path, phrase string }

// unitAllProblems is what import, create and update report: the structural problems and the
// problems found against the catalog, all at once.
func unitAllProblems(p *Project, only []string) Problems {
	ps := p.Validate()
	_, rps := Resolve(p, unitCatalog(), only, nil)
	return append(ps, rps...)
}

// unitCheckProblems fails unless got holds exactly the wanted problems (in any order).
func unitCheckProblems(t *testing.T, got Problems, want []unitWant) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && g.Path == w.path && strings.Contains(g.Message, w.phrase) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem at %s mentioning %q", w.path, w.phrase)
		}
	}
	for i, g := range got {
		if !used[i] {
			t.Errorf("unexpected problem %s", g)
		}
	}
	if t.Failed() {
		t.Logf("all problems: %v", got)
	}
}

func TestInvalidProjects(t *testing.T) {
	emb := func(e Embedded) []Embedded { return []Embedded{e} }
	tests := []struct {
		name  string
		colls []Collection
		only  []string
		edit  func(*Project)
		want  []unitWant
	}{
		{
			name:  "unknown root table",
			colls: []Collection{{Name: "x", Table: unitRef("nope")}},
			want:  []unitWant{{`$.collections[0].table`, "table public.nope does not exist"}},
		},
		{
			name: "unknown embedded table",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "albums", Table: unitRef("albums")})}},
			want: []unitWant{{`$.collections[0].embedded[0].table`, "table public.albums does not exist"}},
		},
		{
			name: "unknown columns in fields, at the root and embedded",
			colls: []Collection{{Name: "x", Table: unitRef("artist"), Fields: map[string]Field{"nmae": {Rename: "n"}},
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "albums", Table: unitRef("album"), Fields: unitExclude("artistid")})}},
			want: []unitWant{
				{`$.collections[0].fields["nmae"]`, `column "nmae" does not exist in table public.artist`},
				{`$.collections[0].embedded[0].fields["artistid"]`, `column "artistid" does not exist in table public.album`},
			},
		},
		{
			name: "ambiguous FK without via",
			colls: []Collection{{Name: "x", Table: unitRef("employee"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "reviews", Table: unitRef("employee_review")})}},
			want: []unitWant{{`$.collections[0].embedded[0].via`,
				"2 foreign keys from public.employee_review to public.employee (employee_review_employee_id_fkey, employee_review_reviewer_id_fkey)"}},
		},
		{
			name: "no FK between the tables and no via",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "genres", Table: unitRef("genre")})}},
			want: []unitWant{{`$.collections[0].embedded[0].via`, "no foreign key from public.genre to public.artist"}},
		},
		{
			name: "via.constraint names no FK between the tables",
			colls: []Collection{{Name: "x", Table: unitRef("invoice"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "lines", Table: unitRef("invoice_line"),
					Via: &Via{Constraint: "invoice_line_track_id_fkey"}})}},
			want: []unitWant{{`$.collections[0].embedded[0].via.constraint`, `no foreign key named "invoice_line_track_id_fkey"`}},
		},
		{
			name: "via.columns count does not match a composite key",
			colls: []Collection{{Name: "x", Table: unitRef("playlist_track"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "ratings", Table: unitRef("playlist_track_rating"),
					Via: &Via{Columns: []string{"playlist_id"}}})}},
			want: []unitWant{{`$.collections[0].embedded[0].via`, "1 via columns on public.playlist_track_rating do not match the 2 key columns"}},
		},
		{
			name: "via.columns names a column the referencing table lacks",
			colls: []Collection{{Name: "x", Table: unitRef("invoice"),
				Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Field: "customer", Table: unitRef("customer"),
					Via: &Via{Columns: []string{"cust_id"}}})}},
			want: []unitWant{{`$.collections[0].embedded[0].via.columns`, `column "cust_id" does not exist in table public.invoice`}},
		},
		{
			name: "via.columns of incompatible types",
			colls: []Collection{{Name: "x", Table: unitRef("customer"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "newsletters", Table: unitRef("newsletter"),
					Via: &Via{Columns: []string{"customer_email"}}})}},
			want: []unitWant{{`$.collections[0].embedded[0].via.columns`,
				"column public.newsletter.customer_email (character varying) cannot be matched with public.customer.customer_id (integer)"}},
		},
		{
			name: "via.references that are not a unique key, or do not exist",
			colls: []Collection{
				{Name: "x", Table: unitRef("customer"),
					Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "newsletters", Table: unitRef("newsletter"),
						Via: &Via{Columns: []string{"customer_email"}, References: []string{"last_name"}}})},
				{Name: "y", Table: unitRef("customer"),
					Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "newsletters", Table: unitRef("newsletter"),
						Via: &Via{Columns: []string{"customer_email"}, References: []string{"mail"}}})},
			},
			want: []unitWant{
				{`$.collections[0].embedded[0].via.references`, "columns [last_name] of public.customer are not its primary key or a unique NOT NULL key"},
				{`$.collections[1].embedded[0].via.references`, `column "mail" does not exist in table public.customer`},
			},
		},
		{
			name: "both via.constraint and via.columns",
			colls: []Collection{{Name: "x", Table: unitRef("invoice"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "lines", Table: unitRef("invoice_line"),
					Via: &Via{Constraint: "invoice_line_invoice_id_fkey", Columns: []string{"invoice_id"}}})}},
			want: []unitWant{{`$.collections[0].embedded[0].via`, "either constraint or columns"}},
		},
		{
			name: "type overrides that cannot apply",
			colls: []Collection{{Name: "x", Table: unitRef("employee"), Fields: map[string]Field{"birth_date": {Type: "BOOLEAN"}},
				Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Field: "photo", Table: unitRef("employee_photo"), Reverse: true,
					Fields: map[string]Field{"photo": {Type: "DATE"}}})}},
			want: []unitWant{
				{`$.collections[0].fields["birth_date"].type`, "a timestamp without time zone column cannot be converted to BOOLEAN"},
				{`$.collections[0].embedded[0].fields["photo"].type`, "a bytea column cannot be converted to DATE"},
			},
		},
		{
			name: "unknown type, null handling and an invalid rename",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Fields: map[string]Field{"name": {Rename: "a..b", NullHandling: "SKIP"}}}},
			want: []unitWant{
				{`$.collections[0].fields["name"].rename`, `field name "a..b" has an empty segment`},
				{`$.collections[0].fields["name"].nullHandling`, `must be INCLUDE or OMIT (got "SKIP")`},
			},
		},
		{
			name: "duplicate output field by rename, and a rename onto _id",
			colls: []Collection{
				{Name: "x", Table: unitRef("invoice"), Fields: map[string]Field{"billing_city": {Rename: "billing_state"}}},
				{Name: "y", Table: unitRef("artist"), Fields: map[string]Field{"name": {Rename: "_id"}}},
			},
			want: []unitWant{
				{`$.collections[0].fields["billing_state"]`, `output field "billing_state" is produced twice (by column billing_city and by column billing_state)`},
				{`$.collections[1].fields["name"]`, `output field "_id" is produced twice`},
			},
		},
		{
			name: "merge clash: the merged table's column meets the parent's",
			colls: []Collection{{Name: "x", Table: unitRef("invoice"),
				Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Merge: true, Table: unitRef("customer"), Fields: unitExclude("support_rep_id")})}},
			want: []unitWant{{`$.collections[0].embedded[0].fields["customer_id"]`,
				`output field "customer_id" is produced twice (by column customer_id and by column customer_id)`}},
		},
		{
			name: "merge clash inside a join-table array",
			colls: []Collection{{Name: "x", Table: unitRef("playlist"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "tracks", Table: unitRef("playlist_track"), Fields: unitExclude("playlist_id"),
					Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Merge: true, Table: unitRef("track")})})}},
			want: []unitWant{{`$.collections[0].embedded[0].embedded[0].fields["track_id"]`, `output field "track_id" is produced twice`}},
		},
		{
			name: "an embedded field clashes with a column",
			colls: []Collection{{Name: "x", Table: unitRef("invoice"),
				Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Field: "customer_id", Table: unitRef("customer")})}},
			want: []unitWant{{`$.collections[0].embedded[0].field`, `output field "customer_id" is produced twice (by column customer_id and by embedded public.customer)`}},
		},
		{
			name: "fields nested inside value fields",
			colls: []Collection{
				{Name: "x", Table: unitRef("invoice"), Fields: map[string]Field{"billing_state": {Rename: "total.state"}}},
				{Name: "y", Table: unitRef("artist"),
					Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "name.albums", Table: unitRef("album")})},
				{Name: "z", Table: unitRef("artist"), Fields: map[string]Field{"name": {Rename: "_id.name"}}},
			},
			want: []unitWant{
				{`$.collections[0].fields["billing_state"]`, `output field "total.state" (column billing_state) would nest inside field "total" (column total)`},
				{`$.collections[1].embedded[0].field`, `output field "name.albums" (embedded public.album) would nest inside field "name" (column name)`},
				{`$.collections[2].fields["name"]`, `output field "_id.name" (column name) would nest inside field "_id" (the document key)`},
			},
		},
		{
			name: "duplicate collection name",
			colls: []Collection{
				{Name: "artists", Table: unitRef("artist")},
				{Name: "genres", Table: unitRef("genre")},
				{Name: "artists", Table: unitRef("album")},
			},
			want: []unitWant{{`$.collections[2].name`, `collection "artists" is already defined at $.collections[0]`}},
		},
		{
			name: "invalid collection names",
			colls: []Collection{
				{Name: "price$", Table: unitRef("artist")},
				{Name: "system.views", Table: unitRef("artist")},
				{Name: strings.Repeat("a", 201), Table: unitRef("artist")},
				{Name: "", Table: unitRef("artist")},
				{Name: "a\x00b", Table: unitRef("artist")},
			},
			want: []unitWant{
				{`$.collections[0].name`, "must not contain '$'"},
				{`$.collections[1].name`, "must not start with 'system.'"},
				{`$.collections[2].name`, "collection name is 201 bytes; at most 200 are allowed"},
				{`$.collections[3].name`, "a collection name is required"},
				{`$.collections[4].name`, "must not contain a NUL character"},
			},
		},
		{
			name: "ARRAY cycle",
			colls: []Collection{{Name: "x", Table: unitRef("employee"),
				Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Field: "manager", Table: unitRef("employee"),
					Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "reports", Table: unitRef("employee")})})}},
			want: []unitWant{{`$.collections[0].embedded[0].embedded[0].table`, "embedding public.employee as an array inside itself makes a cycle"}},
		},
		{
			name: "ARRAY cycle below the root: albums inside an album's artist",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "albums", Table: unitRef("album"),
					Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Field: "artist", Table: unitRef("artist"),
						Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "albums", Table: unitRef("album")})})})}},
			want: []unitWant{{`$.collections[0].embedded[0].embedded[0].embedded[0].table`, "embedding public.album as an array inside itself makes a cycle"}},
		},
		{
			name: "primitive array with two columns",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "titles", Table: unitRef("album"), Primitive: true, Fields: unitExclude("album_id")})}},
			want: []unitWant{{`$.collections[0].embedded[0].primitive`, "a primitive array needs exactly one included column and no embedded rules (got 2 columns)"}},
		},
		{
			name: "unknown sort column, and a sort entry without a column or with a bad order",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Embedded: emb(Embedded{Kind: KindEmbeddedArray, Field: "albums", Table: unitRef("album"),
					Sort: []SortKey{{Column: "title"}, {Column: "year", Order: "DESC"}, {Order: "UP"}}})}},
			want: []unitWant{
				{`$.collections[0].embedded[0].sort[1].column`, `sort column "year" does not exist in table public.album`},
				{`$.collections[0].embedded[0].sort[2].column`, "a column is required"},
				{`$.collections[0].embedded[0].sort[2].order`, `must be ASC or DESC (got "UP")`},
			},
		},
		{
			name: "sort and limit on an EMBEDDED_DOCUMENT, merge on an array",
			colls: []Collection{
				{Name: "x", Table: unitRef("invoice"),
					Embedded: emb(Embedded{Kind: KindEmbeddedDocument, Field: "customer", Table: unitRef("customer"),
						Sort: []SortKey{{Column: "last_name"}}, Limit: 1})},
				{Name: "y", Table: unitRef("artist"),
					Embedded: emb(Embedded{Kind: KindEmbeddedArray, Merge: true, Table: unitRef("album"), Fields: unitExclude("album_id", "artist_id")})},
			},
			want: []unitWant{
				{`$.collections[0].embedded[0]`, "sort, limit and primitive apply only to EMBEDDED_DOCUMENT_ARRAY"},
				{`$.collections[1].embedded[0]`, "merge and reverse apply only to EMBEDDED_DOCUMENT"},
			},
		},
		{
			name: "embedded rule without kind or field, negative limit",
			colls: []Collection{{Name: "x", Table: unitRef("artist"),
				Embedded: []Embedded{
					{Kind: "ARRAY", Field: "albums", Table: unitRef("album")},
					{Kind: KindEmbeddedArray, Table: unitRef("album"), Limit: -1},
				}}},
			want: []unitWant{
				{`$.collections[0].embedded[0].kind`, `must be EMBEDDED_DOCUMENT_ARRAY or EMBEDDED_DOCUMENT (got "ARRAY")`},
				{`$.collections[0].embedded[1].field`, "a field name is required"},
				{`$.collections[0].embedded[1].limit`, "must be >= 0 (got -1)"},
			},
		},
		{
			name:  "collection filter naming no collection",
			colls: []Collection{{Name: "artists", Table: unitRef("artist")}},
			only:  []string{"artists", "albums"},
			want:  []unitWant{{`$.collectionFilters`, `collection "albums" is not defined in the project`}},
		},
		{
			name:  "negative rowCount in a table filter",
			colls: []Collection{{Name: "artists", Table: unitRef("artist")}},
			edit: func(p *Project) {
				p.TableFilters = map[string]map[string]TableFilter{"public": {"artist": {RowCount: unitInt64(-1)}}}
			},
			want: []unitWant{{`$.tableFilters["public"]["artist"].rowCount`, "must be >= 0 (got -1)"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := unitProject(tc.colls...)
			if tc.edit != nil {
				tc.edit(p)
			}
			unitCheckProblems(t, unitAllProblems(p, tc.only), tc.want)
		})
	}
}

// TestManyProblemsAtOnce: one project with problems everywhere reports every one of them.
func TestManyProblemsAtOnce(t *testing.T) {
	p := &Project{
		Version:  2,
		Source:   Source{Type: "ORACLE"},
		Settings: Settings{KeyHandling: "NATURAL", Casing: "camel", NullHandling: "NULL"},
		Collections: []Collection{
			{Name: "invoices", Table: unitRef("invoice"), KeyHandling: "AUTO",
				Fields: map[string]Field{"billing_city": {Rename: "billing_state"}, "totl": {Exclude: true}, "invoice_date": {Type: "BOOLEAN"}},
				Embedded: []Embedded{
					{Kind: KindEmbeddedArray, Field: "lines", Table: unitRef("invoice_line"), Sort: []SortKey{{Column: "line_no"}}},
					{Kind: KindEmbeddedDocument, Field: "customer", Table: unitRef("customer"), Limit: 5,
						Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "reviews", Table: unitRef("employee_review")}}},
				}},
			{Name: "invoices", Table: unitRef("invoices")},
			{Name: "system.x", Table: TableRef{Schema: "public"}},
		},
	}
	want := []unitWant{
		{`$.version`, "must be 1 (got 2)"},
		{`$.name`, "must be 1 to 50 characters"},
		{`$.source.type`, `(got "ORACLE")`},
		{`$.source.schemas`, "must list at least one schema"},
		{`$.settings.keyHandling`, `(got "NATURAL")`},
		{`$.settings.nullHandling`, `(got "NULL")`},
		{`$.settings.casing`, `(got "camel")`},
		{`$.collections[0].keyHandling`, `(got "AUTO")`},
		{`$.collections[0].fields["totl"]`, `column "totl" does not exist`},
		{`$.collections[0].fields["invoice_date"].type`, "cannot be converted to BOOLEAN"},
		{`$.collections[0].fields["billing_state"]`, `output field "billing_state" is produced twice`},
		{`$.collections[0].embedded[0].sort[0].column`, `sort column "line_no" does not exist`},
		{`$.collections[0].embedded[1]`, "sort, limit and primitive apply only to EMBEDDED_DOCUMENT_ARRAY"},
		{`$.collections[0].embedded[1].embedded[0].via`, "no foreign key from public.employee_review to public.customer"},
		{`$.collections[1].name`, `collection "invoices" is already defined`},
		{`$.collections[1].table`, "table public.invoices does not exist"},
		{`$.collections[2].name`, "must not start with 'system.'"},
		{`$.collections[2].table.name`, "a table name is required"},
		{`$.collections[2].table`, "table public. does not exist"},
	}
	got := unitAllProblems(p, nil)
	unitCheckProblems(t, got, want)
	// The error text of the whole list names every path, so a 400 response lists them all.
	msg := got.Error()
	for _, w := range want {
		if !strings.Contains(msg, w.path+": ") {
			t.Errorf("Problems.Error() lacks %s", w.path)
		}
	}
}
