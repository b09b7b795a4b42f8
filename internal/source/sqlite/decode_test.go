package sqlite

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"

	"github.com/relmongo/relmongo/internal/convert"
)

// extJSON converts v as a value of a column declared `declared` and renders {"v": value} as
// canonical Extended JSON, or returns the record error's text.
func extJSON(t *testing.T, declared, override string, v any, loc *time.Location) (string, string) {
	t.Helper()
	c := columnOf(declared)
	val := decode(c, c.kind, v)
	got, _, err := convert.Value(convert.Column{Name: "c", Kind: c.kind, Scale: c.scale, Override: override}, val, convert.Options{Location: loc})
	if err != nil {
		var ce *convert.Error
		if !errors.As(err, &ce) {
			t.Fatalf("%s %v: want a record error or a value, got %v", declared, v, err)
		}
		return "", err.Error()
	}
	doc := bsoncore.BuildDocument(nil, bsoncore.AppendValueElement(nil, "v", got))
	b, err := bson.MarshalExtJSON(bson.Raw(doc), true, false)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), ""
}

func TestColumnOf(t *testing.T) {
	cases := []struct {
		declared string
		rule     rule
		kind     convert.Kind
		scale    int
	}{
		{"INTEGER", ruleInteger, convert.KindInt64, -1},
		{"int", ruleInteger, convert.KindInt64, -1},
		{"UNSIGNED BIG INT", ruleInteger, convert.KindInt64, -1},
		{"TINYINT(1)", ruleInteger, convert.KindInt64, -1},
		{"NVARCHAR(160)", ruleText, convert.KindString, -1},
		{"CLOB", ruleText, convert.KindString, -1},
		{"BLOB", ruleBlob, convert.KindBinary, -1},
		{"", ruleBlob, convert.KindBinary, -1},
		{"ANY", ruleOther, convert.KindString, -1},
		{"REAL", ruleReal, convert.KindDouble, -1},
		{"DOUBLE PRECISION", ruleReal, convert.KindDouble, -1},
		{"FLOAT", ruleReal, convert.KindDouble, -1},
		{"NUMERIC(10,2)", ruleDecimal, convert.KindDecimal, 2},
		{"decimal( 12 , 4 )", ruleDecimal, convert.KindDecimal, 4},
		{"DECIMAL(10)", ruleDecimal, convert.KindDecimal, 0},
		{"NUMERIC", ruleDecimal, convert.KindDecimal, -1},
		{"DATE", ruleDate, convert.KindDate, -1},
		{"DATETIME", ruleDateTime, convert.KindTimestamp, -1},
		{"TIMESTAMP", ruleDateTime, convert.KindTimestamp, -1},
		{"BOOLEAN", ruleBool, convert.KindBool, -1},
		{"MONEY", ruleOther, convert.KindString, -1},
		{"POINT", ruleInteger, convert.KindInt64, -1}, // SQLite's rule 1: "POINT" contains "INT"
		{"DATETEXT", ruleText, convert.KindString, -1},
	}
	for _, tc := range cases {
		t.Run(tc.declared, func(t *testing.T) {
			c := columnOf(tc.declared)
			if c.rule != tc.rule || c.kind != tc.kind || c.scale != tc.scale {
				t.Fatalf("columnOf(%q) = %+v, want rule %d kind %s scale %d", tc.declared, c, tc.rule, tc.kind, tc.scale)
			}
		})
	}
}

// TestPolicy checks TYPES.md's SQLite row value by value: the declared type's rule when the
// value fits it, the value's own storage class otherwise, a record error when neither is exact.
func TestPolicy(t *testing.T) {
	tenth, fifth := 0.1, 0.2
	pointThree := tenth + fifth // 0.30000000000000004 (a constant expression would be exact)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		declared string
		override string
		v        any
		loc      *time.Location
		want     string
		errSub   string
	}{
		{name: "integer in int32 range", declared: "INTEGER", v: int64(42), want: `{"v":{"$numberInt":"42"}}`},
		{name: "integer min int32", declared: "INTEGER", v: int64(math.MinInt32), want: `{"v":{"$numberInt":"-2147483648"}}`},
		{name: "integer beyond int32", declared: "INTEGER", v: int64(math.MaxInt32) + 1, want: `{"v":{"$numberLong":"2147483648"}}`},
		{name: "integer max int64", declared: "BIGINT", v: int64(math.MaxInt64), want: `{"v":{"$numberLong":"9223372036854775807"}}`},
		{name: "real in integer column", declared: "INTEGER", v: 2.5, want: `{"v":{"$numberDouble":"2.5"}}`},
		{name: "text in integer column", declared: "INTEGER", v: "n/a", want: `{"v":"n/a"}`},
		{name: "blob in integer column", declared: "INTEGER", v: []byte{0xde, 0xad}, want: `{"v":{"$binary":{"base64":"3q0=","subType":"00"}}}`},
		{name: "invalid UTF-8 text is a record error", declared: "INTEGER", v: "a\xffb", errSub: "UTF-8"},
		{name: "real", declared: "REAL", v: 0.1, want: `{"v":{"$numberDouble":"0.1"}}`},
		{name: "integral real stored as integer", declared: "REAL", v: int64(3), want: `{"v":{"$numberDouble":"3.0"}}`},
		{name: "huge integer in real column", declared: "REAL", v: int64(1)<<60 + 1, want: `{"v":{"$numberLong":"1152921504606846977"}}`},
		{name: "infinity in real column", declared: "REAL", v: math.Inf(-1), want: `{"v":{"$numberDouble":"-Infinity"}}`},
		{name: "text", declared: "NVARCHAR(40)", v: "Grétrystraat 63 ✓", want: `{"v":"Grétrystraat 63 ✓"}`},
		{name: "numeric-looking text stays text", declared: "TEXT", v: "0171", want: `{"v":"0171"}`},
		{name: "empty text", declared: "TEXT", v: "", want: `{"v":""}`},
		{name: "blob in text column", declared: "TEXT", v: []byte("x"), want: `{"v":{"$binary":{"base64":"eA==","subType":"00"}}}`},
		{name: "blob", declared: "BLOB", v: []byte{1, 2, 3}, want: `{"v":{"$binary":{"base64":"AQID","subType":"00"}}}`},
		{name: "empty blob is empty binary", declared: "BLOB", v: []byte{}, want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`},
		{name: "integer in untyped column", declared: "", v: int64(7), want: `{"v":{"$numberInt":"7"}}`},
		{name: "text in untyped column", declared: "", v: "7", want: `{"v":"7"}`},
		{name: "decimal real padded to scale", declared: "NUMERIC(10,2)", v: 1.5, want: `{"v":{"$numberDecimal":"1.50"}}`},
		{name: "decimal real exact", declared: "NUMERIC(10,2)", v: 0.99, want: `{"v":{"$numberDecimal":"0.99"}}`},
		{name: "decimal integer padded", declared: "NUMERIC(10,2)", v: int64(2), want: `{"v":{"$numberDecimal":"2.00"}}`},
		{name: "decimal negative", declared: "DECIMAL(10,3)", v: -0.5, want: `{"v":{"$numberDecimal":"-0.500"}}`},
		{name: "decimal real with more digits than the scale stays double", declared: "NUMERIC(10,2)", v: 0.125, want: `{"v":{"$numberDouble":"0.125"}}`},
		{name: "decimal real not exact in scale stays double", declared: "NUMERIC(10,2)", v: pointThree, want: `{"v":{"$numberDouble":"0.30000000000000004"}}`},
		{name: "decimal without scale keeps digits", declared: "NUMERIC", v: 0.125, want: `{"v":{"$numberDecimal":"0.125"}}`},
		{name: "decimal large real", declared: "NUMERIC", v: 1e21, want: `{"v":{"$numberDecimal":"1E+21"}}`},
		{name: "decimal infinity", declared: "NUMERIC(10,2)", v: math.Inf(1), want: `{"v":{"$numberDecimal":"Infinity"}}`},
		{name: "decimal text", declared: "DECIMAL(20,4)", v: "12345678901234.5", want: `{"v":{"$numberDecimal":"12345678901234.5000"}}`},
		{name: "decimal non-numeric text stays text", declared: "NUMERIC(10,2)", v: "N/A", want: `{"v":"N/A"}`},
		{name: "decimal STRING override keeps the scale", declared: "NUMERIC(10,2)", override: "STRING", v: 2.0, want: `{"v":"2.00"}`},
		{name: "decimal STRING override of a double", declared: "NUMERIC(10,2)", override: "STRING", v: 0.125, want: `{"v":"0.125"}`},
		{name: "datetime text", declared: "DATETIME", v: "2021-01-01 00:00:00", want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "datetime with T and millis", declared: "DATETIME", v: "2021-01-01T10:20:30.123", want: `{"v":{"$date":{"$numberLong":"1609496430123"}}}`},
		{name: "datetime without seconds", declared: "TIMESTAMP", v: "2021-01-01 10:20", want: `{"v":{"$date":{"$numberLong":"1609496400000"}}}`},
		{name: "datetime read in sourceTimeZone", declared: "DATETIME", v: "2021-01-01 01:00:00", loc: berlin, want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "datetime with offset is an instant", declared: "DATETIME", v: "2021-01-01T01:00:00+01:00", loc: berlin, want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "datetime with Z", declared: "DATETIME", v: "2021-01-01T00:00:00Z", want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "datetime date only is midnight", declared: "DATETIME", v: "2021-01-01", want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "datetime unix seconds", declared: "DATETIME", v: int64(1609459200), want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "datetime negative unix seconds", declared: "DATETIME", v: int64(-86400), want: `{"v":{"$date":{"$numberLong":"-86400000"}}}`},
		{name: "datetime unix seconds beyond a Date stay integer", declared: "DATETIME", v: int64(math.MaxInt64), want: `{"v":{"$numberLong":"9223372036854775807"}}`},
		{name: "datetime real stays double (could be a Julian day)", declared: "DATETIME", v: 2459215.5, want: `{"v":{"$numberDouble":"2.4592155E+06"}}`},
		{name: "datetime impossible date is a record error", declared: "DATETIME", v: "2021-02-30 00:00:00", errSub: "not a valid date"},
		{name: "datetime impossible instant is a record error", declared: "DATETIME", v: "2021-13-01T00:00:00Z", errSub: "not a valid date"},
		{name: "datetime free text stays text", declared: "DATETIME", v: "yesterday", want: `{"v":"yesterday"}`},
		{name: "datetime US date stays text", declared: "DATETIME", v: "1/2/2021", want: `{"v":"1/2/2021"}`},
		{name: "datetime sub-millisecond digits are truncated", declared: "DATETIME", v: "2021-01-01 00:00:00.0009", want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "date", declared: "DATE", v: "1962-02-18", want: `{"v":{"$date":{"$numberLong":"-248313600000"}}}`},
		{name: "date ignores sourceTimeZone", declared: "DATE", v: "2021-01-01", loc: berlin, want: `{"v":{"$date":{"$numberLong":"1609459200000"}}}`},
		{name: "date holding a time", declared: "DATE", v: "2021-01-01 12:00:00", want: `{"v":{"$date":{"$numberLong":"1609502400000"}}}`},
		{name: "date STRING override of a wall time", declared: "DATETIME", override: "STRING", v: "2021-01-01 00:00:00", want: `{"v":"2021-01-01T00:00:00"}`},
		{name: "boolean true", declared: "BOOLEAN", v: int64(1), want: `{"v":true}`},
		{name: "boolean false", declared: "BOOLEAN", v: int64(0), want: `{"v":false}`},
		{name: "boolean other integer", declared: "BOOLEAN", v: int64(2), want: `{"v":{"$numberInt":"2"}}`},
		{name: "other numeric affinity by storage class", declared: "MONEY", v: 2.5, want: `{"v":{"$numberDouble":"2.5"}}`},
		{name: "other numeric affinity text", declared: "JSON", v: `{"a":1}`, want: `{"v":"{\"a\":1}"}`},
		{name: "override LONG on text is a record error", declared: "INTEGER", override: "LONG", v: "abc", errSub: "abc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, errText := extJSON(t, tc.declared, tc.override, tc.v, tc.loc)
			switch {
			case tc.errSub != "":
				if !strings.Contains(errText, tc.errSub) {
					t.Fatalf("want a record error containing %q, got value %s error %q", tc.errSub, got, errText)
				}
			case errText != "":
				t.Fatalf("unexpected record error: %s", errText)
			case got != tc.want:
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestParseTimeText(t *testing.T) {
	good := []string{"2021-01-01", "2021-01-01 10:20", "2021-01-01T10:20:30", "2021-01-01 10:20:30.5", "2021-01-01 10:20:30.123456789",
		"2021-01-01T10:20:30Z", "2021-01-01T10:20:30+05:30", "2021-01-01T10:20:30-0800", "2021-01-01 10:20+01"}
	bad := []string{"", "2021-1-1", "2021/01/01", "2021-01-01x", "2021-01-01 1:2", "2021-01-01 10:20:30.", "2021-01-01 10:20:30.1234567890",
		"2021-01-01 10:20:30+5", "2021-01-01 10:20:30+24:00", "20210101", "x021-01-01"}
	for _, s := range good {
		if _, ok := parseTimeText(s); !ok {
			t.Errorf("parseTimeText(%q) failed", s)
		}
	}
	for _, s := range bad {
		if p, ok := parseTimeText(s); ok {
			t.Errorf("parseTimeText(%q) = %+v, want failure", s, p)
		}
	}
}
