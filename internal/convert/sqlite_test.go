package convert

import (
	"testing"
	"time"
)

func TestTyped(t *testing.T) {
	intCol := Column{Kind: KindInt64, Scale: -1}
	decCol := Column{Kind: KindDecimal, Scale: 2}
	runValueCases(t, []valueCase{
		{name: "int32 by range in an INTEGER column", col: intCol, v: Typed{KindInt32, int64(7)}, want: `{"v":{"$numberInt":"7"}}`},
		{name: "plain int64 keeps the column kind", col: intCol, v: int64(1) << 40, want: `{"v":{"$numberLong":"1099511627776"}}`},
		{name: "text in an INTEGER column", col: intCol, v: Typed{KindString, "n/a"}, want: `{"v":"n/a"}`},
		{name: "blob in an INTEGER column", col: intCol, v: Typed{KindBinary, []byte{1, 2}}, want: `{"v":{"$binary":{"base64":"AQI=","subType":"00"}}}`},
		{name: "real in an INTEGER column", col: intCol, v: Typed{KindDouble, 2.5}, want: `{"v":{"$numberDouble":"2.5"}}`},
		{name: "instant in a date column", col: Column{Kind: KindTimestamp}, v: Typed{KindTimestampTZ, time.Unix(86400, 0).UTC()}, want: `{"v":{"$date":{"$numberLong":"86400000"}}}`},
		{name: "decimal keeps the declared scale", col: Column{Kind: KindString, Scale: 2}, v: Typed{KindDecimal, "1.5"}, want: `{"v":{"$numberDecimal":"1.50"}}`},
		{name: "decimal column pads", col: decCol, v: "1.5", want: `{"v":{"$numberDecimal":"1.50"}}`},
		{name: "invalid UTF-8 text is a record error", col: intCol, v: Typed{KindString, "\xff"}, errSub: "UTF-8"},
		{name: "override applies to the value's own kind", col: Column{Kind: KindInt64, Override: OverrideString}, v: Typed{KindInt32, int64(3)}, want: `{"v":"3"}`},
		{name: "override that cannot apply to the value", col: Column{Kind: KindInt64, Override: OverrideLong}, v: Typed{KindBinary, []byte{1}}, errSub: "stored as binary in a column of kind int64"},
		{name: "override that fails on the value", col: Column{Kind: KindInt64, Override: OverrideLong}, v: Typed{KindString, "abc"}, errSub: "abc"},
		{name: "nested Typed is a dialect bug", col: intCol, v: Typed{KindInt32, Typed{KindInt32, int64(1)}}, goType: true},
		{name: "Typed array is a dialect bug", col: intCol, v: Typed{KindArray, Array{}}, goType: true},
		{name: "Typed nil is a dialect bug", col: intCol, v: Typed{KindString, nil}, goType: true},
		{name: "wrong Go type for the value's kind", col: intCol, v: Typed{KindInt32, "1"}, goType: true},
	})
}

func TestTypedString(t *testing.T) {
	if got := (Typed{KindInt32, int64(42)}).String(); got != "42" {
		t.Fatalf("String() = %q, want 42", got)
	}
}
