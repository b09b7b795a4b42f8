package apiserver

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/relmongo/relmongo/internal/project"
)

func TestTableFilterProblems(t *testing.T) {
	var p project.Project
	if err := json.Unmarshal([]byte(`{"version":1,"name":"p","source":{"type":"POSTGRESQL","schemas":["public"]},
	  "collections":[
	    {"name":"customers","table":{"schema":"public","name":"customer"},
	     "embedded":[{"kind":"EMBEDDED_DOCUMENT_ARRAY","field":"invoices","table":{"schema":"public","name":"invoice"},
	       "embedded":[{"kind":"EMBEDDED_DOCUMENT_ARRAY","field":"lines","table":{"schema":"public","name":"invoice_line"}}]}]},
	    {"name":"artists","table":{"schema":"public","name":"artist"}}]}`), &p); err != nil {
		t.Fatal(err)
	}
	f := func(tables ...string) map[string]map[string]project.TableFilter {
		out := map[string]map[string]project.TableFilter{}
		for i := 0; i < len(tables); i += 2 {
			if out[tables[i]] == nil {
				out[tables[i]] = map[string]project.TableFilter{}
			}
			out[tables[i]][tables[i+1]] = project.TableFilter{WhereClause: "1=1"}
		}
		return out
	}
	tests := []struct {
		name    string
		only    []string
		filters map[string]map[string]project.TableFilter
		want    []string
	}{
		{"none", nil, nil, nil},
		{"root and nested embedded tables", nil, f("public", "customer", "public", "invoice_line", "public", "artist"), nil},
		{"unknown tables, every one listed", nil, f("public", "nosuch", "sales", "customer", "public", "artist"), []string{
			"relationalTableFilters names public.nosuch, sales.customer, which are not tables of project P1 (its tables: public.artist, public.customer, public.invoice, public.invoice_line)"}},
		{"table outside collectionFilters", []string{"artists"}, f("public", "invoice"), []string{
			"relationalTableFilters names public.invoice, which is not migrated by this job: only collections outside collectionFilters [artists] read it; remove the filter or select a collection that reads the table"}},
		{"table of a selected collection", []string{"customers"}, f("public", "invoice"), nil},
		{"both", []string{"artists"}, f("public", "nosuch", "public", "customer"), []string{
			"relationalTableFilters names public.nosuch, which is not a table of project P1 (its tables: public.artist, public.customer, public.invoice, public.invoice_line)",
			"relationalTableFilters names public.customer, which is not migrated by this job: only collections outside collectionFilters [artists] read it; remove the filter or select a collection that reads the table"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tableFilterProblems(&p, "P1", tc.only, tc.filters)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
