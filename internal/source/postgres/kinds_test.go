package postgres

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/relmongo/relmongo/internal/convert"
)

// These tests need no database: they cover the catalog-type mapping and the text parsers.

func TestKindOf(t *testing.T) {
	tests := []struct {
		typ, typtype, typcat, elem string
		kind, element              convert.Kind
	}{
		{"int2", "b", "N", "", convert.KindInt32, 0},
		{"int4", "b", "N", "", convert.KindInt32, 0},
		{"int8", "b", "N", "", convert.KindInt64, 0},
		{"numeric", "b", "N", "", convert.KindDecimal, 0},
		{"money", "b", "N", "", convert.KindDecimal, 0},
		{"float4", "b", "N", "", convert.KindDouble, 0},
		{"bool", "b", "B", "", convert.KindBool, 0},
		{"bit", "b", "V", "", convert.KindBitString, 0},
		{"varbit", "b", "V", "", convert.KindBitString, 0},
		{"citext", "b", "S", "", convert.KindString, 0},
		{"mood", "e", "E", "", convert.KindString, 0},
		{"bytea", "b", "U", "", convert.KindBinary, 0},
		{"uuid", "b", "U", "", convert.KindUUID, 0},
		{"date", "b", "D", "", convert.KindDate, 0},
		{"timestamp", "b", "D", "", convert.KindTimestamp, 0},
		{"timestamptz", "b", "D", "", convert.KindTimestampTZ, 0},
		{"timetz", "b", "D", "", convert.KindTime, 0},
		{"interval", "b", "T", "", convert.KindInterval, 0},
		{"jsonb", "b", "U", "", convert.KindJSON, 0},
		{"hstore", "b", "U", "", convert.KindHstore, 0},
		{"tsvector", "b", "U", "", convert.KindString, 0},
		{"polygon", "b", "G", "", convert.KindString, 0},
		{"_int4", "b", "A", "int4", convert.KindArray, convert.KindInt32},
		{"_numeric", "b", "A", "numeric", convert.KindArray, convert.KindDecimal},
		{"_hstore", "b", "A", "hstore", convert.KindArray, convert.KindHstore},
		{"_mood", "b", "A", "mood", convert.KindArray, convert.KindText},
		{"int2vector", "b", "A", "int2", convert.KindText, 0},
		{"int4range", "r", "R", "", convert.KindText, 0},
		{"point", "c", "C", "", convert.KindText, 0}, // a user composite named like a built-in
		{"pg_lsn", "b", "U", "", convert.KindText, 0},
	}
	for _, tc := range tests {
		k, e := kindOf(tc.typ, tc.typtype, tc.typcat, tc.elem)
		if k != tc.kind || e != tc.element {
			t.Errorf("kindOf(%q, %q, %q, %q) = %s, %s; want %s, %s", tc.typ, tc.typtype, tc.typcat, tc.elem, k, e, tc.kind, tc.element)
		}
	}
	// With the element's typtype, enum arrays are arrays of strings; composites still fall back.
	withElem := []struct {
		elem, elemTyptype string
		element           convert.Kind
	}{
		{"mood", "e", convert.KindString},
		{"pair", "c", convert.KindText},
		{"int4", "b", convert.KindInt32},
		{"int4", "", convert.KindInt32},
	}
	for _, tc := range withElem {
		k, e := kindOf("_"+tc.elem, "b", "A", tc.elem, tc.elemTyptype)
		if k != convert.KindArray || e != tc.element {
			t.Errorf("kindOf(_%s, element typtype %q) = %s, %s; want array, %s", tc.elem, tc.elemTyptype, k, e, tc.element)
		}
	}
}

func TestNormalizeTime(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"12:34:56", "12:34:56", true},
		{"00:00:00.000001", "00:00:00.000001", true},
		{"24:00:00", "24:00:00", true},
		{"12:00:00+02", "12:00:00+02:00", true},
		{"12:00:00-11", "12:00:00-11:00", true},
		{"12:00:00.5+05:30", "12:00:00.5+05:30", true},
		{"12:00:00+01:02:03", "12:00:00+01:02:03", true},
		{"12:00", "", false},
		{"12:00:00.", "", false},
		{"12:00:00.1234567", "", false},
		{"12:00:00 +02", "", false},
		{"12:00:00+2", "", false},
		{"ab:cd:ef", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := normalizeTime(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("normalizeTime(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func strp(s string) *string { return &s }

func TestParseHstore(t *testing.T) {
	tests := []struct {
		in      string
		want    []convert.KeyValue
		wantErr string
	}{
		{``, []convert.KeyValue{}, ""},
		{`"a"=>"1"`, []convert.KeyValue{{Key: "a", Value: strp("1")}}, ""},
		{`"a"=>NULL, "bb"=>""`, []convert.KeyValue{{Key: "a"}, {Key: "bb", Value: strp("")}}, ""},
		{`"k\"q"=>"v\\w", "NULL"=>"NULL"`, []convert.KeyValue{{Key: `k"q`, Value: strp(`v\w`)}, {Key: "NULL", Value: strp("NULL")}}, ""},
		{`"ü"=>"=>, "`, []convert.KeyValue{{Key: "ü", Value: strp("=>, ")}}, ""},
		{`"a"=>"1" "b"=>"2"`, nil, "expected ','"},
		{`"a"="1"`, nil, "expected '=>'"},
		{`NULL=>"1"`, nil, "key cannot be NULL"},
		{`"a"=>"1`, nil, "ends inside a quoted string"},
		{`"a\`, nil, "ends inside an escape"},
		{`a=>1`, nil, "expected a quoted string"},
	}
	for _, tc := range tests {
		got, err := parseHstore(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseHstore(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseHstore(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// hstoreOut prints pairs the way hstore_out does.
func hstoreOut(pairs []convert.KeyValue) string {
	q := func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		v := "NULL"
		if p.Value != nil {
			v = q(*p.Value)
		}
		parts[i] = q(p.Key) + "=>" + v
	}
	return strings.Join(parts, ", ")
}

// FuzzParseHstore checks that every text hstore_out can print parses back to its pairs.
func FuzzParseHstore(f *testing.F) {
	f.Add("a", "1", "b", true)
	f.Add(`"\`, `\"`, "NULL", false)
	f.Add("", "", "=>", true)
	f.Fuzz(func(t *testing.T, k1, v1, k2 string, null2 bool) {
		pairs := []convert.KeyValue{{Key: k1, Value: &v1}, {Key: k2}}
		if !null2 {
			pairs[1].Value = &k1
		}
		got, err := parseHstore(hstoreOut(pairs))
		if err != nil || !reflect.DeepEqual(got, pairs) {
			t.Fatalf("parseHstore(%q) = %v, %v", hstoreOut(pairs), got, err)
		}
	})
}

func TestArrayValue(t *testing.T) {
	ints := func(lower int32, vals ...pgtype.Int8) *pgtype.Array[pgtype.Int8] {
		return &pgtype.Array[pgtype.Int8]{Elements: vals, Dims: []pgtype.ArrayDimension{{Length: int32(len(vals)), LowerBound: lower}}, Valid: true}
	}
	one := pgtype.Int8{Int64: 1, Valid: true}
	tests := []struct {
		name string
		in   *pgtype.Array[pgtype.Int8]
		want any
	}{
		{"NULL array", &pgtype.Array[pgtype.Int8]{}, nil},
		{"empty", &pgtype.Array[pgtype.Int8]{Valid: true}, convert.Array{Dims: []int{}, Elements: []any{}}},
		{"NULL element", ints(1, one, pgtype.Int8{}), convert.Array{Dims: []int{2}, Elements: []any{int64(1), nil}}},
		{"2-D", &pgtype.Array[pgtype.Int8]{Elements: []pgtype.Int8{one, one}, Dims: []pgtype.ArrayDimension{{Length: 2, LowerBound: 1}, {Length: 1, LowerBound: 1}}, Valid: true},
			convert.Array{Dims: []int{2, 1}, Elements: []any{int64(1), int64(1)}}},
		{"lower bound 0", ints(0, one), convert.Unconvertible{Reason: "the array starts at index 0 in dimension 1, and a BSON array cannot keep a lower bound other than 1; exclude the column or store the array with default bounds in the source"}},
	}
	for _, tc := range tests {
		got := arrayValue(tc.in, int8Value)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: arrayValue = %#v, want %#v", tc.name, got, tc.want)
		}
	}
}
