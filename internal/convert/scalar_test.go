package convert

import (
	"math"
	"testing"
)

func TestIntegers(t *testing.T) {
	i32 := Column{Kind: KindInt32}
	i64 := Column{Kind: KindInt64}
	runValueCases(t, []valueCase{
		{name: "int32 zero", col: i32, v: int64(0), want: `{"v":{"$numberInt":"0"}}`},
		{name: "int32 negative", col: i32, v: int64(-7), want: `{"v":{"$numberInt":"-7"}}`},
		{name: "int16 max", col: i32, v: int16(math.MaxInt16), want: `{"v":{"$numberInt":"32767"}}`},
		{name: "int16 min", col: i32, v: int16(math.MinInt16), want: `{"v":{"$numberInt":"-32768"}}`},
		{name: "int8", col: i32, v: int8(-128), want: `{"v":{"$numberInt":"-128"}}`},
		{name: "uint8 tinyint", col: i32, v: uint8(255), want: `{"v":{"$numberInt":"255"}}`},
		{name: "int32 max", col: i32, v: int64(math.MaxInt32), want: `{"v":{"$numberInt":"2147483647"}}`},
		{name: "int32 min", col: i32, v: int32(math.MinInt32), want: `{"v":{"$numberInt":"-2147483648"}}`},
		{name: "int32 overflow", col: i32, v: int64(math.MaxInt32) + 1, errSub: "does not fit a 32-bit integer; override the field type to LONG"},
		{name: "int32 underflow", col: i32, v: int64(math.MinInt32) - 1, errSub: "does not fit a 32-bit integer"},
		{name: "int32 wrong type", col: i32, v: "1", goType: true},
		{name: "int64 zero", col: i64, v: int64(0), want: `{"v":{"$numberLong":"0"}}`},
		{name: "int64 max", col: i64, v: int64(math.MaxInt64), want: `{"v":{"$numberLong":"9223372036854775807"}}`},
		{name: "int64 min", col: i64, v: int64(math.MinInt64), want: `{"v":{"$numberLong":"-9223372036854775808"}}`},
		{name: "int64 from int32", col: i64, v: int32(-5), want: `{"v":{"$numberLong":"-5"}}`},
		{name: "int64 uint64 overflow", col: i64, v: uint64(math.MaxInt64) + 1, errSub: "does not fit a 64-bit integer"},
		{name: "int64 wrong type", col: i64, v: 1.5, goType: true},
	})
}

func TestDouble(t *testing.T) {
	d := Column{Kind: KindDouble}
	runValueCases(t, []valueCase{
		{name: "zero", col: d, v: 0.0, want: `{"v":{"$numberDouble":"0.0"}}`},
		{name: "negative zero kept", col: d, v: math.Copysign(0, -1), want: `{"v":{"$numberDouble":"-0.0"}}`},
		{name: "fraction", col: d, v: 0.1, want: `{"v":{"$numberDouble":"0.1"}}`},
		{name: "negative", col: d, v: -2.5e-300, want: `{"v":{"$numberDouble":"-2.5E-300"}}`},
		{name: "max", col: d, v: math.MaxFloat64, want: `{"v":{"$numberDouble":"1.7976931348623157E+308"}}`},
		{name: "NaN kept", col: d, v: math.NaN(), want: `{"v":{"$numberDouble":"NaN"}}`},
		{name: "+Inf kept", col: d, v: math.Inf(1), want: `{"v":{"$numberDouble":"Infinity"}}`},
		{name: "-Inf kept", col: d, v: math.Inf(-1), want: `{"v":{"$numberDouble":"-Infinity"}}`},
		{name: "float32 exact binary value", col: d, v: float32(0.5), want: `{"v":{"$numberDouble":"0.5"}}`},
		{name: "float32 widened exactly", col: d, v: float32(0.1), want: `{"v":{"$numberDouble":"0.10000000149011612"}}`},
		{name: "wrong type", col: d, v: "0.1", goType: true},
	})
}

func TestBoolStringBinaryUUID(t *testing.T) {
	u := [16]byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	runValueCases(t, []valueCase{
		{name: "bool true", col: Column{Kind: KindBool}, v: true, want: `{"v":true}`},
		{name: "bool false", col: Column{Kind: KindBool}, v: false, want: `{"v":false}`},
		{name: "bool wrong type", col: Column{Kind: KindBool}, v: int64(1), goType: true},
		{name: "string", col: Column{Kind: KindString}, v: "héllo", want: `{"v":"héllo"}`},
		{name: "empty string", col: Column{Kind: KindString}, v: "", want: `{"v":""}`},
		{name: "string from bytes", col: Column{Kind: KindString}, v: []byte("abc"), want: `{"v":"abc"}`},
		{name: "string with NUL kept", col: Column{Kind: KindString}, v: "a\x00b", want: `{"v":"a\u0000b"}`},
		{name: "invalid UTF-8", col: Column{Kind: KindString}, v: "ab\xffc", errSub: "not valid UTF-8 (first bad byte at offset 2)"},
		{name: "invalid UTF-8 bytes", col: Column{Kind: KindString}, v: []byte{0xc3}, errSub: "not valid UTF-8"},
		{name: "time text", col: Column{Kind: KindTime}, v: "13:45:06.5+05:30", want: `{"v":"13:45:06.5+05:30"}`},
		{name: "bit string", col: Column{Kind: KindBitString}, v: "0101", want: `{"v":"0101"}`},
		{name: "bit string bad", col: Column{Kind: KindBitString}, v: "012", errSub: "other than 0 and 1"},
		{name: "fallback text", col: Column{Kind: KindText}, v: "(1,2)", want: `{"v":"(1,2)"}`, note: NoteFallbackText},
		{name: "binary", col: Column{Kind: KindBinary}, v: []byte{0, 1, 255}, want: `{"v":{"$binary":{"base64":"AAH/","subType":"00"}}}`},
		{name: "empty binary is not null", col: Column{Kind: KindBinary}, v: []byte{}, want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`},
		{name: "nil binary slice is empty", col: Column{Kind: KindBinary}, v: []byte(nil), want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`},
		{name: "binary wrong type", col: Column{Kind: KindBinary}, v: "x", goType: true},
		{name: "uuid", col: Column{Kind: KindUUID}, v: u, want: `{"v":{"$binary":{"base64":"Ej5FZ+ibEtOkVkJmFBdAAA==","subType":"04"}}}`},
		{name: "uuid from slice", col: Column{Kind: KindUUID}, v: u[:], want: `{"v":{"$binary":{"base64":"Ej5FZ+ibEtOkVkJmFBdAAA==","subType":"04"}}}`},
		{name: "uuid short slice", col: Column{Kind: KindUUID}, v: u[:15], errSub: "15 bytes instead of 16"},
		{name: "invalid kind", col: Column{Kind: KindInvalid}, v: "x", goType: true},
		{name: "nil value", col: Column{Kind: KindString}, v: nil, goType: true},
	})
}

func TestTooLarge(t *testing.T) {
	big := make([]byte, maxValueBytes+1)
	runValueCases(t, []valueCase{
		{name: "binary", col: Column{Kind: KindBinary}, v: big, errSub: "at most 16 MiB"},
		{name: "string", col: Column{Kind: KindString}, v: big, errSub: "at most 16 MiB"},
	})
}

func TestKindAndNoteString(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{KindDecimal.String(), "decimal"},
		{KindTimestampTZ.String(), "timestamptz"},
		{Kind(99).String(), "Kind(99)"},
		{Note(0).String(), "none"},
		{(NoteDSTGap | NoteSubMillisecondTruncated).String(), "sub-millisecond-truncated|dst-gap"},
		{Note(64).String(), "Note(64)"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	e := &Error{Reason: "r"}
	if e.Error() != "r" {
		t.Errorf("Error without column = %q", e.Error())
	}
}
