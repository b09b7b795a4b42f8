package project

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/schema"
)

// update rewrites the golden files: go test ./internal/project -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// tbl builds a catalog table. Each column is "name:type" with a trailing "?" when nullable; types
// are int, bigint, text, numeric and ts.
func tbl(schemaName, name string, rows int64, columns ...string) schema.Table {
	t := schema.Table{Schema: schemaName, Name: name, EstimatedRows: rows}
	for _, spec := range columns {
		n, typ, _ := strings.Cut(spec, ":")
		nullable := strings.HasSuffix(typ, "?")
		typ = strings.TrimSuffix(typ, "?")
		c := schema.Column{Name: n, Nullable: nullable, Scale: -1}
		switch typ {
		case "int":
			c.DataType, c.Kind = "integer", convert.KindInt32
		case "bigint":
			c.DataType, c.Kind = "bigint", convert.KindInt64
		case "text":
			c.DataType, c.Kind = "character varying", convert.KindString
		case "numeric":
			c.DataType, c.Kind, c.Scale = "numeric(10,2)", convert.KindDecimal, 2
		case "ts":
			c.DataType, c.Kind = "timestamp without time zone", convert.KindTimestamp
		default:
			panic("unknown test column type " + typ)
		}
		t.Columns = append(t.Columns, c)
	}
	return t
}

func pk(t schema.Table, columns ...string) schema.Table {
	t.PrimaryKey = columns
	return t
}

// fk adds a foreign key named <table>_<first column>_fkey from columns to refTable's refColumns
// (in the same schema).
func fk(t schema.Table, columns []string, refTable string, refColumns ...string) schema.Table {
	t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{Name: t.Name + "_" + columns[0] + "_fkey", Columns: columns,
		RefSchema: t.Schema, RefTable: refTable, RefColumns: refColumns})
	return t
}

func one(c string) []string { return []string{c} }

// chinookCatalog is the catalog that the PostgreSQL dialect introspects from the Chinook database
// that internal/chinook loads (after its ANALYZE, so the row estimates are the exact counts). The
// end-to-end test tests/projects_test.go creates RECOMMENDED from the live database and compares
// it with the same golden file, which keeps this hand-built copy honest.
func chinookCatalog() *schema.Catalog {
	const s = "public"
	return &schema.Catalog{Tables: []schema.Table{
		fk(pk(tbl(s, "album", 347, "album_id:int", "title:text", "artist_id:int"), "album_id"), one("artist_id"), "artist", "artist_id"),
		pk(tbl(s, "artist", 275, "artist_id:int", "name:text?"), "artist_id"),
		fk(pk(tbl(s, "customer", 59, "customer_id:int", "first_name:text", "last_name:text", "company:text?", "address:text?", "city:text?",
			"state:text?", "country:text?", "postal_code:text?", "phone:text?", "fax:text?", "email:text", "support_rep_id:int?"), "customer_id"),
			one("support_rep_id"), "employee", "employee_id"),
		fk(pk(tbl(s, "employee", 8, "employee_id:int", "last_name:text", "first_name:text", "title:text?", "reports_to:int?", "birth_date:ts?",
			"hire_date:ts?", "address:text?", "city:text?", "state:text?", "country:text?", "postal_code:text?", "phone:text?", "fax:text?", "email:text?"),
			"employee_id"), one("reports_to"), "employee", "employee_id"),
		pk(tbl(s, "genre", 25, "genre_id:int", "name:text?"), "genre_id"),
		fk(pk(tbl(s, "invoice", 412, "invoice_id:int", "customer_id:int", "invoice_date:ts", "billing_address:text?", "billing_city:text?",
			"billing_state:text?", "billing_country:text?", "billing_postal_code:text?", "total:numeric"), "invoice_id"),
			one("customer_id"), "customer", "customer_id"),
		fk(fk(pk(tbl(s, "invoice_line", 2240, "invoice_line_id:int", "invoice_id:int", "track_id:int", "unit_price:numeric", "quantity:int"),
			"invoice_line_id"), one("invoice_id"), "invoice", "invoice_id"), one("track_id"), "track", "track_id"),
		pk(tbl(s, "media_type", 5, "media_type_id:int", "name:text?"), "media_type_id"),
		pk(tbl(s, "playlist", 18, "playlist_id:int", "name:text?"), "playlist_id"),
		fk(fk(pk(tbl(s, "playlist_track", 8715, "playlist_id:int", "track_id:int"), "playlist_id", "track_id"),
			one("playlist_id"), "playlist", "playlist_id"), one("track_id"), "track", "track_id"),
		fk(fk(fk(pk(tbl(s, "track", 3503, "track_id:int", "name:text", "album_id:int?", "media_type_id:int", "genre_id:int?", "composer:text?",
			"milliseconds:int", "bytes:int?", "unit_price:numeric"), "track_id"),
			one("album_id"), "album", "album_id"), one("genre_id"), "genre", "genre_id"), one("media_type_id"), "media_type", "media_type_id"),
	}}
}

var chinookOptions = DefaultOptions{Name: "chinook-recommended", SourceType: "POSTGRESQL", Schemas: []string{"public"}}

// goldenCompare compares got (as indented JSON) with testdata/name, or rewrites it under -update.
func goldenCompare(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./internal/project -run Golden -update and review the diff.\ngot:\n%s", path, b)
	}
}

// TestRecommendChinookGolden pins RECOMMENDED on Chinook: the project document and the reasons.
func TestRecommendChinookGolden(t *testing.T) {
	cat := chinookCatalog()
	p, reasons := Recommend(cat, chinookOptions)
	if ps := p.Validate(); len(ps) > 0 {
		t.Fatalf("the recommended project does not validate: %v", ps)
	}
	if _, ps := Resolve(p, cat, nil, nil); len(ps) > 0 {
		t.Fatalf("the recommended project does not resolve against its catalog: %v", ps)
	}
	goldenCompare(t, "recommend_chinook.json", p)
	goldenCompare(t, "recommend_chinook_reasons.json", reasons)
}

// TestRecommendChinookShape states the Chinook model in words, so a golden update cannot change
// it unnoticed.
func TestRecommendChinookShape(t *testing.T) {
	p, _ := Recommend(chinookCatalog(), chinookOptions)
	want := []string{
		"album",
		"artist",
		"customer",
		"employee",
		"invoice",
		"invoice.lines[]=invoice_line -invoice_id",
		"playlist",
		"playlist.tracks[]=playlist_track -playlist_id -track_id",
		"playlist.tracks[].+track -genre_id -media_type_id",
		"playlist.tracks[].+track.media_type{}=media_type",
		"playlist.tracks[].+track.genre{}=genre",
		"track -genre_id -media_type_id",
		"track.media_type{}=media_type",
		"track.genre{}=genre",
	}
	if got := shape(p); !slices.Equal(got, want) {
		t.Errorf("shape:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// shape renders a project's tree one rule per line: a collection by name, an array as
// parent.field[]=table, a document as parent.field{}=table (reverse: {<}), a merged document as
// parent.+table, followed by the excluded columns.
func shape(p *Project) []string {
	var out []string
	excl := func(fields map[string]Field) string {
		var cs []string
		for c, f := range fields {
			if f.Exclude {
				cs = append(cs, " -"+c)
			}
		}
		slices.Sort(cs)
		return strings.Join(cs, "")
	}
	var walk func(prefix string, es []Embedded)
	walk = func(prefix string, es []Embedded) {
		for _, e := range es {
			var line string
			switch {
			case e.Merge:
				line = prefix + ".+" + e.Table.Name
			case e.Kind == KindEmbeddedArray:
				line = prefix + "." + e.Field + "[]"
			case e.Reverse:
				line = prefix + "." + e.Field + "{<}"
			default:
				line = prefix + "." + e.Field + "{}"
			}
			name := line
			if !e.Merge {
				line += "=" + e.Table.Name
			}
			if e.Via != nil {
				line += fmt.Sprintf(" via%v%s", e.Via.Columns, e.Via.Constraint)
			}
			out = append(out, line+excl(e.Fields))
			walk(name, e.Embedded)
		}
	}
	for _, c := range p.Collections {
		line := c.Name
		if c.Name != c.Table.Name {
			line += "=" + c.Table.Name
		}
		out = append(out, line+excl(c.Fields))
		walk(c.Name, c.Embedded)
	}
	return out
}

// TestRecommendReasonsCoverEveryRule checks that every collection and every embedded rule has
// exactly one reason, at its path, in document order.
func TestRecommendReasonsCoverEveryRule(t *testing.T) {
	for name, cat := range map[string]*schema.Catalog{"chinook": chinookCatalog(), "shop": shopCatalog()} {
		t.Run(name, func(t *testing.T) {
			p, reasons := Recommend(cat, chinookOptions)
			var paths []string
			var walk func(path string, es []Embedded)
			walk = func(path string, es []Embedded) {
				for i, e := range es {
					ep := fmt.Sprintf("%s.embedded[%d]", path, i)
					paths = append(paths, ep)
					walk(ep, e.Embedded)
				}
			}
			for i, c := range p.Collections {
				cp := fmt.Sprintf("$.collections[%d]", i)
				paths = append(paths, cp)
				walk(cp, c.Embedded)
			}
			got := make([]string, len(reasons))
			for i, r := range reasons {
				got[i] = r.Path
				if r.Reason == "" || r.Collection == "" || r.Table == "" {
					t.Errorf("incomplete reason %+v", r)
				}
			}
			if !slices.Equal(got, paths) {
				t.Errorf("reason paths\n%v\nwant\n%v", got, paths)
			}
		})
	}
}

// shopCatalog exercises every rule: order_item is a child (foreign key in a composite key),
// order_item_note a grandchild, customer_profile an extension, product_tag a join table with
// attributes, order_status a lookup referenced twice by one table; shipment is not owned (orders
// has another child).
func shopCatalog() *schema.Catalog {
	const s = "shop"
	return &schema.Catalog{Tables: []schema.Table{
		pk(tbl(s, "customer", 5000, "customer_id:int", "name:text"), "customer_id"),
		fk(pk(tbl(s, "customer_profile", 4000, "customer_id:int", "bio:text?"), "customer_id"), one("customer_id"), "customer", "customer_id"),
		fk(fk(fk(pk(tbl(s, "orders", 20000, "order_id:int", "customer_id:int", "status_id:int", "previous_status_id:int?"), "order_id"),
			one("customer_id"), "customer", "customer_id"), one("status_id"), "order_status", "status_id"), one("previous_status_id"), "order_status", "status_id"),
		pk(tbl(s, "order_status", 6, "status_id:int", "label:text"), "status_id"),
		fk(fk(pk(tbl(s, "order_item", 60000, "order_id:int", "line_no:int", "product_id:int", "qty:int"), "order_id", "line_no"),
			one("order_id"), "orders", "order_id"), one("product_id"), "product", "product_id"),
		fk(pk(tbl(s, "order_item_note", 100, "order_id:int", "line_no:int", "note_no:int", "note:text"), "order_id", "line_no", "note_no"),
			[]string{"order_id", "line_no"}, "order_item", "order_id", "line_no"),
		pk(tbl(s, "product", 800, "product_id:int", "name:text"), "product_id"),
		pk(tbl(s, "tag", 300, "tag_id:int", "name:text"), "tag_id"),
		fk(fk(pk(tbl(s, "product_tag", 2000, "product_id:int", "tag_id:int", "weight:int"), "product_id", "tag_id"),
			one("product_id"), "product", "product_id"), one("tag_id"), "tag", "tag_id"),
		fk(pk(tbl(s, "shipment", 15000, "shipment_id:bigint", "order_id:int", "carrier:text"), "shipment_id"), one("order_id"), "orders", "order_id"),
	}}
}

func TestRecommendShop(t *testing.T) {
	cat := shopCatalog()
	p, _ := Recommend(cat, DefaultOptions{Name: "shop", SourceType: "POSTGRESQL", Schemas: []string{"shop"}})
	want := []string{
		"customer",
		"customer.profile{<}=customer_profile -customer_id",
		"orders -previous_status_id -status_id",
		"orders.status{}=order_status via[status_id]",
		"orders.previous_status{}=order_status via[previous_status_id]",
		"orders.items[]=order_item -order_id",
		"orders.items[].notes[]=order_item_note -line_no -order_id",
		"product",
		"product.tags[]=product_tag -product_id -tag_id",
		"product.tags[].tag{}=tag",
		"shipment", // orders is referenced by order_item too: shipment is not owned
		"tag",
	}
	got := shape(p)
	if !slices.Equal(got, want) {
		t.Errorf("shape:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ps := p.Validate(); len(ps) > 0 {
		t.Fatalf("validate: %v", ps)
	}
	if _, ps := Resolve(p, cat, nil, nil); len(ps) > 0 {
		t.Fatalf("resolve: %v", ps)
	}
}

// TestRecommendRules covers each rule and each reason a table stays a collection, one small
// catalog per case. Every recommended project must also validate and resolve.
func TestRecommendRules(t *testing.T) {
	const s = "app"
	parentT := pk(tbl(s, "invoice", 1000, "invoice_id:int", "memo:text?"), "invoice_id")
	lineT := func(rows int64, nullable bool) schema.Table {
		typ := "int"
		if nullable {
			typ = "int?"
		}
		return fk(pk(tbl(s, "invoice_line", rows, "invoice_line_id:int", "invoice_id:"+typ, "qty:int"), "invoice_line_id"),
			one("invoice_id"), "invoice", "invoice_id")
	}
	tests := []struct {
		name       string
		tables     []schema.Table
		wantShape  []string
		wantReason map[string]string // table -> a fragment of its (first) reason
	}{
		{
			name:       "owned child with a surrogate key",
			tables:     []schema.Table{parentT, lineT(5000, false)},
			wantShape:  []string{"invoice", "invoice.lines[]=invoice_line -invoice_id"},
			wantReason: map[string]string{"invoice_line": "about 5 elements per invoice"},
		},
		{
			name:       "nullable link: not owned",
			tables:     []schema.Table{parentT, lineT(5000, true)},
			wantShape:  []string{"invoice", "invoice_line"},
			wantReason: map[string]string{"invoice_line": "can be NULL"},
		},
		{
			name:       "arrays too long on average: not owned",
			tables:     []schema.Table{parentT, lineT(2_000_000, false)},
			wantShape:  []string{"invoice", "invoice_line"},
			wantReason: map[string]string{"invoice_line": "about 2000 rows per invoice row"},
		},
		{
			name:       "unknown estimates: not owned",
			tables:     []schema.Table{parentT, lineT(-1, false)},
			wantShape:  []string{"invoice", "invoice_line"},
			wantReason: map[string]string{"invoice_line": "no row estimates"},
		},
		{
			name: "a small parent without foreign keys is a lookup rather than an owner",
			tables: []schema.Table{
				pk(tbl(s, "category", 12, "category_id:int", "name:text"), "category_id"),
				fk(pk(tbl(s, "product", 5000, "product_id:int", "category_id:int"), "product_id"), one("category_id"), "category", "category_id"),
			},
			wantShape:  []string{"product -category_id", "product.category{}=category"},
			wantReason: map[string]string{"category": "small lookup table"},
		},
		{
			name: "two possible owners: ambiguous",
			tables: []schema.Table{
				pk(tbl(s, "a", 1000, "a_id:int", "x:text"), "a_id"),
				pk(tbl(s, "b", 1000, "b_id:int", "y:text"), "b_id"),
				fk(fk(pk(tbl(s, "ab", 2000, "id:int", "a_id:int", "b_id:int"), "id"), one("a_id"), "a", "a_id"), one("b_id"), "b", "b_id"),
			},
			wantShape:  []string{"a", "ab", "b"},
			wantReason: map[string]string{"ab": "which one owns it is ambiguous"},
		},
		{
			name: "lookup, also on a nested child, and a too large or unknown one",
			tables: []schema.Table{
				pk(tbl(s, "country", 100, "code:text", "name:text"), "code"),
				pk(tbl(s, "currency", -1, "code:text", "name:text"), "code"),
				pk(tbl(s, "city", 101, "city_id:int", "name:text"), "city_id"),
				fk(fk(fk(pk(tbl(s, "store", 50, "store_id:int", "country_code:text", "currency:text", "city_id:int"), "store_id"),
					one("country_code"), "country", "code"), one("currency"), "currency", "code"), one("city_id"), "city", "city_id"),
			},
			wantShape: []string{"city", "currency", "store -country_code", "store.country{}=country"},
			wantReason: map[string]string{
				"country":  "small lookup table (about 100 rows",
				"currency": "its size is unknown",
				"city":     "about 101 rows it is larger than a lookup table",
			},
		},
		{
			name: "lookup field name clashes with a column",
			tables: []schema.Table{
				pk(tbl(s, "genre", 10, "genre_id:int", "name:text"), "genre_id"),
				fk(pk(tbl(s, "song", 1000, "song_id:int", "genre:text?", "genre_id:int"), "song_id"), one("genre_id"), "genre", "genre_id"),
			},
			wantShape: []string{"song -genre_id", "song.genre_2{}=genre"},
		},
		{
			name: "child, grandchild and extension; the extension's lookup",
			tables: []schema.Table{
				pk(tbl(s, "orders", 1000, "order_id:int", "placed:ts"), "order_id"),
				fk(pk(tbl(s, "order_line", 5000, "order_id:int", "line_no:int", "sku:text"), "order_id", "line_no"), one("order_id"), "orders", "order_id"),
				fk(pk(tbl(s, "order_line_tax", 5000, "order_id:int", "line_no:int", "tax_no:int", "amount:numeric"), "order_id", "line_no", "tax_no"),
					[]string{"order_id", "line_no"}, "order_line", "order_id", "line_no"),
				fk(fk(pk(tbl(s, "order_extra", 900, "order_id:int", "channel_id:int"), "order_id"), one("order_id"), "orders", "order_id"),
					one("channel_id"), "channel", "channel_id"),
				pk(tbl(s, "channel", 3, "channel_id:int", "name:text"), "channel_id"),
			},
			wantShape: []string{
				"orders",
				"orders.extra{<}=order_extra -channel_id -order_id",
				"orders.extra{<}.channel{}=channel",
				"orders.lines[]=order_line -order_id",
				"orders.lines[].taxes[]=order_line_tax -line_no -order_id",
			},
			wantReason: map[string]string{
				"order_line":     "contains exactly one foreign key, order_line_order_id_fkey (order_id) to orders",
				"order_extra":    "reverse: true",
				"order_line_tax": "(about 1 element per order_line",
			},
		},
		{
			name: "self many-to-many needs via",
			tables: []schema.Table{
				pk(tbl(s, "person", 1000, "person_id:int", "name:text"), "person_id"),
				fk(fk(pk(tbl(s, "person_friend", 5000, "person_id:int", "friend_id:int"), "person_id", "friend_id"),
					one("person_id"), "person", "person_id"), one("friend_id"), "person", "person_id"),
			},
			wantShape: []string{
				"person",
				"person.friends[]=person_friend via[person_id] -friend_id -person_id",
				"person.friends[].+person via[friend_id]",
			},
		},
		{
			name: "a key with foreign keys to three tables: no parent",
			tables: []schema.Table{
				pk(tbl(s, "a", 1000, "a_id:int"), "a_id"),
				pk(tbl(s, "b", 1000, "b_id:int"), "b_id"),
				pk(tbl(s, "c", 1000, "c_id:int"), "c_id"),
				fk(fk(fk(pk(tbl(s, "abc", 10, "a_id:int", "b_id:int", "c_id:int"), "a_id", "b_id", "c_id"),
					one("a_id"), "a", "a_id"), one("b_id"), "b", "b_id"), one("c_id"), "c", "c_id"),
			},
			wantShape:  []string{"a", "abc", "b", "c"},
			wantReason: map[string]string{"abc": "contains foreign keys to a, b, c, so no single parent owns its rows"},
		},
		{
			name: "a loop of keys: both collections",
			tables: []schema.Table{
				fk(pk(tbl(s, "x", 10, "x_id:int", "k:int"), "x_id", "k"), one("x_id"), "y", "y_id"),
				fk(pk(tbl(s, "y", 10, "y_id:int", "k:int"), "y_id", "k"), one("y_id"), "x", "x_id"),
			},
			wantShape:  []string{"x", "y"},
			wantReason: map[string]string{"x": "part of a loop", "y": "part of a loop"},
		},
		{
			name: "a foreign key to a table outside the catalog stays a field",
			tables: []schema.Table{
				fk(pk(tbl(s, "item", 10, "item_id:int", "owner_id:int"), "item_id", "owner_id"), one("owner_id"), "not_selected", "id"),
			},
			wantShape: []string{"item"},
		},
		{
			name: "join table with attributes: the far row as a document",
			tables: []schema.Table{
				pk(tbl(s, "student", 100, "student_id:int", "name:text"), "student_id"),
				pk(tbl(s, "course", 500, "course_id:int", "name:text"), "course_id"),
				fk(fk(pk(tbl(s, "enrollment", 2000, "student_id:int", "course_id:int", "grade:text?"), "student_id", "course_id"),
					one("student_id"), "student", "student_id"), one("course_id"), "course", "course_id"),
			},
			wantShape:  []string{"course", "student", "student.enrollments[]=enrollment -course_id -student_id", "student.enrollments[].course{}=course"},
			wantReason: map[string]string{"enrollment": "a join table with attributes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := &schema.Catalog{Tables: tt.tables}
			p, reasons := Recommend(cat, DefaultOptions{Name: "t", SourceType: "POSTGRESQL", Schemas: []string{s}})
			if got := shape(p); !slices.Equal(got, tt.wantShape) {
				t.Errorf("shape:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantShape, "\n"))
			}
			for table, frag := range tt.wantReason {
				found := false
				for _, r := range reasons {
					if r.Table == s+"."+table {
						found = true
						if !strings.Contains(r.Reason, frag) {
							t.Errorf("reason of %s = %q, want it to contain %q", table, r.Reason, frag)
						}
						break
					}
				}
				if !found {
					t.Errorf("no reason for %s", table)
				}
			}
			if ps := p.Validate(); len(ps) > 0 {
				t.Fatalf("validate: %v", ps)
			}
			if _, ps := Resolve(p, cat, nil, nil); len(ps) > 0 {
				t.Fatalf("resolve: %v", ps)
			}
		})
	}
}

// TestRecommendIgnoresCatalogOrder: the same catalog in reverse order gives the same project.
func TestRecommendIgnoresCatalogOrder(t *testing.T) {
	a, ra := Recommend(chinookCatalog(), chinookOptions)
	rev := chinookCatalog()
	slices.Reverse(rev.Tables)
	for i := range rev.Tables {
		slices.Reverse(rev.Tables[i].ForeignKeys)
	}
	b, rb := Recommend(rev, chinookOptions)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("the result depends on the catalog order:\n%s\n%s", ja, jb)
	}
	if !slices.Equal(ra, rb) {
		t.Error("the reasons depend on the catalog order")
	}
}

// TestOneToOneChinook: ONE_TO_ONE is the per-table model, a collection per table named like it.
func TestOneToOneChinook(t *testing.T) {
	cat := chinookCatalog()
	p := OneToOne(cat, chinookOptions)
	want := &Project{
		Version: CurrentVersion, Name: chinookOptions.Name, Description: p.Description,
		Source:   Source{Type: "POSTGRESQL", Schemas: []string{"public"}},
		Settings: Settings{KeyHandling: KeySingle, Casing: CasingKeep, NullHandling: NullInclude},
	}
	for _, name := range []string{"album", "artist", "customer", "employee", "genre", "invoice", "invoice_line", "media_type", "playlist", "playlist_track", "track"} {
		want.Collections = append(want.Collections, Collection{Name: name, Table: TableRef{Schema: "public", Name: name}})
	}
	gj, _ := json.Marshal(p)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("ONE_TO_ONE:\n%s\nwant\n%s", gj, wj)
	}
	if _, ps := Resolve(p, cat, nil, nil); len(ps) > 0 {
		t.Fatalf("resolve: %v", ps)
	}
}

func TestDefaultCollectionNames(t *testing.T) {
	tests := []struct {
		name   string
		tables [][2]string // schema, table
		casing string
		want   []string
	}{
		{"plain", [][2]string{{"public", "album"}, {"public", "invoice_line"}}, "", []string{"album", "invoice_line"}},
		{"casing", [][2]string{{"public", "invoice_line"}}, CasingCamel, []string{"invoiceLine"}},
		{"same table in two schemas", [][2]string{{"a", "t"}, {"b", "t"}, {"b", "u"}}, "", []string{"a_t", "b_t", "u"}},
		{"invalid characters", [][2]string{{"s", "pay$out"}, {"s", "system.views"}}, "", []string{"pay_out", "_system.views"}},
		{"clash after casing", [][2]string{{"s", "Foo"}, {"s", "foo"}}, CasingSnake, []string{"s_foo", "s_foo_2"}},
		{"too long", [][2]string{{"s", strings.Repeat("é", 150)}}, "", []string{strings.Repeat("é", 100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := &schema.Catalog{}
			for _, st := range tt.tables {
				cat.Tables = append(cat.Tables, pk(tbl(st[0], st[1], 1, "id:int"), "id"))
			}
			p := OneToOne(cat, DefaultOptions{Name: "n", SourceType: "POSTGRESQL", Schemas: []string{"s"}, Casing: tt.casing})
			var got []string
			for _, c := range p.Collections {
				got = append(got, c.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("names %q, want %q", got, tt.want)
			}
			if ps := p.Validate(); len(ps) > 0 {
				t.Errorf("validate: %v", ps)
			}
		})
	}
}

func TestNamingHelpers(t *testing.T) {
	plurals := map[string]string{"line": "lines", "entry": "entries", "day": "days", "box": "boxes", "address": "addresses",
		"status": "statuses", "analysis": "analyses", "items": "items", "LINE": "LINES", "Branch": "Branches", "": ""}
	for in, want := range plurals {
		if got := plural(in); got != want {
			t.Errorf("plural(%q) = %q, want %q", in, got, want)
		}
	}
	prefixes := []struct{ child, parent, want string }{
		{"invoice_line", "invoice", "line"},
		{"InvoiceLine", "Invoice", "Line"},
		{"invoice_lines", "invoices", "lines"},
		{"invoiceline", "invoice", "invoiceline"},
		{"invoice", "invoice", "invoice"},
		{"order_item", "customer", "order_item"},
		{"invoice__", "invoice", "invoice__"},
	}
	for _, tt := range prefixes {
		if got := stripPrefix(tt.child, tt.parent); got != tt.want {
			t.Errorf("stripPrefix(%q, %q) = %q, want %q", tt.child, tt.parent, got, tt.want)
		}
	}
	ids := map[string]string{"genre_id": "genre", "GenreId": "Genre", "genreID": "genre", "GENRE_ID": "GENRE", "PAID": "", "id": "", "reports_to": "", "_id": ""}
	for in, want := range ids {
		if got := stripID(&schema.ForeignKey{Columns: []string{in}}); got != want {
			t.Errorf("stripID(%q) = %q, want %q", in, got, want)
		}
	}
	if got := stripID(&schema.ForeignKey{Columns: []string{"a_id", "b_id"}}); got != "" {
		t.Errorf("stripID of two columns = %q", got)
	}
}

// TestRecommendRandomCatalogs runs RECOMMENDED on many generated catalogs (fixed seed): it never
// panics, every table is mapped somewhere, and the project validates and resolves, except for the
// problem of keyless tables that the resolver reports itself.
func TestRecommendRandomCatalogs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	kinds := map[string]int{} // how often each kind of rule was produced, so the generator stays useful
	for n := range 300 {
		cat := randomCatalog(rng)
		p, reasons := Recommend(cat, DefaultOptions{Name: "random", SourceType: "POSTGRESQL", Schemas: []string{"s", "t"}})
		if len(reasons) == 0 {
			t.Fatalf("catalog %d: no reasons", n)
		}
		mapped := map[TableRef]bool{}
		var walk func(es []Embedded)
		walk = func(es []Embedded) {
			for _, e := range es {
				mapped[e.Table] = true
				switch {
				case e.Merge:
					kinds["merge"]++
				case e.Reverse:
					kinds["reverse"]++
				default:
					kinds[e.Kind]++
				}
				walk(e.Embedded)
			}
		}
		for _, c := range p.Collections {
			mapped[c.Table] = true
			walk(c.Embedded)
		}
		keyless := 0
		for _, tb := range cat.Tables {
			if !mapped[TableRef{Schema: tb.Schema, Name: tb.Name}] {
				t.Errorf("catalog %d: table %s.%s is mapped nowhere", n, tb.Schema, tb.Name)
			}
			if len(tb.PrimaryKey) == 0 {
				keyless++
			}
		}
		if ps := p.Validate(); len(ps) > 0 {
			cj, _ := json.Marshal(cat)
			t.Fatalf("catalog %d: validate: %v\n%s", n, ps, cj)
		}
		_, ps := Resolve(p, cat, nil, nil)
		ps = slices.DeleteFunc(ps, func(pr Problem) bool { return strings.Contains(pr.Message, "has no primary key") })
		if len(ps) > 0 {
			cj, _ := json.Marshal(cat)
			pj, _ := json.Marshal(p)
			t.Fatalf("catalog %d: resolve: %v\ncatalog %s\nproject %s", n, ps, cj, pj)
		}
	}
	for _, k := range []string{KindEmbeddedArray, KindEmbeddedDocument, "merge", "reverse"} {
		if kinds[k] < 5 {
			t.Errorf("the generated catalogs produced %d %s rules; make the generator produce more", kinds[k], k)
		}
	}
	t.Logf("rules produced: %v", kinds)
}

// randomCatalog makes 1 to 8 tables in two schemas with random keys, foreign keys to primary keys
// (self references and composite keys included), nullability and row estimates.
func randomCatalog(rng *rand.Rand) *schema.Catalog {
	nt := 1 + rng.IntN(8)
	cat := &schema.Catalog{}
	names := []string{"order", "order_item", "item", "tag", "item_tag", "user", "users_role", "role", "status", "status_code", "a", "a_b"}
	for i := range nt {
		sc := []string{"s", "t"}[rng.IntN(2)]
		var cols []string
		for c := range 1 + rng.IntN(4) {
			typ := "int"
			if rng.IntN(3) == 0 {
				typ += "?"
			}
			cols = append(cols, fmt.Sprintf("c%d:%s", c, typ))
		}
		estimates := []int64{-1, 0, 8, 100, 101, 900, 5000}
		tb := tbl(sc, names[i], estimates[rng.IntN(len(estimates))], cols...)
		switch k := rng.IntN(4); {
		case k == 0: // keyless
		case k == 3 && len(tb.Columns) > 1:
			tb.PrimaryKey = []string{tb.Columns[0].Name, tb.Columns[1].Name}
		default:
			tb.PrimaryKey = []string{tb.Columns[0].Name}
		}
		for _, c := range tb.PrimaryKey {
			tb.Columns[slices.IndexFunc(tb.Columns, func(x schema.Column) bool { return x.Name == c })].Nullable = false
		}
		cat.Tables = append(cat.Tables, tb)
	}
	singleKey := func() *schema.Table {
		var ts []*schema.Table
		for i := range cat.Tables {
			if len(cat.Tables[i].PrimaryKey) == 1 {
				ts = append(ts, &cat.Tables[i])
			}
		}
		if len(ts) == 0 {
			return nil
		}
		return ts[rng.IntN(len(ts))]
	}
	for i := range cat.Tables {
		tb := &cat.Tables[i]
		// A third of the time with two singly-keyed tables around: a join table, pure or not.
		if a, b := singleKey(), singleKey(); rng.IntN(3) == 0 && a != nil && b != nil && a != tb && b != tb {
			ncols := 2 + rng.IntN(2)
			*tb = tbl(tb.Schema, tb.Name, tb.EstimatedRows, []string{"c0:int", "c1:int", "c2:int?"}[:ncols]...)
			tb.PrimaryKey = []string{"c0", "c1"}
			for j, ref := range []*schema.Table{a, b} {
				tb.ForeignKeys = append(tb.ForeignKeys, schema.ForeignKey{Name: fmt.Sprintf("%s_fk%d", tb.Name, j),
					Columns: []string{fmt.Sprintf("c%d", j)}, RefSchema: ref.Schema, RefTable: ref.Name, RefColumns: slices.Clone(ref.PrimaryKey)})
			}
			continue
		}
		if rng.IntN(3) == 0 {
			continue // no foreign keys: a lookup candidate
		}
		for range 1 + rng.IntN(2) {
			ref := &cat.Tables[rng.IntN(len(cat.Tables))]
			if len(ref.PrimaryKey) == 0 || len(ref.PrimaryKey) > len(cat.Tables[i].Columns) {
				continue
			}
			// The referencing columns: a random run of columns, as many as the referenced key.
			start := rng.IntN(len(cat.Tables[i].Columns) - len(ref.PrimaryKey) + 1)
			var fcols []string
			for j := range ref.PrimaryKey {
				fcols = append(fcols, cat.Tables[i].Columns[start+j].Name)
			}
			tb := &cat.Tables[i]
			tb.ForeignKeys = append(tb.ForeignKeys, schema.ForeignKey{Name: fmt.Sprintf("%s_fk%d", tb.Name, len(tb.ForeignKeys)),
				Columns: fcols, RefSchema: ref.Schema, RefTable: ref.Name, RefColumns: slices.Clone(ref.PrimaryKey)})
		}
	}
	return cat
}
