package sqlserver

import (
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/convert"
)

func TestCatalogTypeAndKind(t *testing.T) {
	cases := []struct {
		name                        string
		maxLength, precision, scale int
		collation                   string
		wantType                    string
		wantKind                    convert.Kind
		wantScale                   int
	}{
		{"tinyint", 1, 3, 0, "", "tinyint", convert.KindInt32, -1},
		{"smallint", 2, 5, 0, "", "smallint", convert.KindInt32, -1},
		{"int", 4, 10, 0, "", "int", convert.KindInt32, -1},
		{"bigint", 8, 19, 0, "", "bigint", convert.KindInt64, -1},
		{"decimal", 17, 38, 13, "", "decimal(38,13)", convert.KindDecimal, 13},
		{"numeric", 9, 10, 2, "", "numeric(10,2)", convert.KindDecimal, 2},
		{"money", 8, 19, 4, "", "money", convert.KindDecimal, 4},
		{"smallmoney", 4, 10, 4, "", "smallmoney", convert.KindDecimal, 4},
		{"float", 8, 53, 0, "", "float", convert.KindDouble, -1},
		{"real", 4, 24, 0, "", "real", convert.KindDouble, -1},
		{"bit", 1, 1, 0, "", "bit", convert.KindBool, -1},
		{"char", 10, 0, 0, "Latin1_General_CI_AS", "char(10) COLLATE Latin1_General_CI_AS", convert.KindString, -1},
		{"varchar", -1, 0, 0, "SQL_Latin1_General_CP1_CI_AS", "varchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS", convert.KindString, -1},
		{"nchar", 20, 0, 0, "Latin1_General_CI_AS", "nchar(10) COLLATE Latin1_General_CI_AS", convert.KindString, -1},
		{"nvarchar", 240, 0, 0, "Latin1_General_CI_AS", "nvarchar(120) COLLATE Latin1_General_CI_AS", convert.KindString, -1},
		{"nvarchar", -1, 0, 0, "Latin1_General_CI_AS", "nvarchar(max) COLLATE Latin1_General_CI_AS", convert.KindString, -1},
		{"text", 16, 0, 0, "Latin1_General_CI_AS", "text COLLATE Latin1_General_CI_AS", convert.KindString, -1},
		{"ntext", 16, 0, 0, "Latin1_General_CI_AS", "ntext COLLATE Latin1_General_CI_AS", convert.KindString, -1},
		{"xml", -1, 0, 0, "", "xml", convert.KindString, -1},
		{"binary", 8, 0, 0, "", "binary(8)", convert.KindBinary, -1},
		{"varbinary", -1, 0, 0, "", "varbinary(max)", convert.KindBinary, -1},
		{"image", 16, 0, 0, "", "image", convert.KindBinary, -1},
		{"timestamp", 8, 0, 0, "", "rowversion", convert.KindBinary, -1},
		{"uniqueidentifier", 16, 0, 0, "", "uniqueidentifier", convert.KindUUID, -1},
		{"date", 3, 10, 0, "", "date", convert.KindDate, -1},
		{"datetime", 8, 23, 3, "", "datetime", convert.KindTimestamp, -1},
		{"datetime2", 8, 27, 7, "", "datetime2(7)", convert.KindTimestamp, -1},
		{"smalldatetime", 4, 16, 0, "", "smalldatetime", convert.KindTimestamp, -1},
		{"datetimeoffset", 10, 34, 7, "", "datetimeoffset(7)", convert.KindTimestampTZ, -1},
		{"time", 5, 16, 7, "", "time(7)", convert.KindTime, -1},
		{"hierarchyid", 892, 0, 0, "", "hierarchyid", convert.KindString, -1},
		{"geography", -1, 0, 0, "", "geography", convert.KindString, -1},
		{"geometry", -1, 0, 0, "", "geometry", convert.KindString, -1},
		{"sql_variant", 8016, 0, 0, "", "sql_variant", convert.KindString, -1},
		{"json", -1, 0, 0, "", "json", convert.KindText, -1},
	}
	for _, tc := range cases {
		ts := catalogType(tc.name, tc.maxLength, tc.precision, tc.scale, tc.collation)
		if ts.String() != tc.wantType {
			t.Errorf("%s: DataType %q, want %q", tc.name, ts.String(), tc.wantType)
		}
		back, err := parseType(ts.String())
		if err != nil || back != ts {
			t.Errorf("%s: parseType(%q) = %+v, %v; want %+v", tc.name, ts.String(), back, err, ts)
		}
		k, s := kindOf(ts)
		if k != tc.wantKind || s != tc.wantScale {
			t.Errorf("%s: kind %s scale %d, want %s %d", tc.name, k, s, tc.wantKind, tc.wantScale)
		}
	}
}

func TestParseTypeRefusesInjection(t *testing.T) {
	for _, bad := range []string{
		"", "int)", "varchar(10", "varchar(1,2,3)", "varchar(x)", "int; DROP TABLE t",
		"varchar(10) COLLATE x; DROP", "varchar(10) COLLATE ", "decimal(38,13) --", "[int]",
	} {
		if ts, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q) = %+v, want an error", bad, ts)
		}
	}
}

func TestSchemaParams(t *testing.T) {
	in, args, err := schemaParams(nil)
	if err != nil || in != "@p1" || len(args) != 1 || args[0] != "dbo" {
		t.Errorf("default schema: %q %v %v", in, args, err)
	}
	in, args, err = schemaParams([]string{"dbo", "Sales]x"})
	if err != nil || in != "@p1, @p2" || args[1] != "Sales]x" {
		t.Errorf("two schemas: %q %v %v", in, args, err)
	}
	if _, _, err := schemaParams(make([]string, maxSchemas+1)); err == nil {
		t.Error("more schemas than parameters accepted")
	}
}

func TestIsolationWarning(t *testing.T) {
	if w := isolationWarning("Chinook", true, false); w != "" {
		t.Errorf("SNAPSHOT allowed but warned: %s", w)
	}
	w := isolationWarning("Chi]nook", false, false)
	for _, want := range []string{"READ COMMITTED", "ALLOW_SNAPSHOT_ISOLATION ON", "[Chi]]nook]", "wait for writers"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if w := isolationWarning("x", false, true); strings.Contains(w, "wait for writers") {
		t.Errorf("READ_COMMITTED_SNAPSHOT on, yet: %s", w)
	}
}
