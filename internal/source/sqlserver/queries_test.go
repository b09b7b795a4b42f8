package sqlserver

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
)

const sqlColl = "SQL_Latin1_General_CP1_CI_AS"

// orderLines is a table whose names need quoting (a ']', spaces, Unicode) with a composite key
// of an int and an SQL_-collated varchar.
func orderLines() project.TablePlan {
	return project.TablePlan{
		Table: project.TableRef{Schema: "sales data", Name: "Order]Lines"},
		Columns: []project.ColumnPlan{
			{Name: "Order Id", DataType: "int", Kind: convert.KindInt32, KeyPart: 1},
			{Name: "Code", DataType: "varchar(20) COLLATE " + sqlColl, Kind: convert.KindString, KeyPart: 2},
			{Name: "Größe", DataType: "nvarchar(40) COLLATE Latin1_General_100_CI_AS_SC", Kind: convert.KindString, Output: []string{"größe"}},
			{Name: "Amount", DataType: "decimal(38,13)", Kind: convert.KindDecimal, Scale: 13, Output: []string{"amount"}},
		},
		KeyColumns: []string{"Order Id", "Code"},
	}
}

func rowCount(n int64) *int64 { return &n }

func TestQuoteIdent(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Album", "[Album]"},
		{"Order Lines", "[Order Lines]"},
		{"a]b", "[a]]b]"},
		{"]]", "[]]]]]"},
		{"Größe", "[Größe]"},
		{"[x]", "[[x]]]"},
		{"", "[]"},
	}
	for _, tc := range cases {
		if got := quoteIdent(tc.in); got != tc.want {
			t.Errorf("quoteIdent(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := quoteTable("my schema", "t]1"); got != "[my schema].[t]]1]" {
		t.Errorf("quoteTable = %s", got)
	}
}

func TestRangeQuery(t *testing.T) {
	const cols = "[Order Id], [Code], [Größe], [Amount]"
	const from = " FROM [sales data].[Order]]Lines]"
	const lower = "([Order Id] >= CAST(@p1 AS int) AND (([Order Id] > CAST(@p1 AS int)) OR ([Order Id] = CAST(@p1 AS int) AND [Code] > CAST(@p2 COLLATE " + sqlColl + " AS varchar(20)))))"
	const upper = "([Order Id] <= CAST(@p3 AS int) AND (([Order Id] < CAST(@p3 AS int)) OR ([Order Id] = CAST(@p3 AS int) AND [Code] <= CAST(@p4 COLLATE " + sqlColl + " AS varchar(20)))))"
	const order = " ORDER BY [Order Id], [Code]"
	cases := []struct {
		name         string
		edit         func(*project.TablePlan)
		lower, upper []string
		want         string
		args         []any
	}{
		{name: "whole table", want: "SELECT " + cols + from + order},
		{name: "composite lower and upper", lower: []string{"7", "abc"}, upper: []string{"9", "Zé"},
			want: "SELECT " + cols + from + " WHERE " + lower + " AND " + upper + order,
			args: []any{"7", "abc", "9", "Zé"}},
		{name: "upper only", upper: []string{"9", "Zé"},
			want: "SELECT " + cols + from + " WHERE " + strings.ReplaceAll(strings.ReplaceAll(upper, "@p3", "@p1"), "@p4", "@p2") + order,
			args: []any{"9", "Zé"}},
		{name: "filter", lower: []string{"7", "abc"},
			edit: func(p *project.TablePlan) { p.Filter.WhereClause = "[Amount] > 0 -- positive" },
			want: "SELECT " + cols + from + " WHERE " + lower + " AND ([Amount] > 0 -- positive\n)" + order,
			args: []any{"7", "abc"}},
		{name: "rowCount with filter", lower: []string{"7", "abc"},
			edit: func(p *project.TablePlan) {
				p.Filter.WhereClause = "[Amount] > 0"
				p.Filter.RowCount = rowCount(100)
			},
			want: "SELECT " + cols + " FROM (SELECT TOP (100) " + cols + " FROM [sales data].[Order]]Lines] WHERE ([Amount] > 0\n) ORDER BY [Order Id], [Code]) AS [Order]]Lines]" +
				" WHERE " + lower + order,
			args: []any{"7", "abc"}},
		{name: "text columns after the columns",
			edit: func(p *project.TablePlan) { p.TextColumns = []string{"Order Id", "Code"} },
			want: "SELECT " + cols + ", CONVERT(nvarchar(64), [Order Id]), CONVERT(nvarchar(max), [Code])" + from + order},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := orderLines()
			if tc.edit != nil {
				tc.edit(&p)
			}
			q, args, codecs, err := rangeQuery(p, tc.lower, tc.upper)
			if err != nil {
				t.Fatal(err)
			}
			if q != tc.want {
				t.Errorf("query\n got %s\nwant %s", q, tc.want)
			}
			if !reflect.DeepEqual(args, tc.args) {
				t.Errorf("args %v, want %v", args, tc.args)
			}
			if len(codecs) != len(p.Columns)+len(p.TextColumns) {
				t.Errorf("%d codecs", len(codecs))
			}
		})
	}
}

func TestRangeQuerySingleKey(t *testing.T) {
	p := project.TablePlan{
		Table:      project.TableRef{Schema: "dbo", Name: "Album"},
		Columns:    []project.ColumnPlan{{Name: "AlbumId", DataType: "int"}, {Name: "Title", DataType: "nvarchar(160) COLLATE Latin1_General_CI_AS"}},
		KeyColumns: []string{"AlbumId"},
	}
	q, args, _, err := rangeQuery(p, []string{"10"}, []string{"20"})
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT [AlbumId], [Title] FROM [dbo].[Album] WHERE [AlbumId] > CAST(@p1 AS int) AND [AlbumId] <= CAST(@p2 AS int) ORDER BY [AlbumId]"
	if q != want || !reflect.DeepEqual(args, []any{"10", "20"}) {
		t.Errorf("got %s %v\nwant %s", q, args, want)
	}
}

func TestPlanQuery(t *testing.T) {
	p := orderLines()
	q, args, err := planQuery(p, nil, 500)
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT CONVERT(nvarchar(64), [Order Id]), CONVERT(nvarchar(max), [Code]) FROM [sales data].[Order]]Lines] ORDER BY [Order Id], [Code] OFFSET 499 ROWS FETCH NEXT 1 ROWS ONLY"
	if q != want || len(args) != 0 {
		t.Errorf("first boundary\n got %s %v\nwant %s", q, args, want)
	}
	p.Filter.RowCount = rowCount(1000)
	q, args, err = planQuery(p, []string{"3", "x"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want = "SELECT CONVERT(nvarchar(64), [Order Id]), CONVERT(nvarchar(max), [Code]) FROM (SELECT TOP (1000) [Order Id], [Code], [Größe], [Amount] FROM [sales data].[Order]]Lines] ORDER BY [Order Id], [Code]) AS [Order]]Lines]" +
		" WHERE ([Order Id] >= CAST(@p1 AS int) AND (([Order Id] > CAST(@p1 AS int)) OR ([Order Id] = CAST(@p1 AS int) AND [Code] > CAST(@p2 COLLATE " + sqlColl + " AS varchar(20)))))" +
		" ORDER BY [Order Id], [Code] OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY"
	if q != want || !reflect.DeepEqual(args, []any{"3", "x"}) {
		t.Errorf("next boundary with rowCount\n got %s %v\nwant %s", q, args, want)
	}
	if _, _, err := planQuery(p, nil, 0); err == nil {
		t.Error("chunkRows 0 accepted")
	}
	p.KeyColumns = nil
	if _, _, err := planQuery(p, nil, 10); err == nil {
		t.Error("a keyless table planned")
	}
}

func TestCountQuery(t *testing.T) {
	p := orderLines()
	cases := []struct {
		name string
		edit func(*project.TablePlan)
		want string
	}{
		{"plain", nil, "SELECT COUNT_BIG(*) FROM [sales data].[Order]]Lines]"},
		{"filter", func(p *project.TablePlan) { p.Filter.WhereClause = "Code LIKE 'a%'" },
			"SELECT COUNT_BIG(*) FROM [sales data].[Order]]Lines] WHERE (Code LIKE 'a%'\n)"},
		{"rowCount 0", func(p *project.TablePlan) { p.Filter.RowCount = rowCount(0) },
			"SELECT COUNT_BIG(*) FROM (SELECT TOP (0) [Order Id], [Code], [Größe], [Amount] FROM [sales data].[Order]]Lines] ORDER BY [Order Id], [Code]) AS [Order]]Lines]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pp := p
			if tc.edit != nil {
				tc.edit(&pp)
			}
			q, _, err := countQuery(pp)
			if err != nil || q != tc.want {
				t.Errorf("got %s, %v\nwant %s", q, err, tc.want)
			}
		})
	}
}

func TestFilterRefused(t *testing.T) {
	p := orderLines()
	p.Filter.WhereClause = "1=1; DELETE FROM x"
	if _, _, _, err := rangeQuery(p, nil, nil); err == nil || !strings.Contains(err.Error(), "single SQL expression") {
		t.Errorf("rangeQuery: %v", err)
	}
	if _, _, err := countQuery(p); err == nil {
		t.Error("countQuery accepted two statements")
	}
	if _, _, err := planQuery(p, nil, 10); err == nil {
		t.Error("planQuery accepted two statements")
	}
	p.Filter.WhereClause = "1=1) DELETE FROM x WHERE (1=1"
	if _, _, _, err := rangeQuery(p, nil, nil); err == nil {
		t.Error("rangeQuery accepted an escaped parenthesis")
	}
}

func TestByKeysQuery(t *testing.T) {
	p := project.TablePlan{
		Table: project.TableRef{Schema: "dbo", Name: "Invoice Line"},
		Columns: []project.ColumnPlan{
			{Name: "InvoiceLineId", DataType: "int"},
			{Name: "InvoiceId", DataType: "int"},
			{Name: "Region", DataType: "varchar(10) COLLATE " + sqlColl},
			{Name: "Ref", DataType: "uniqueidentifier"},
		},
		KeyColumns:  []string{"InvoiceLineId"},
		LinkColumns: []string{"InvoiceId", "Region"},
		TextColumns: []string{"InvoiceId", "Region"},
		Sort:        []project.SortKey{{Column: "Ref", Order: "DESC"}, {Column: "InvoiceId"}},
	}
	keys := make([][]string, 5000)
	for i := range keys {
		keys[i] = []string{"1", "été"}
	}
	q, args, codecs, err := byKeysQuery(p, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT [InvoiceLineId], [InvoiceId], [Region], [Ref], CONVERT(nvarchar(64), [InvoiceId]), CONVERT(nvarchar(max), [Region])" +
		" FROM [dbo].[Invoice Line]" +
		" JOIN (SELECT DISTINCT CAST([relmongo_k0] AS int) AS [relmongo_k0], CAST([relmongo_k1] COLLATE " + sqlColl + " AS varchar(10)) AS [relmongo_k1]" +
		" FROM OPENJSON(@p1) WITH ([relmongo_k0] nvarchar(max) '$[0]', [relmongo_k1] nvarchar(max) '$[1]') AS [relmongo_json]) AS [relmongo_keys]" +
		" ON [InvoiceId] = [relmongo_keys].[relmongo_k0] AND [Region] = [relmongo_keys].[relmongo_k1]" +
		" ORDER BY [InvoiceId], [Region], [Ref] DESC, [InvoiceLineId]"
	if q != want {
		t.Errorf("query\n got %s\nwant %s", q, want)
	}
	// Thousands of keys are one parameter (SQL Server allows 2,100).
	if len(args) != 1 {
		t.Fatalf("%d parameters, want 1", len(args))
	}
	var back [][]string
	if err := json.Unmarshal([]byte(args[0].(string)), &back); err != nil || !reflect.DeepEqual(back, keys) {
		t.Errorf("the JSON parameter does not hold the keys: %v", err)
	}
	if len(codecs) != 6 {
		t.Errorf("%d codecs", len(codecs))
	}

	p.Filter.WhereClause = "[Region] <> 'x'"
	q, _, _, err = byKeysQuery(p, keys[:1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q, "AS [relmongo_keys] ON [InvoiceId] = [relmongo_keys].[relmongo_k0] AND [Region] = [relmongo_keys].[relmongo_k1] WHERE ([Region] <> 'x'\n) ORDER BY") {
		t.Errorf("filter not applied: %s", q)
	}
	if _, _, _, err := byKeysQuery(p, [][]string{{"1"}}); err == nil {
		t.Error("a key of the wrong width accepted")
	}
}

func TestKeyTypesRefused(t *testing.T) {
	p := project.TablePlan{
		Table:      project.TableRef{Schema: "dbo", Name: "Docs"},
		Columns:    []project.ColumnPlan{{Name: "Body", DataType: "xml"}},
		KeyColumns: []string{"Body"},
	}
	if _, _, err := planQuery(p, []string{"<a/>"}, 10); err == nil || !strings.Contains(err.Error(), "cannot be a key") {
		t.Errorf("xml key: %v", err)
	}
	p.Columns[0].DataType = "int; DROP TABLE x"
	if _, _, err := planQuery(p, nil, 10); err == nil {
		t.Error("a data type that is not one was spliced into SQL")
	}
	p.Columns[0].DataType = "varchar(10) COLLATE Latin1_General_CI_AS; DROP TABLE x"
	if _, _, err := planQuery(p, []string{"a"}, 10); err == nil {
		t.Error("a collation that is not one was spliced into SQL")
	}
	p.KeyColumns = []string{"Missing"}
	if _, _, err := planQuery(p, nil, 10); err == nil {
		t.Error("a key column outside the plan accepted")
	}
}

func TestParamAndTextExprs(t *testing.T) {
	cases := []struct {
		dataType, text, param string
	}{
		{"int", "CONVERT(nvarchar(64), [c])", "CAST(@p1 AS int)"},
		{"bigint", "CONVERT(nvarchar(64), [c])", "CAST(@p1 AS bigint)"},
		{"decimal(38,13)", "CONVERT(nvarchar(64), [c])", "CAST(@p1 AS decimal(38,13))"},
		{"money", "CONVERT(nvarchar(64), [c], 2)", "CAST(@p1 AS money)"},
		{"float", "CONVERT(nvarchar(64), [c], 3)", "CAST(@p1 AS float)"},
		{"uniqueidentifier", "CONVERT(nvarchar(36), [c])", "CAST(@p1 AS uniqueidentifier)"},
		{"varchar(50) COLLATE " + sqlColl, "CONVERT(nvarchar(max), [c])", "CAST(@p1 COLLATE " + sqlColl + " AS varchar(50))"},
		{"nvarchar(max) COLLATE Latin1_General_CS_AS", "CONVERT(nvarchar(max), [c])", "CAST(@p1 COLLATE Latin1_General_CS_AS AS nvarchar(max))"},
		{"nchar(10)", "CONVERT(nvarchar(max), [c])", "CAST(@p1 AS nchar(10))"},
		{"date", "CONVERT(nvarchar(10), [c], 23)", "CAST(@p1 AS date)"},
		{"datetime", "CONVERT(nvarchar(40), [c], 121)", "CONVERT(datetime, @p1, 121)"},
		{"datetime2(7)", "CONVERT(nvarchar(40), [c], 121)", "CONVERT(datetime2(7), @p1, 121)"},
		{"datetimeoffset(7)", "CONVERT(nvarchar(40), [c], 121)", "CONVERT(datetimeoffset(7), @p1, 121)"},
		{"time(7)", "CONVERT(nvarchar(20), [c])", "CAST(@p1 AS time(7))"},
		{"varbinary(16)", "CONVERT(nvarchar(max), [c], 1)", "CONVERT(varbinary(16), @p1, 1)"},
		{"rowversion", "CONVERT(nvarchar(max), [c], 1)", "CONVERT(binary(8), @p1, 1)"},
		{"hierarchyid", "[c].ToString()", "CAST(@p1 AS hierarchyid)"},
	}
	for _, tc := range cases {
		ts, err := parseType(tc.dataType)
		if err != nil {
			t.Errorf("%s: %v", tc.dataType, err)
			continue
		}
		if ts.String() != tc.dataType {
			t.Errorf("parseType(%q).String() = %q", tc.dataType, ts.String())
		}
		if got := textExpr(ts, "[c]"); got != tc.text {
			t.Errorf("%s: text %s, want %s", tc.dataType, got, tc.text)
		}
		got, err := paramExpr(ts, "@p1")
		if err != nil || got != tc.param {
			t.Errorf("%s: param %s %v, want %s", tc.dataType, got, err, tc.param)
		}
	}
}
