package sqlserver

import (
	"errors"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"

	"github.com/relmongo/relmongo/internal/convert"
)

// guidWire is 6F9619FF-8B86-D011-B42D-00C04FC964FF as SQL Server stores it and go-mssqldb
// returns it: the first three groups little-endian.
var guidWire = []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}

// extJSON renders {"v": value} as canonical Extended JSON.
func extJSON(t *testing.T, v bsoncore.Value) string {
	t.Helper()
	doc := bsoncore.BuildDocument(nil, bsoncore.AppendValueElement(nil, "v", v))
	b, err := bson.MarshalExtJSON(bson.Raw(doc), true, false)
	if err != nil {
		t.Fatalf("MarshalExtJSON: %v", err)
	}
	return string(b)
}

// through decodes the driver's values of one column of dataType with the dialect's codec and
// converts the result with package convert, as a chunk does.
func through(t *testing.T, dataType, override string, opts convert.Options, vals ...any) (string, convert.Note, error) {
	t.Helper()
	ts, err := parseType(dataType)
	if err != nil {
		t.Fatal(err)
	}
	cd := codecFor(ts, "[c]")
	if len(cd.exprs) != len(vals) {
		t.Fatalf("%s reads %d expressions, the case gives %d values", dataType, len(cd.exprs), len(vals))
	}
	v := cd.decode(vals)
	if v == nil {
		return "null", 0, nil
	}
	kind, scale := kindOf(ts)
	out, note, err := convert.Value(convert.Column{Name: "c", Kind: kind, Scale: scale, Override: override}, v, opts)
	if err != nil {
		return "", 0, err
	}
	return extJSON(t, out), note, nil
}

func TestDecodeAndConvert(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	plus14 := time.FixedZone("", 14*3600)
	minus12 := time.FixedZone("", -12*3600)
	cases := []struct {
		name     string
		dataType string
		override string
		opts     convert.Options
		vals     []any
		want     string
		note     convert.Note
		errSub   string
	}{
		{name: "NULL", dataType: "int", vals: []any{nil}, want: "null"},
		{name: "tinyint 255", dataType: "tinyint", vals: []any{int64(255)}, want: `{"v":{"$numberInt":"255"}}`},
		{name: "smallint min", dataType: "smallint", vals: []any{int64(-32768)}, want: `{"v":{"$numberInt":"-32768"}}`},
		{name: "int max", dataType: "int", vals: []any{int64(2147483647)}, want: `{"v":{"$numberInt":"2147483647"}}`},
		{name: "bigint min", dataType: "bigint", vals: []any{int64(-9223372036854775808)}, want: `{"v":{"$numberLong":"-9223372036854775808"}}`},
		{name: "decimal scale kept", dataType: "decimal(10,4)", vals: []any{[]byte("12.5000")}, want: `{"v":{"$numberDecimal":"12.5000"}}`},
		{name: "DECIMAL(38,13) with 34 digits", dataType: "decimal(38,13)", vals: []any{[]byte("123456789012345678901.2345678901234")},
			want: `{"v":{"$numberDecimal":"123456789012345678901.2345678901234"}}`},
		{name: "DECIMAL(38,13) negative small", dataType: "decimal(38,13)", vals: []any{[]byte("-0.0000000000001")},
			want: `{"v":{"$numberDecimal":"-1E-13"}}`},
		{name: "DECIMAL(38,13) with 38 digits is a record error", dataType: "decimal(38,13)",
			vals: []any{[]byte("9999999999999999999999999.9999999999999")}, errSub: "STRING"},
		{name: "DECIMAL(38,13) with 38 digits as STRING is exact", dataType: "decimal(38,13)", override: "STRING",
			vals: []any{[]byte("9999999999999999999999999.9999999999999")}, want: `{"v":"9999999999999999999999999.9999999999999"}`},
		{name: "numeric as string", dataType: "numeric(10,2)", vals: []any{"0.99"}, want: `{"v":{"$numberDecimal":"0.99"}}`},
		{name: "money keeps 4 digits", dataType: "money", vals: []any{[]byte("-922337203685477.5808")}, want: `{"v":{"$numberDecimal":"-922337203685477.5808"}}`},
		{name: "smallmoney", dataType: "smallmoney", vals: []any{[]byte("214748.3647")}, want: `{"v":{"$numberDecimal":"214748.3647"}}`},
		{name: "float", dataType: "float", vals: []any{0.1}, want: `{"v":{"$numberDouble":"0.1"}}`},
		{name: "real", dataType: "real", vals: []any{float64(float32(0.1))}, want: `{"v":{"$numberDouble":"0.10000000149011612"}}`},
		{name: "real as STRING prints the real", dataType: "real", override: "STRING", vals: []any{float64(float32(0.1))}, want: `{"v":"0.1"}`},
		{name: "bit", dataType: "bit", vals: []any{true}, want: `{"v":true}`},
		{name: "nvarchar Unicode", dataType: "nvarchar(40) COLLATE Latin1_General_CI_AS", vals: []any{"Größe 😀"}, want: `{"v":"Größe 😀"}`},
		{name: "varchar", dataType: "varchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS", vals: []any{"Crème"}, want: `{"v":"Crème"}`},
		{name: "ntext", dataType: "ntext", vals: []any{"long"}, want: `{"v":"long"}`},
		{name: "xml", dataType: "xml", vals: []any{"<a b=\"1\"/>"}, want: `{"v":"<a b=\"1\"/>"}`},
		{name: "empty varbinary is an empty Binary", dataType: "varbinary(max)", vals: []any{[]byte{}}, want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`},
		{name: "binary", dataType: "binary(3)", vals: []any{[]byte{1, 2, 255}}, want: `{"v":{"$binary":{"base64":"AQL/","subType":"00"}}}`},
		{name: "image", dataType: "image", vals: []any{[]byte("GIF")}, want: `{"v":{"$binary":{"base64":"R0lG","subType":"00"}}}`},
		{name: "rowversion", dataType: "rowversion", vals: []any{[]byte{0, 0, 0, 0, 0, 0, 0x07, 0xD1}}, want: `{"v":{"$binary":{"base64":"AAAAAAAAB9E=","subType":"00"}}}`},
		{name: "uniqueidentifier in RFC 4122 order", dataType: "uniqueidentifier", vals: []any{guidWire},
			want: `{"v":{"$binary":{"base64":"b5YZ/4uG0BG0LQDAT8lk/w==","subType":"04"}}}`},
		{name: "uniqueidentifier as STRING", dataType: "uniqueidentifier", override: "STRING", vals: []any{guidWire},
			want: `{"v":"6f9619ff-8b86-d011-b42d-00c04fc964ff"}`},
		{name: "uniqueidentifier of a wrong length", dataType: "uniqueidentifier", vals: []any{[]byte{1, 2}}, errSub: "16"},
		{name: "date min", dataType: "date", vals: []any{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, want: `{"v":{"$date":{"$numberLong":"-62135596800000"}}}`},
		{name: "date max", dataType: "date", vals: []any{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, want: `{"v":{"$date":{"$numberLong":"253402214400000"}}}`},
		{name: "datetime", dataType: "datetime", vals: []any{time.Date(2009, 1, 1, 0, 0, 0, 3000000, time.UTC)}, want: `{"v":{"$date":{"$numberLong":"1230768000003"}}}`},
		{name: "smalldatetime", dataType: "smalldatetime", vals: []any{time.Date(2079, 6, 6, 23, 59, 0, 0, time.UTC)}, want: `{"v":{"$date":{"$numberLong":"3453321540000"}}}`},
		{name: "datetime2(7) with 7 digits truncated and noted", dataType: "datetime2(7)",
			vals: []any{time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)},
			want: `{"v":{"$date":{"$numberLong":"1704164645123"}}}`, note: convert.NoteSubMillisecondTruncated},
		{name: "datetime2(7) as STRING keeps 7 digits", dataType: "datetime2(7)", override: "STRING",
			vals: []any{time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)}, want: `{"v":"2024-01-02T03:04:05.1234567"}`},
		{name: "datetime2 read in sourceTimeZone", dataType: "datetime2(0)", opts: convert.Options{Location: berlin},
			vals: []any{time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)}, want: `{"v":{"$date":{"$numberLong":"1719828000000"}}}`},
		{name: "datetime2 ignores the driver's location", dataType: "datetime2(0)",
			vals: []any{time.Date(2024, 7, 1, 12, 0, 0, 0, berlin)}, want: `{"v":{"$date":{"$numberLong":"1719835200000"}}}`},
		{name: "datetimeoffset +14:00", dataType: "datetimeoffset(7)", vals: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, plus14)},
			want: `{"v":{"$date":{"$numberLong":"1704016800000"}}}`},
		{name: "datetimeoffset -12:00", dataType: "datetimeoffset(7)", vals: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, minus12)},
			want: `{"v":{"$date":{"$numberLong":"1704110400000"}}}`},
		{name: "datetimeoffset 7 digits", dataType: "datetimeoffset(7)", vals: []any{time.Date(2024, 1, 1, 0, 0, 0, 999999900, plus14)},
			want: `{"v":{"$date":{"$numberLong":"1704016800999"}}}`, note: convert.NoteSubMillisecondTruncated},
		{name: "datetimeoffset ignores sourceTimeZone", dataType: "datetimeoffset(0)", opts: convert.Options{Location: berlin},
			vals: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, minus12)}, want: `{"v":{"$date":{"$numberLong":"1704110400000"}}}`},
		{name: "time(7)", dataType: "time(7)", vals: []any{time.Date(1, 1, 1, 23, 59, 59, 999999900, time.UTC)}, want: `{"v":"23:59:59.9999999"}`},
		{name: "time midnight", dataType: "time(7)", vals: []any{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, want: `{"v":"00:00:00"}`},
		{name: "time half second", dataType: "time(3)", vals: []any{time.Date(1, 1, 1, 12, 30, 0, 500000000, time.UTC)}, want: `{"v":"12:30:00.5"}`},
		{name: "hierarchyid", dataType: "hierarchyid", vals: []any{"/1/3/"}, want: `{"v":"/1/3/"}`},
		{name: "geography as WKT", dataType: "geography", vals: []any{"POINT (-122.34 47.65)"}, want: `{"v":"POINT (-122.34 47.65)"}`},
		{name: "geometry as WKT", dataType: "geometry", vals: []any{"LINESTRING (1 1, 2 4)"}, want: `{"v":"LINESTRING (1 1, 2 4)"}`},
		{name: "sql_variant int", dataType: "sql_variant", vals: []any{int64(42), "int"}, want: `{"v":{"$numberInt":"42"}}`},
		{name: "sql_variant bigint", dataType: "sql_variant", vals: []any{int64(42), "bigint"}, want: `{"v":{"$numberLong":"42"}}`},
		{name: "sql_variant decimal", dataType: "sql_variant", vals: []any{[]byte("1.50"), "decimal"}, want: `{"v":{"$numberDecimal":"1.50"}}`},
		{name: "sql_variant nvarchar", dataType: "sql_variant", vals: []any{"abc", "nvarchar"}, want: `{"v":"abc"}`},
		{name: "sql_variant uniqueidentifier", dataType: "sql_variant", vals: []any{guidWire, "uniqueidentifier"},
			want: `{"v":{"$binary":{"base64":"b5YZ/4uG0BG0LQDAT8lk/w==","subType":"04"}}}`},
		{name: "sql_variant datetimeoffset", dataType: "sql_variant", vals: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, plus14), "datetimeoffset"},
			want: `{"v":{"$date":{"$numberLong":"1704016800000"}}}`},
		{name: "sql_variant date", dataType: "sql_variant", vals: []any{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "date"},
			want: `{"v":{"$date":{"$numberLong":"1709164800000"}}}`},
		{name: "sql_variant bit", dataType: "sql_variant", vals: []any{false, "bit"}, want: `{"v":false}`},
		{name: "sql_variant NULL", dataType: "sql_variant", vals: []any{nil, nil}, want: "null"},
		{name: "unexpected driver type is a record error", dataType: "int", vals: []any{"x"}, errSub: "driver returned a string"},
		{name: "json falls back to text", dataType: "json", vals: []any{`{"a":1}`}, want: `{"v":"{\"a\":1}"}`, note: convert.NoteFallbackText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, note, err := through(t, tc.dataType, tc.override, tc.opts, tc.vals...)
			if tc.errSub != "" {
				var ce *convert.Error
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("got %s, %v; want a record error containing %q", got, err, tc.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if note != tc.note {
				t.Errorf("note %s, want %s", note, tc.note)
			}
		})
	}
}

// TestGUIDMatchesSQLServerDisplay checks the byte order against the driver's own type: the
// canonical text of the converted UUID is what SQL Server displays.
func TestGUIDMatchesSQLServerDisplay(t *testing.T) {
	v := guidValue(guidWire)
	u, ok := v.([16]byte)
	if !ok {
		t.Fatalf("guidValue returned %T", v)
	}
	if got := mssql.UniqueIdentifier(u).String(); got != "6F9619FF-8B86-D011-B42D-00C04FC964FF" {
		t.Errorf("SQL Server would display %s", got)
	}
	var scanned mssql.UniqueIdentifier
	if err := scanned.Scan(guidWire); err != nil {
		t.Fatal(err)
	}
	if guidValue(scanned) != v {
		t.Error("an mssql.UniqueIdentifier decodes differently from the wire bytes")
	}
	// The driver's Value() gives the wire bytes back: the swap is its own inverse.
	wire, err := mssql.UniqueIdentifier(u).Value()
	if err != nil || string(wire.([]byte)) != string(guidWire) {
		t.Errorf("round trip to the wire: %x %v", wire, err)
	}
}

func TestCodecExpressions(t *testing.T) {
	cases := []struct {
		dataType string
		exprs    []string
	}{
		{"int", []string{"[c]"}},
		{"hierarchyid", []string{"[c].ToString()"}},
		{"geography", []string{"[c].STAsText()"}},
		{"geometry", []string{"[c].STAsText()"}},
		{"sql_variant", []string{"[c]", "CAST(SQL_VARIANT_PROPERTY([c], 'BaseType') AS nvarchar(128))"}},
		{"json", []string{"CONVERT(nvarchar(max), [c])"}},
		{"mypoint", []string{"[c].ToString()"}},
	}
	for _, tc := range cases {
		ts, err := parseType(tc.dataType)
		if err != nil {
			t.Fatal(err)
		}
		got := codecFor(ts, "[c]").exprs
		if strings.Join(got, " | ") != strings.Join(tc.exprs, " | ") {
			t.Errorf("%s: %v, want %v", tc.dataType, got, tc.exprs)
		}
	}
}

func TestEmptyBinaryIsNotNull(t *testing.T) {
	// database/sql may hand over a nil slice for an empty value that is not NULL.
	b, ok := bytesValue([]byte(nil)).([]byte)
	if !ok || b == nil || len(b) != 0 {
		t.Errorf("bytesValue(nil slice) = %#v", b)
	}
}
