package project

import (
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/schema"
)

// Helpers of the Resolve and validation tests. Their names carry a "unit" prefix because other
// test files of this package are written at the same time and must not clash with them.

func unitInt(name string) schema.Column {
	return schema.Column{Name: name, DataType: "integer", Kind: convert.KindInt32, Scale: -1}
}

func unitBigint(name string) schema.Column {
	return schema.Column{Name: name, DataType: "bigint", Kind: convert.KindInt64, Nullable: true, Scale: -1}
}

func unitText(name string) schema.Column {
	return schema.Column{Name: name, DataType: "character varying", Kind: convert.KindString, Nullable: true, Scale: -1}
}

func unitNumeric(name string) schema.Column {
	return schema.Column{Name: name, DataType: "numeric", Kind: convert.KindDecimal, Scale: 2}
}

func unitTimestamp(name string) schema.Column {
	return schema.Column{Name: name, DataType: "timestamp without time zone", Kind: convert.KindTimestamp, Nullable: true, Scale: -1}
}

func unitBytea(name string) schema.Column {
	return schema.Column{Name: name, DataType: "bytea", Kind: convert.KindBinary, Nullable: true, Scale: -1}
}

func unitFK(name string, cols []string, refTable string, refCols []string) schema.ForeignKey {
	return schema.ForeignKey{Name: name, Columns: cols, RefSchema: "public", RefTable: refTable, RefColumns: refCols}
}

func unitTable(name string, rows int64, pk []string, cols ...schema.Column) schema.Table {
	return schema.Table{Schema: "public", Name: name, Columns: cols, PrimaryKey: pk, EstimatedRows: rows}
}

// unitCatalog is Chinook (trimmed to a few columns per table) plus the shapes Chinook lacks:
// a composite FK (playlist_track_rating -> playlist_track), two FKs to one parent
// (employee_review -> employee twice), a one-to-one table (employee_photo), link columns without
// a constraint (invoice_audit.invoice_ref, a bigint; newsletter.customer_email -> the unique
// customer.email), a table keyed only by a unique index (country) and a keyless one (event_log).
func unitCatalog() *schema.Catalog {
	with := func(t schema.Table, fks ...schema.ForeignKey) schema.Table {
		t.ForeignKeys = fks
		return t
	}
	customer := with(unitTable("customer", 59, []string{"customer_id"},
		unitInt("customer_id"), unitText("first_name"), unitText("last_name"), unitText("email"), unitInt("support_rep_id")),
		unitFK("customer_support_rep_id_fkey", []string{"support_rep_id"}, "employee", []string{"employee_id"}))
	customer.UniqueKeys = [][]string{{"email"}}
	country := unitTable("country", 24, nil, unitText("code"), unitText("name"))
	country.UniqueKeys = [][]string{{"code"}}
	return &schema.Catalog{Tables: []schema.Table{
		with(unitTable("album", 347, []string{"album_id"}, unitInt("album_id"), unitText("title"), unitInt("artist_id")),
			unitFK("album_artist_id_fkey", []string{"artist_id"}, "artist", []string{"artist_id"})),
		unitTable("artist", 275, []string{"artist_id"}, unitInt("artist_id"), unitText("name")),
		customer,
		with(unitTable("employee", 8, []string{"employee_id"},
			unitInt("employee_id"), unitText("last_name"), unitText("first_name"), unitInt("reports_to"),
			unitTimestamp("birth_date"), unitText("email")),
			unitFK("employee_reports_to_fkey", []string{"reports_to"}, "employee", []string{"employee_id"})),
		unitTable("genre", 25, []string{"genre_id"}, unitInt("genre_id"), unitText("name")),
		with(unitTable("invoice", 412, []string{"invoice_id"},
			unitInt("invoice_id"), unitInt("customer_id"), unitTimestamp("invoice_date"), unitText("billing_city"),
			unitText("billing_state"), unitText("billing_country"), unitNumeric("total")),
			unitFK("invoice_customer_id_fkey", []string{"customer_id"}, "customer", []string{"customer_id"})),
		with(unitTable("invoice_line", 2240, []string{"invoice_line_id"},
			unitInt("invoice_line_id"), unitInt("invoice_id"), unitInt("track_id"), unitNumeric("unit_price"), unitInt("quantity")),
			unitFK("invoice_line_invoice_id_fkey", []string{"invoice_id"}, "invoice", []string{"invoice_id"}),
			unitFK("invoice_line_track_id_fkey", []string{"track_id"}, "track", []string{"track_id"})),
		unitTable("media_type", 5, []string{"media_type_id"}, unitInt("media_type_id"), unitText("name")),
		unitTable("playlist", 18, []string{"playlist_id"}, unitInt("playlist_id"), unitText("name")),
		with(unitTable("playlist_track", 8715, []string{"playlist_id", "track_id"}, unitInt("playlist_id"), unitInt("track_id")),
			unitFK("playlist_track_playlist_id_fkey", []string{"playlist_id"}, "playlist", []string{"playlist_id"}),
			unitFK("playlist_track_track_id_fkey", []string{"track_id"}, "track", []string{"track_id"})),
		with(unitTable("track", 3503, []string{"track_id"},
			unitInt("track_id"), unitText("name"), unitInt("album_id"), unitInt("media_type_id"), unitInt("genre_id"),
			unitInt("milliseconds"), unitNumeric("unit_price")),
			unitFK("track_album_id_fkey", []string{"album_id"}, "album", []string{"album_id"}),
			unitFK("track_media_type_id_fkey", []string{"media_type_id"}, "media_type", []string{"media_type_id"}),
			unitFK("track_genre_id_fkey", []string{"genre_id"}, "genre", []string{"genre_id"})),
		with(unitTable("playlist_track_rating", 40, []string{"rating_id"},
			unitInt("rating_id"), unitInt("playlist_id"), unitInt("track_id"), unitInt("stars")),
			unitFK("playlist_track_rating_fkey", []string{"playlist_id", "track_id"}, "playlist_track", []string{"playlist_id", "track_id"})),
		with(unitTable("employee_review", 30, []string{"review_id"},
			unitInt("review_id"), unitInt("employee_id"), unitInt("reviewer_id"), unitText("note")),
			unitFK("employee_review_employee_id_fkey", []string{"employee_id"}, "employee", []string{"employee_id"}),
			unitFK("employee_review_reviewer_id_fkey", []string{"reviewer_id"}, "employee", []string{"employee_id"})),
		with(unitTable("employee_photo", 6, []string{"employee_id"}, unitInt("employee_id"), unitBytea("photo")),
			unitFK("employee_photo_employee_id_fkey", []string{"employee_id"}, "employee", []string{"employee_id"})),
		unitTable("invoice_audit", 100, []string{"audit_id"}, unitBigint("audit_id"), unitBigint("invoice_ref"), unitText("note")),
		unitTable("newsletter", 70, []string{"newsletter_id"}, unitInt("newsletter_id"), unitText("customer_email"), unitText("topic")),
		country,
		unitTable("event_log", -1, nil, unitTimestamp("logged_at"), unitText("message")),
	}}
}

// unitProject wraps collections in an otherwise valid project document.
func unitProject(collections ...Collection) *Project {
	return &Project{Version: CurrentVersion, Name: "units", Source: Source{Type: "POSTGRESQL", Schemas: []string{"public"}},
		Collections: collections}
}

// unitRef names a table of the public schema.
func unitRef(name string) TableRef { return TableRef{Schema: "public", Name: name} }

// unitExclude returns field options that exclude the named columns.
func unitExclude(cols ...string) map[string]Field {
	m := make(map[string]Field, len(cols))
	for _, c := range cols {
		m[c] = Field{Exclude: true}
	}
	return m
}

// unitPlanText renders plans one line per table and per column so that a test states a whole
// plan compactly and a failure shows a readable diff. It prints every field of the plans except
// the catalog facts copied verbatim (DataType, Element, Scale), which TestResolveFullPlan checks.
func unitPlanText(plans []CollectionPlan) string {
	var b strings.Builder
	for _, p := range plans {
		staging := ""
		if p.Staging {
			staging = " staging"
		}
		fmt.Fprintf(&b, "%s %s%s\n", p.Name, p.KeyHandling, staging)
		unitTableText(&b, &p.Root, 1)
	}
	return b.String()
}

func unitTableText(b *strings.Builder, t *TablePlan, depth int) {
	ind := strings.Repeat("  ", depth)
	var head []string
	switch t.Kind {
	case KindEmbeddedArray:
		head = append(head, "ARRAY")
	case KindEmbeddedDocument:
		head = append(head, "DOC")
	case "":
	default:
		head = append(head, "kind="+t.Kind)
	}
	if len(t.Field) > 0 {
		head = append(head, "field="+strings.Join(t.Field, "."))
	}
	head = append(head, t.Table.String(), fmt.Sprintf("key=%v", t.KeyColumns), fmt.Sprintf("rows=%d", t.EstimatedRows))
	if t.Kind != "" {
		head = append(head, fmt.Sprintf("link=%v", t.LinkColumns), fmt.Sprintf("parent=%v", t.ParentColumns))
	}
	if len(t.Sort) > 0 {
		s := make([]string, len(t.Sort))
		for i, k := range t.Sort {
			s[i] = strings.TrimSpace(k.Column + " " + k.Order)
		}
		head = append(head, "sort=["+strings.Join(s, ", ")+"]")
	}
	if t.Limit != 0 {
		head = append(head, fmt.Sprintf("limit=%d", t.Limit))
	}
	for _, flag := range []struct {
		on   bool
		name string
	}{{t.Primitive, "primitive"}, {t.Merge, "merge"}, {t.Reverse, "reverse"}, {t.OmitEmpty, "omitEmpty"}} {
		if flag.on {
			head = append(head, flag.name)
		}
	}
	if t.Filter.WhereClause != "" {
		head = append(head, fmt.Sprintf("where=%q", t.Filter.WhereClause))
	}
	if t.Filter.RowCount != nil {
		head = append(head, fmt.Sprintf("rowCount=%d", *t.Filter.RowCount))
	}
	if len(t.TextColumns) > 0 {
		head = append(head, fmt.Sprintf("text=%v", t.TextColumns))
	}
	fmt.Fprintf(b, "%s%s\n", ind, strings.Join(head, " "))
	for _, c := range t.Columns {
		line := []string{c.Name, c.Kind.String()}
		if len(c.Output) > 0 {
			line = append(line, "->", strings.Join(c.Output, "."))
		}
		if c.KeyPart != 0 {
			line = append(line, fmt.Sprintf("key=%d", c.KeyPart), "id="+c.IDName)
		}
		if c.Override != "" {
			line = append(line, "override="+c.Override)
		}
		if c.OmitNull {
			line = append(line, "omitNull")
		}
		fmt.Fprintf(b, "%s  %s\n", ind, strings.Join(line, " "))
	}
	for i := range t.Embedded {
		unitTableText(b, &t.Embedded[i], depth+2)
	}
}

// unitDedent removes the common indentation of a raw-string expectation and its first newline.
func unitDedent(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if common < 0 || n < common {
			common = n
		}
	}
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, l[common:])
	}
	return strings.Join(out, "\n") + "\n"
}
