package project

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/relmongo/relmongo/internal/convert"
)

func unitInt64(n int64) *int64 { return &n }

// TestResolve resolves one project per rule and option against the Chinook-like catalog and
// compares the whole plan (see unitPlanText for the notation: "->" is the output path, key/id the
// _id part, text the columns read a second time as text for linking).
func TestResolve(t *testing.T) {
	tests := []struct {
		name     string
		settings Settings
		coll     []Collection
		filters  map[string]map[string]TableFilter // the project's tableFilters
		only     []string
		override map[string]map[string]TableFilter // a job's relationalTableFilters
		want     string
	}{
		{
			name: "SINGLE moves the key column into _id",
			coll: []Collection{{Name: "artists", Table: unitRef("artist")}},
			want: `
			artists SINGLE
			  public.artist key=[artist_id] rows=275
			    artist_id int32 key=1 id=artist_id
			    name string -> name
			`,
		},
		{
			name: "keepKeyFields keeps the key column as a field too",
			coll: []Collection{{Name: "artists", Table: unitRef("artist"), KeepKeyFields: true}},
			want: `
			artists SINGLE
			  public.artist key=[artist_id] rows=275
			    artist_id int32 -> artist_id key=1 id=artist_id
			    name string -> name
			`,
		},
		{
			name:     "WRAPPED per collection overrides the project default",
			settings: Settings{KeyHandling: KeyGenerated},
			coll:     []Collection{{Name: "artists", Table: unitRef("artist"), KeyHandling: KeyWrapped}},
			want: `
			artists WRAPPED
			  public.artist key=[artist_id] rows=275
			    artist_id int32 key=1 id=artist_id
			    name string -> name
			`,
		},
		{
			name: "SINGLE on a composite key falls back to WRAPPED",
			coll: []Collection{{Name: "playlistTracks", Table: unitRef("playlist_track")}},
			want: `
			playlistTracks WRAPPED
			  public.playlist_track key=[playlist_id track_id] rows=8715
			    playlist_id int32 key=1 id=playlist_id
			    track_id int32 key=2 id=track_id
			`,
		},
		{
			name:     "GENERATED keeps the key columns as ordinary fields",
			settings: Settings{KeyHandling: KeyGenerated},
			coll:     []Collection{{Name: "playlistTracks", Table: unitRef("playlist_track")}},
			want: `
			playlistTracks GENERATED
			  public.playlist_track key=[playlist_id track_id] rows=8715
			    playlist_id int32 -> playlist_id key=1 id=playlist_id
			    track_id int32 -> track_id key=2 id=track_id
			`,
		},
		{
			name:     "casing applies to generated names and the _id parts, never to renames, collection or embedded field names",
			settings: Settings{Casing: CasingCamel, KeyHandling: KeyWrapped},
			coll: []Collection{{Name: "invoice_docs", Table: unitRef("invoice"),
				Fields: map[string]Field{"billing_state": {Rename: "Billing.STATE_code"}, "billing_country": {Exclude: true}},
				Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "the_customer", Table: unitRef("customer"),
					Fields: unitExclude("first_name", "last_name", "email", "support_rep_id")}},
			}},
			want: `
			invoice_docs WRAPPED
			  public.invoice key=[invoice_id] rows=412 text=[customer_id]
			    invoice_id int32 key=1 id=invoiceId
			    customer_id int32 -> customerId
			    invoice_date timestamp -> invoiceDate
			    billing_city string -> billingCity
			    billing_state string -> Billing.STATE_code
			    total decimal -> total
			      DOC field=the_customer public.customer key=[customer_id] rows=59 link=[customer_id] parent=[customer_id] text=[customer_id]
			        customer_id int32 -> customerId
			`,
		},
		{
			name:     "dotted renames nest, excluded columns are not read, overrides and null handling per field",
			settings: Settings{NullHandling: NullOmit},
			coll: []Collection{{Name: "invoices", Table: unitRef("invoice"), Fields: map[string]Field{
				"billing_city":    {Rename: "billing.city"},
				"billing_state":   {Rename: "billing.state"},
				"billing_country": {Exclude: true},
				"invoice_date":    {Exclude: true},
				"customer_id":     {NullHandling: NullInclude},
				"total":           {Type: "STRING"},
			}}},
			want: `
			invoices SINGLE
			  public.invoice key=[invoice_id] rows=412
			    invoice_id int32 key=1 id=invoice_id omitNull
			    customer_id int32 -> customer_id
			    billing_city string -> billing.city omitNull
			    billing_state string -> billing.state omitNull
			    total decimal -> total override=STRING omitNull
			`,
		},
		{
			name: "an excluded key column is still read for _id",
			coll: []Collection{{Name: "artists", Table: unitRef("artist"), KeepKeyFields: true, Fields: unitExclude("artist_id")}},
			want: `
			artists SINGLE
			  public.artist key=[artist_id] rows=275
			    artist_id int32 key=1 id=artist_id
			    name string -> name
			`,
		},
		{
			name: "ARRAY through the only FK, default key order, filters on root and array",
			coll: []Collection{{Name: "invoices", Table: unitRef("invoice"),
				Fields:   unitExclude("invoice_date", "billing_city", "billing_state", "billing_country", "total"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "lines", Table: unitRef("invoice_line")}},
			}},
			filters: map[string]map[string]TableFilter{"public": {
				"invoice":      {WhereClause: "total > 1"},
				"invoice_line": {WhereClause: "quantity > 0", RowCount: unitInt64(10)},
			}},
			want: `
			invoices SINGLE
			  public.invoice key=[invoice_id] rows=412 where="total > 1" text=[invoice_id]
			    invoice_id int32 key=1 id=invoice_id
			    customer_id int32 -> customer_id
			      ARRAY field=lines public.invoice_line key=[invoice_line_id] rows=2240 link=[invoice_id] parent=[invoice_id] where="quantity > 0" rowCount=10 text=[invoice_id]
			        invoice_line_id int32 -> invoice_line_id
			        invoice_id int32 -> invoice_id
			        track_id int32 -> track_id
			        unit_price decimal -> unit_price
			        quantity int32 -> quantity
			`,
		},
		{
			name: "a job's table filters replace the project's; DOCUMENT lookups are never filtered",
			coll: []Collection{{Name: "invoices", Table: unitRef("invoice"),
				Fields: unitExclude("invoice_date", "billing_city", "billing_state", "billing_country", "total"),
				Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "customer", Table: unitRef("customer"),
					Fields: unitExclude("email", "support_rep_id")}},
			}},
			filters: map[string]map[string]TableFilter{"public": {
				"invoice":  {WhereClause: "total > 1"},
				"customer": {WhereClause: "country = 'NO'"},
			}},
			override: map[string]map[string]TableFilter{"public": {"invoice": {RowCount: unitInt64(5)}}},
			want: `
			invoices SINGLE
			  public.invoice key=[invoice_id] rows=412 rowCount=5 text=[customer_id]
			    invoice_id int32 key=1 id=invoice_id
			    customer_id int32 -> customer_id
			      DOC field=customer public.customer key=[customer_id] rows=59 link=[customer_id] parent=[customer_id] text=[customer_id]
			        customer_id int32 -> customer_id
			        first_name string -> first_name
			        last_name string -> last_name
			`,
		},
		{
			name: "reverse DOCUMENT: the one-to-one row that references the current row",
			coll: []Collection{{Name: "employees", Table: unitRef("employee"),
				Fields: unitExclude("last_name", "reports_to", "birth_date", "email"),
				Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "photo", Table: unitRef("employee_photo"), Reverse: true,
					Fields: unitExclude("employee_id")}},
			}},
			want: `
			employees SINGLE
			  public.employee key=[employee_id] rows=8 text=[employee_id]
			    employee_id int32 key=1 id=employee_id
			    first_name string -> first_name
			      DOC field=photo public.employee_photo key=[employee_id] rows=6 link=[employee_id] parent=[employee_id] reverse text=[employee_id]
			        employee_id int32
			        photo binary -> photo
			`,
		},
		{
			name: "two FKs to one parent: via.constraint and via.columns pick one each",
			coll: []Collection{{Name: "employees", Table: unitRef("employee"),
				Fields: unitExclude("last_name", "first_name", "reports_to", "birth_date", "email"),
				Embedded: []Embedded{
					{Kind: KindEmbeddedArray, Field: "reviews", Table: unitRef("employee_review"),
						Via: &Via{Columns: []string{"employee_id"}}, Fields: unitExclude("employee_id", "reviewer_id")},
					{Kind: KindEmbeddedArray, Field: "reviewsWritten", Table: unitRef("employee_review"),
						Via: &Via{Constraint: "employee_review_reviewer_id_fkey"}, Fields: unitExclude("employee_id", "reviewer_id")},
				},
			}},
			want: `
			employees SINGLE
			  public.employee key=[employee_id] rows=8 text=[employee_id]
			    employee_id int32 key=1 id=employee_id
			      ARRAY field=reviews public.employee_review key=[review_id] rows=30 link=[employee_id] parent=[employee_id] text=[employee_id]
			        review_id int32 -> review_id
			        employee_id int32
			        note string -> note
			      ARRAY field=reviewsWritten public.employee_review key=[review_id] rows=30 link=[reviewer_id] parent=[employee_id] text=[reviewer_id]
			        review_id int32 -> review_id
			        reviewer_id int32
			        note string -> note
			`,
		},
		{
			name: "synthetic FK: via.columns without a constraint, references a unique key",
			coll: []Collection{{Name: "customers", Table: unitRef("customer"),
				Fields: unitExclude("first_name", "last_name", "support_rep_id"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "newsletters", Table: unitRef("newsletter"),
					Via: &Via{Columns: []string{"customer_email"}, References: []string{"email"}}, Fields: unitExclude("customer_email")}},
			}},
			want: `
			customers SINGLE
			  public.customer key=[customer_id] rows=59 text=[email]
			    customer_id int32 key=1 id=customer_id
			    email string -> email
			      ARRAY field=newsletters public.newsletter key=[newsletter_id] rows=70 link=[customer_email] parent=[email] text=[customer_email]
			        newsletter_id int32 -> newsletter_id
			        customer_email string
			        topic string -> topic
			`,
		},
		{
			name: "synthetic FK to the primary key: a bigint column matches an integer key",
			coll: []Collection{{Name: "invoices", Table: unitRef("invoice"),
				Fields: unitExclude("customer_id", "invoice_date", "billing_city", "billing_state", "billing_country", "total"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "audits", Table: unitRef("invoice_audit"),
					Via: &Via{Columns: []string{"invoice_ref"}}, Sort: []SortKey{{Column: "audit_id", Order: "DESC"}}, Limit: 3}},
			}},
			want: `
			invoices SINGLE
			  public.invoice key=[invoice_id] rows=412 text=[invoice_id]
			    invoice_id int32 key=1 id=invoice_id
			      ARRAY field=audits public.invoice_audit key=[audit_id] rows=100 link=[invoice_ref] parent=[invoice_id] sort=[audit_id DESC] limit=3 text=[invoice_ref]
			        audit_id int64 -> audit_id
			        invoice_ref int64 -> invoice_ref
			        note string -> note
			`,
		},
		{
			name: "composite FK links both columns in order",
			coll: []Collection{{Name: "playlistTracks", Table: unitRef("playlist_track"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "ratings", Table: unitRef("playlist_track_rating"),
					Fields: unitExclude("playlist_id", "track_id")}},
			}},
			want: `
			playlistTracks WRAPPED
			  public.playlist_track key=[playlist_id track_id] rows=8715 text=[playlist_id track_id]
			    playlist_id int32 key=1 id=playlist_id
			    track_id int32 key=2 id=track_id
			      ARRAY field=ratings public.playlist_track_rating key=[rating_id] rows=40 link=[playlist_id track_id] parent=[playlist_id track_id] text=[playlist_id track_id]
			        rating_id int32 -> rating_id
			        playlist_id int32
			        track_id int32
			        stars int32 -> stars
			`,
		},
		{
			name:     "many-to-many through the join table with the far table merged; OMIT marks arrays and documents",
			settings: Settings{NullHandling: NullOmit},
			coll: []Collection{{Name: "playlists", Table: unitRef("playlist"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "tracks", Table: unitRef("playlist_track"),
					Sort: []SortKey{{Column: "track_id"}}, Fields: unitExclude("playlist_id", "track_id"),
					Embedded: []Embedded{{Kind: KindEmbeddedDocument, Merge: true, Table: unitRef("track"),
						Fields: unitExclude("album_id", "media_type_id", "genre_id", "milliseconds", "unit_price")}}}},
			}},
			want: `
			playlists SINGLE
			  public.playlist key=[playlist_id] rows=18 text=[playlist_id]
			    playlist_id int32 key=1 id=playlist_id omitNull
			    name string -> name omitNull
			      ARRAY field=tracks public.playlist_track key=[playlist_id track_id] rows=8715 link=[playlist_id] parent=[playlist_id] sort=[track_id] omitEmpty text=[playlist_id track_id]
			        playlist_id int32 omitNull
			        track_id int32 omitNull
			          DOC public.track key=[track_id] rows=3503 link=[track_id] parent=[track_id] merge omitEmpty text=[track_id]
			            track_id int32 -> track_id omitNull
			            name string -> name omitNull
			`,
		},
		{
			name: "self-reference and the same table at two places in one tree",
			coll: []Collection{{Name: "customers", Table: unitRef("customer"),
				Fields: unitExclude("first_name", "last_name", "email", "support_rep_id"),
				Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "supportRep", Table: unitRef("employee"),
					Via:    &Via{Columns: []string{"support_rep_id"}},
					Fields: unitExclude("first_name", "reports_to", "birth_date", "email"),
					Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "manager", Table: unitRef("employee"),
						Fields: unitExclude("employee_id", "first_name", "reports_to", "birth_date", "email")}}}},
			}},
			want: `
			customers SINGLE
			  public.customer key=[customer_id] rows=59 text=[support_rep_id]
			    customer_id int32 key=1 id=customer_id
			    support_rep_id int32
			      DOC field=supportRep public.employee key=[employee_id] rows=8 link=[employee_id] parent=[support_rep_id] text=[employee_id reports_to]
			        employee_id int32 -> employee_id
			        last_name string -> last_name
			        reports_to int32
			          DOC field=manager public.employee key=[employee_id] rows=8 link=[employee_id] parent=[reports_to] text=[employee_id]
			            employee_id int32
			            last_name string -> last_name
			`,
		},
		{
			name: "deep nesting: invoice -> lines[] -> track{} -> album{} -> artist{}, with genre{} beside album",
			coll: []Collection{{Name: "invoices", Table: unitRef("invoice"),
				Fields: unitExclude("customer_id", "invoice_date", "billing_city", "billing_state", "billing_country"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "lines", Table: unitRef("invoice_line"),
					Via: &Via{Constraint: "invoice_line_invoice_id_fkey"}, Fields: unitExclude("invoice_id", "track_id", "unit_price"),
					Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "track", Table: unitRef("track"),
						Fields: unitExclude("track_id", "album_id", "media_type_id", "genre_id", "milliseconds", "unit_price"),
						Embedded: []Embedded{
							{Kind: KindEmbeddedDocument, Field: "album", Table: unitRef("album"), Fields: unitExclude("album_id", "artist_id"),
								Embedded: []Embedded{{Kind: KindEmbeddedDocument, Field: "artist", Table: unitRef("artist"), Fields: unitExclude("artist_id")}}},
							{Kind: KindEmbeddedDocument, Field: "genre", Table: unitRef("genre"), Fields: unitExclude("genre_id")},
						}}}}},
			}},
			want: `
			invoices SINGLE
			  public.invoice key=[invoice_id] rows=412 text=[invoice_id]
			    invoice_id int32 key=1 id=invoice_id
			    total decimal -> total
			      ARRAY field=lines public.invoice_line key=[invoice_line_id] rows=2240 link=[invoice_id] parent=[invoice_id] text=[invoice_id track_id]
			        invoice_line_id int32 -> invoice_line_id
			        invoice_id int32
			        track_id int32
			        quantity int32 -> quantity
			          DOC field=track public.track key=[track_id] rows=3503 link=[track_id] parent=[track_id] text=[track_id album_id genre_id]
			            track_id int32
			            name string -> name
			            album_id int32
			            genre_id int32
			              DOC field=album public.album key=[album_id] rows=347 link=[album_id] parent=[album_id] text=[album_id artist_id]
			                album_id int32
			                title string -> title
			                artist_id int32
			                  DOC field=artist public.artist key=[artist_id] rows=275 link=[artist_id] parent=[artist_id] text=[artist_id]
			                    artist_id int32
			                    name string -> name
			              DOC field=genre public.genre key=[genre_id] rows=25 link=[genre_id] parent=[genre_id] text=[genre_id]
			                genre_id int32
			                name string -> name
			`,
		},
		{
			name: "primitive array with sort and limit; a dotted embedded field nests",
			coll: []Collection{{Name: "artists", Table: unitRef("artist"),
				Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "catalog.albumTitles", Table: unitRef("album"), Primitive: true,
					Sort: []SortKey{{Column: "title", Order: "ASC"}}, Limit: 2, Fields: unitExclude("album_id", "artist_id")}},
			}},
			want: `
			artists SINGLE
			  public.artist key=[artist_id] rows=275 text=[artist_id]
			    artist_id int32 key=1 id=artist_id
			    name string -> name
			      ARRAY field=catalog.albumTitles public.album key=[album_id] rows=347 link=[artist_id] parent=[artist_id] sort=[title ASC] limit=2 primitive text=[artist_id]
			        title string -> title
			        artist_id int32
			`,
		},
		{
			name: "a table without a primary key is keyed by its unique NOT NULL index",
			coll: []Collection{{Name: "countries", Table: unitRef("country")}},
			want: `
			countries SINGLE
			  public.country key=[code] rows=24
			    code string key=1 id=code
			    name string -> name
			`,
		},
		{
			name: "a table without any key gets fresh ObjectIds through a staging collection",
			coll: []Collection{{Name: "events", Table: unitRef("event_log")}},
			want: `
			events GENERATED staging
			  public.event_log key=[] rows=-1
			    logged_at timestamp -> logged_at
			    message string -> message
			`,
		},
		{
			name: "collection filter selects collections in project order",
			coll: []Collection{
				{Name: "genres", Table: unitRef("genre")},
				{Name: "artists", Table: unitRef("artist")},
				{Name: "media", Table: unitRef("media_type")},
			},
			only: []string{"media", "genres"},
			want: `
			genres SINGLE
			  public.genre key=[genre_id] rows=25
			    genre_id int32 key=1 id=genre_id
			    name string -> name
			media SINGLE
			  public.media_type key=[media_type_id] rows=5
			    media_type_id int32 key=1 id=media_type_id
			    name string -> name
			`,
		},
	}
	cat := unitCatalog()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := unitProject(tc.coll...)
			p.Settings = tc.settings
			p.TableFilters = tc.filters
			if ps := p.Validate(); len(ps) > 0 {
				t.Fatalf("Validate: %v", ps)
			}
			plans, ps := Resolve(p, cat, tc.only, tc.override)
			if len(ps) > 0 {
				t.Fatalf("Resolve problems: %v", ps)
			}
			got, want := unitPlanText(plans), unitDedent(tc.want)
			if got != want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, want)
			}
			// A plan travels in workflow inputs: it must survive a JSON round trip unchanged.
			raw, err := json.Marshal(plans)
			if err != nil {
				t.Fatalf("marshal plans: %v", err)
			}
			var back []CollectionPlan
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatalf("unmarshal plans: %v", err)
			}
			if !reflect.DeepEqual(back, plans) {
				t.Errorf("plans changed in a JSON round trip:\n%s", raw)
			}
		})
	}
}

// TestResolveFullPlan pins one plan field by field, including the catalog facts unitPlanText
// leaves out.
func TestResolveFullPlan(t *testing.T) {
	p := unitProject(Collection{Name: "artists", Table: unitRef("artist"),
		Fields: map[string]Field{"name": {Type: "STRING", NullHandling: NullOmit}},
		Embedded: []Embedded{{Kind: KindEmbeddedArray, Field: "albums", Table: unitRef("album"),
			Sort: []SortKey{{Column: "title", Order: "DESC"}}, Fields: unitExclude("artist_id")}},
	})
	plans, ps := Resolve(p, unitCatalog(), nil, nil)
	if len(ps) > 0 {
		t.Fatalf("Resolve problems: %v", ps)
	}
	want := []CollectionPlan{{Name: "artists", KeyHandling: KeySingle, Root: TablePlan{
		Table: unitRef("artist"),
		Columns: []ColumnPlan{
			{Name: "artist_id", DataType: "integer", Kind: convert.KindInt32, Scale: -1, KeyPart: 1, IDName: "artist_id"},
			{Name: "name", DataType: "character varying", Kind: convert.KindString, Scale: -1, Output: []string{"name"}, Override: "STRING", OmitNull: true},
		},
		KeyColumns:    []string{"artist_id"},
		EstimatedRows: 275,
		TextColumns:   []string{"artist_id"},
		Embedded: []TablePlan{{
			Table: unitRef("album"),
			Columns: []ColumnPlan{
				{Name: "album_id", DataType: "integer", Kind: convert.KindInt32, Scale: -1, Output: []string{"album_id"}},
				{Name: "title", DataType: "character varying", Kind: convert.KindString, Scale: -1, Output: []string{"title"}},
				{Name: "artist_id", DataType: "integer", Kind: convert.KindInt32, Scale: -1},
			},
			KeyColumns:    []string{"album_id"},
			EstimatedRows: 347,
			TextColumns:   []string{"artist_id"},
			Kind:          KindEmbeddedArray,
			Field:         []string{"albums"},
			LinkColumns:   []string{"artist_id"},
			ParentColumns: []string{"artist_id"},
			Sort:          []SortKey{{Column: "title", Order: "DESC"}},
		}},
	}}}
	if !reflect.DeepEqual(plans, want) {
		g, _ := json.MarshalIndent(plans, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("plan:\n%s\nwant:\n%s", g, w)
	}
	// TextIndex places the text forms after Columns, in TextColumns order.
	if i := plans[0].Root.TextIndex("artist_id"); i != 2 {
		t.Errorf("root TextIndex(artist_id) = %d, want 2", i)
	}
	if i := plans[0].Root.TextIndex("name"); i != -1 {
		t.Errorf("root TextIndex(name) = %d, want -1", i)
	}
}
