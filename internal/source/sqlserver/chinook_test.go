package sqlserver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
)

// chinookCatalog builds, from Chinook_SqlServer.sql, the catalog Introspect reads once the
// script has run (the database default collation assumed SQL_Latin1_General_CP1_CI_AS), so the
// SQL Server demo project can be checked here without a server.
func chinookCatalog(t *testing.T) *schema.Catalog {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "chinook", "Chinook_SqlServer.sql"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	tableRe := regexp.MustCompile(`(?s)CREATE TABLE \[dbo\]\.\[(\w+)\]\s*\((.*?)\n\);`)
	colRe := regexp.MustCompile(`^\s*\[(\w+)\] (\w+)(?:\((\d+)(?:,(\d+))?\))?( NOT NULL)?,?$`)
	pkRe := regexp.MustCompile(`PRIMARY KEY (?:NON)?CLUSTERED \(([^)]*)\)`)
	fkRe := regexp.MustCompile(`ALTER TABLE \[dbo\]\.\[(\w+)\] ADD CONSTRAINT \[(\w+)\]\s+FOREIGN KEY \(([^)]*)\) REFERENCES \[dbo\]\.\[(\w+)\] \(([^)]*)\)`)
	names := func(list string) []string {
		var out []string
		for _, n := range strings.Split(list, ",") {
			out = append(out, strings.Trim(strings.TrimSpace(n), "[]"))
		}
		return out
	}
	cat := &schema.Catalog{}
	for _, m := range tableRe.FindAllStringSubmatch(script, -1) {
		tbl := schema.Table{Schema: "dbo", Name: m[1], EstimatedRows: -1}
		for _, line := range strings.Split(m[2], "\n") {
			if pk := pkRe.FindStringSubmatch(line); pk != nil {
				tbl.PrimaryKey = names(pk[1])
				continue
			}
			c := colRe.FindStringSubmatch(line)
			if c == nil {
				continue
			}
			n1, _ := strconv.Atoi(c[3])
			n2, _ := strconv.Atoi(c[4])
			typ := strings.ToLower(c[2])
			maxLength, precision, scale := n1, 0, 0
			switch typ {
			case "nvarchar", "nchar":
				maxLength = 2 * n1
			case "numeric", "decimal":
				precision, scale = n1, n2
			}
			collation := ""
			if isCharType(typ) {
				collation = "SQL_Latin1_General_CP1_CI_AS"
			}
			ts := catalogType(typ, maxLength, precision, scale, collation)
			kind, dscale := kindOf(ts)
			tbl.Columns = append(tbl.Columns, schema.Column{Name: c[1], DataType: ts.String(), Kind: kind, Nullable: c[5] == "", Scale: dscale})
		}
		cat.Tables = append(cat.Tables, tbl)
	}
	for _, m := range fkRe.FindAllStringSubmatch(script, -1) {
		tbl, ok := cat.Table("dbo", m[1])
		if !ok {
			t.Fatalf("foreign key %s on unknown table %s", m[2], m[1])
		}
		tbl.ForeignKeys = append(tbl.ForeignKeys, schema.ForeignKey{Name: m[2], Columns: names(m[3]), RefSchema: "dbo", RefTable: m[4], RefColumns: names(m[5])})
	}
	if len(cat.Tables) != 11 {
		t.Fatalf("parsed %d Chinook tables, want 11", len(cat.Tables))
	}
	return cat
}

// TestChinookProjectResolves checks project_sqlserver.json against the Chinook catalog and runs
// the dialect's query builders over every table of every resolved plan.
func TestChinookProjectResolves(t *testing.T) {
	cat := chinookCatalog(t)
	doc, err := os.ReadFile(filepath.Join("..", "..", "chinook", "project_sqlserver.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p project.Project
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	if ps := p.Validate(); len(ps) > 0 {
		t.Fatalf("project_sqlserver.json is invalid: %v", ps)
	}
	plans, ps := project.Resolve(&p, cat, nil, nil)
	if len(ps) > 0 {
		t.Fatalf("project_sqlserver.json does not resolve against Chinook: %v", ps)
	}
	var walk func(tp *project.TablePlan)
	walk = func(tp *project.TablePlan) {
		if len(tp.LinkColumns) > 0 {
			q, args, _, err := byKeysQuery(*tp, [][]string{make([]string, len(tp.LinkColumns))})
			if err != nil || len(args) != 1 || !strings.Contains(q, "OPENJSON(@p1)") {
				t.Errorf("%s by keys: %s %v", tp.Table, q, err)
			}
		}
		for i := range tp.Embedded {
			walk(&tp.Embedded[i])
		}
	}
	for i := range plans {
		root := plans[i].Root
		bound := make([]string, len(root.KeyColumns))
		if _, _, _, err := rangeQuery(root, bound, bound); err != nil {
			t.Errorf("%s: %v", plans[i].Name, err)
		}
		if _, _, err := planQuery(root, nil, 100); err != nil {
			t.Errorf("%s: %v", plans[i].Name, err)
		}
		walk(&plans[i].Root)
	}
	// The documents must be those of the PostgreSQL project: same collections, camelCase fields.
	pgDoc, err := os.ReadFile(filepath.Join("..", "..", "chinook", "project_postgres.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pg project.Project
	if err := json.Unmarshal(pgDoc, &pg); err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, c := range pg.Collections {
		want = append(want, c.Name)
	}
	for _, pl := range plans {
		got = append(got, pl.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("collections %v, want %v", got, want)
	}
	for _, c := range plans[2].Root.Columns {
		for _, part := range c.Output {
			if part != "" && strings.ToLower(part[:1]) != part[:1] {
				t.Errorf("invoices field %v is not camelCase", c.Output)
			}
		}
	}
}
