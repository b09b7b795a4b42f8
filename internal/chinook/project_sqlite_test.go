package chinook

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/project"
)

var update = flag.Bool("update", false, "rewrite project_sqlite.json from project_postgres.json")

// sqliteTableNames maps Chinook's PostgreSQL table names to the SQLite script's.
var sqliteTableNames = map[string]string{
	"album": "Album", "artist": "Artist", "customer": "Customer", "employee": "Employee", "genre": "Genre",
	"invoice": "Invoice", "invoice_line": "InvoiceLine", "media_type": "MediaType", "playlist": "Playlist",
	"playlist_track": "PlaylistTrack", "track": "Track",
}

// pascal turns a PostgreSQL Chinook column name into the SQLite script's ("support_rep_id" ->
// "SupportRepId").
func pascal(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// sqliteConstraint renames a PostgreSQL foreign key to the name the SQLite source gives it
// (<Table>_<Column>_fkey), e.g. invoice_line_invoice_id_fkey -> InvoiceLine_InvoiceId_fkey. The
// longest table name that prefixes the constraint wins (invoice_line before invoice). Chinook's
// foreign keys all have one column.
func sqliteConstraint(t *testing.T, name string) string {
	t.Helper()
	best := ""
	for pgTable := range sqliteTableNames {
		if strings.HasPrefix(name, pgTable+"_") && len(pgTable) > len(best) {
			best = pgTable
		}
	}
	cols, ok := strings.CutSuffix(strings.TrimPrefix(name, best+"_"), "_fkey")
	if best == "" || !ok || cols == "" {
		t.Fatalf("cannot translate constraint %q; extend sqliteConstraint", name)
	}
	return sqliteTableNames[best] + "_" + pascal(cols) + "_fkey"
}

func sqliteFields(fields map[string]project.Field) map[string]project.Field {
	if fields == nil {
		return nil
	}
	out := make(map[string]project.Field, len(fields))
	for col, f := range fields {
		out[pascal(col)] = f
	}
	return out
}

func sqliteRef(t *testing.T, r project.TableRef) project.TableRef {
	t.Helper()
	name, ok := sqliteTableNames[r.Name]
	if !ok || r.Schema != "public" {
		t.Fatalf("table %s is not a Chinook table", r)
	}
	return project.TableRef{Schema: "main", Name: name}
}

func sqliteEmbedded(t *testing.T, es []project.Embedded) []project.Embedded {
	var out []project.Embedded
	for _, e := range es {
		e.Table = sqliteRef(t, e.Table)
		e.Fields = sqliteFields(e.Fields)
		if e.Via != nil {
			v := *e.Via
			if v.Constraint != "" {
				v.Constraint = sqliteConstraint(t, v.Constraint)
			}
			v.Columns = mapAll(v.Columns, pascal)
			v.References = mapAll(v.References, pascal)
			e.Via = &v
		}
		for i := range e.Sort {
			e.Sort[i].Column = pascal(e.Sort[i].Column)
		}
		e.Embedded = sqliteEmbedded(t, e.Embedded)
		out = append(out, e)
	}
	return out
}

func mapAll(in []string, f func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

// fromPostgres derives the SQLite project from the PostgreSQL one: same collections, fields,
// renames, overrides and embedding, with SQLite's names; same casing, so the same documents.
func fromPostgres(t *testing.T) project.Project {
	t.Helper()
	var p project.Project
	if err := json.Unmarshal(PostgresProject(), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.TableFilters) > 0 {
		t.Fatal("the PostgreSQL project has table filters: translate their whereClauses here")
	}
	p.Name = "chinook-sqlite"
	p.Description = "Chinook on SQLite as documents, the same mapping as the PostgreSQL demo project with SQLite's PascalCase names (generated from project_postgres.json: go test ./internal/chinook -run TestSQLiteProject -update). " +
		"CAMEL_CASE turns InvoiceLineId and invoice_line_id alike into invoiceLineId, so both sources give identical documents. " +
		"Prices and totals (NUMERIC(10,2), stored by SQLite as REAL 0.99) are overridden to STRING, which keeps their text at the declared scale (\"0.99\", \"2.00\") because the embedded demo target (FerretDB) cannot store Decimal128; against MongoDB, remove the overrides to get Decimal128."
	p.Source = project.Source{Type: "SQLITE", Schemas: []string{"main"}}
	for i := range p.Collections {
		c := &p.Collections[i]
		c.Table = sqliteRef(t, c.Table)
		c.Fields = sqliteFields(c.Fields)
		c.Embedded = sqliteEmbedded(t, c.Embedded)
	}
	return p
}

func TestSQLiteProjectMirrorsPostgres(t *testing.T) {
	want := fromPostgres(t)
	if *update {
		b, err := json.MarshalIndent(&want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("project_sqlite.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var got project.Project
	dec := json.NewDecoder(bytes.NewReader(SQLiteProject()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("project_sqlite.json: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		w, _ := json.MarshalIndent(&want, "", "  ")
		t.Fatalf("project_sqlite.json is out of step with project_postgres.json; regenerate it with\n  go test ./internal/chinook -run TestSQLiteProject -update\nwant:\n%s", w)
	}
	if ps := got.Validate(); len(ps) > 0 {
		t.Fatalf("project_sqlite.json does not validate: %v", ps)
	}
}

func TestPascal(t *testing.T) {
	for in, want := range map[string]string{"support_rep_id": "SupportRepId", "billing_postal_code": "BillingPostalCode", "bytes": "Bytes", "reports_to": "ReportsTo"} {
		if got := pascal(in); got != want {
			t.Errorf("pascal(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"invoice_line_invoice_id_fkey": "InvoiceLine_InvoiceId_fkey", "invoice_customer_id_fkey": "Invoice_CustomerId_fkey",
		"playlist_track_track_id_fkey": "PlaylistTrack_TrackId_fkey", "employee_reports_to_fkey": "Employee_ReportsTo_fkey",
		"track_media_type_id_fkey": "Track_MediaTypeId_fkey",
	} {
		if got := sqliteConstraint(t, in); got != want {
			t.Errorf("sqliteConstraint(%q) = %q, want %q", in, got, want)
		}
	}
}
