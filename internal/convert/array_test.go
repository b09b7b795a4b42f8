package convert

import (
	"testing"
	"time"
)

func TestArray(t *testing.T) {
	ints := Column{Kind: KindArray, Element: KindInt32}
	decs := Column{Kind: KindArray, Element: KindDecimal, Scale: -1}
	tss := Column{Kind: KindArray, Element: KindTimestamp}
	berlin := Options{Location: mustLoad(t, "Europe/Berlin")}
	runValueCases(t, []valueCase{
		{name: "1-D", col: ints, v: Array{Dims: []int{3}, Elements: []any{int64(1), nil, int64(-3)}},
			want: `{"v":[{"$numberInt":"1"},null,{"$numberInt":"-3"}]}`},
		{name: "2-D with NULLs", col: ints, v: Array{Dims: []int{2, 3}, Elements: []any{int64(1), nil, int64(3), nil, int64(5), nil}},
			want: `{"v":[[{"$numberInt":"1"},null,{"$numberInt":"3"}],[null,{"$numberInt":"5"},null]]}`},
		{name: "3-D", col: ints, v: Array{Dims: []int{2, 1, 2}, Elements: []any{int64(1), int64(2), int64(3), int64(4)}},
			want: `{"v":[[[{"$numberInt":"1"},{"$numberInt":"2"}]],[[{"$numberInt":"3"},{"$numberInt":"4"}]]]}`},
		{name: "empty", col: ints, v: Array{}, want: `{"v":[]}`},
		{name: "all NULL", col: ints, v: Array{Dims: []int{2}, Elements: []any{nil, nil}}, want: `{"v":[null,null]}`},
		{name: "decimals keep scale", col: decs, v: Array{Dims: []int{2}, Elements: []any{"1.50", "NaN"}},
			want: `{"v":[{"$numberDecimal":"1.50"},{"$numberDecimal":"NaN"}]}`},
		{name: "element error names position", col: decs, v: Array{Dims: []int{2, 2}, Elements: []any{"1", "2", "3", "12345678901234567890123456789012345"}},
			errSub: "array element [1][1]: numeric value"},
		{name: "element override STRING", col: Column{Kind: KindArray, Element: KindDecimal, Override: "STRING"}, v: Array{Dims: []int{2}, Elements: []any{"1.50", nil}},
			want: `{"v":["1.50",null]}`},
		{name: "notes are merged", col: tss, opts: berlin, v: Array{Dims: []int{2}, Elements: []any{
			WallTime{Year: 2024, Month: 3, Day: 31, Hour: 2, Minute: 30}, WallTime{Year: 2024, Month: 1, Day: 1, Nanosecond: 1000}}},
			want: `{"v":[{"$date":{"$numberLong":"1711848600000"}},{"$date":{"$numberLong":"1704063600000"}}]}`, note: NoteDSTGap | NoteSubMillisecondTruncated},
		{name: "dims mismatch", col: ints, v: Array{Dims: []int{2, 2}, Elements: []any{int64(1)}}, goType: true},
		{name: "huge dims no overflow", col: ints, v: Array{Dims: []int{1 << 40, 1 << 40}, Elements: []any{int64(1)}}, goType: true},
		{name: "negative dim", col: ints, v: Array{Dims: []int{-1}}, goType: true},
		{name: "elements without dims", col: ints, v: Array{Elements: []any{int64(1)}}, goType: true},
		{name: "element kind missing", col: Column{Kind: KindArray}, v: Array{}, goType: true},
		{name: "element wrong Go type", col: ints, v: Array{Dims: []int{1}, Elements: []any{time.Now()}}, goType: true},
		{name: "not an Array", col: ints, v: []any{1}, goType: true},
	})
}

func strp(s string) *string { return &s }

func TestHstore(t *testing.T) {
	h := Column{Kind: KindHstore}
	runValueCases(t, []valueCase{
		{name: "ordered pairs with null", col: h, v: []KeyValue{{"b", strp("1")}, {"a", nil}},
			want: `{"v":{"b":"1","a":null}}`},
		{name: "map sorted like hstore", col: h, v: map[string]*string{"bb": strp("2"), "a": strp("1"), "c": nil},
			want: `{"v":{"a":"1","c":null,"bb":"2"}}`},
		{name: "empty", col: h, v: map[string]*string{}, want: `{"v":{}}`},
		{name: "duplicate keeps last", col: h, v: []KeyValue{{"k", strp("1")}, {"j", nil}, {"k", strp("2")}},
			want: `{"v":{"k":"2","j":null}}`},
		{name: "NUL key", col: h, v: []KeyValue{{"a\x00", nil}}, errSub: "NUL character"},
		{name: "invalid UTF-8 value", col: h, v: []KeyValue{{"a", strp("\xff")}}, errSub: "not valid UTF-8"},
		{name: "STRING override", col: Column{Kind: KindHstore, Override: "STRING"}, v: []KeyValue{{`a"b`, strp(`c\d`)}, {"n", nil}},
			want: `{"v":"\"a\\\"b\"=>\"c\\\\d\", \"n\"=>NULL"}`},
		{name: "wrong type", col: h, v: map[string]string{}, goType: true},
	})
}
