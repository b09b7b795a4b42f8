package convert

import (
	"errors"
	"math"
	"testing"
	"time"
)

func ov(k Kind, o string) Column { return Column{Kind: k, Override: o, Scale: -1} }

func TestOverrideString(t *testing.T) {
	const o = OverrideString
	u := [16]byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	d40 := "1234567890123456789012345678901234567890.5"
	runValueCases(t, []valueCase{
		{name: "int32", col: ov(KindInt32, o), v: int64(42), want: `{"v":"42"}`},
		{name: "int64 min", col: ov(KindInt64, o), v: int64(math.MinInt64), want: `{"v":"-9223372036854775808"}`},
		{name: "uint64 max", col: ov(KindInt64, o), v: uint64(math.MaxUint64), want: `{"v":"18446744073709551615"}`},
		{name: "double shortest", col: ov(KindDouble, o), v: 0.1, want: `{"v":"0.1"}`},
		{name: "float32 shortest", col: ov(KindDouble, o), v: float32(0.1), want: `{"v":"0.1"}`},
		{name: "double NaN", col: ov(KindDouble, o), v: math.NaN(), want: `{"v":"NaN"}`},
		{name: "double -Inf", col: ov(KindDouble, o), v: math.Inf(-1), want: `{"v":"-Infinity"}`},
		{name: "double large", col: ov(KindDouble, o), v: 1e21, want: `{"v":"1e+21"}`},
		{name: "decimal text as is", col: ov(KindDecimal, o), v: "12.5000", want: `{"v":"12.5000"}`},
		{name: "decimal beyond Decimal128", col: ov(KindDecimal, o), v: d40, want: `{"v":"` + d40 + `"}`},
		{name: "bool", col: ov(KindBool, o), v: true, want: `{"v":"true"}`},
		{name: "string", col: ov(KindString, o), v: "x", want: `{"v":"x"}`},
		{name: "string invalid UTF-8", col: ov(KindString, o), v: "\xff", errSub: "not valid UTF-8"},
		{name: "binary base64", col: ov(KindBinary, o), v: []byte{0, 1, 255}, want: `{"v":"AAH/"}`},
		{name: "empty binary", col: ov(KindBinary, o), v: []byte{}, want: `{"v":""}`},
		{name: "uuid lowercase canonical", col: ov(KindUUID, o), v: u, want: `{"v":"123e4567-e89b-12d3-a456-426614174000"}`},
		{name: "date BC", col: ov(KindDate, o), v: Date{Year: -4712, Month: 1, Day: 1}, want: `{"v":"-4712-01-01"}`},
		{name: "date infinity", col: ov(KindDate, o), v: Date{Inf: 1}, want: `{"v":"infinity"}`},
		{name: "timestamp keeps micros, no note", col: ov(KindTimestamp, o), v: WallTime{Year: 2024, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5, Nanosecond: 123456000}, want: `{"v":"2024-01-02T03:04:05.123456"}`},
		{name: "timestamptz in UTC", col: ov(KindTimestampTZ, o), v: time.Date(2024, 1, 2, 4, 4, 5, 123456000, time.FixedZone("", 3600)), want: `{"v":"2024-01-02T03:04:05.123456Z"}`},
		{name: "timestamptz -infinity", col: ov(KindTimestampTZ, o), v: Infinity(-1), want: `{"v":"-infinity"}`},
		{name: "time", col: ov(KindTime, o), v: "12:00:00", want: `{"v":"12:00:00"}`},
		{name: "interval", col: ov(KindInterval, o), v: Interval{Days: 1}, want: `{"v":"P1D"}`},
		{name: "json text as given", col: ov(KindJSON, o), v: `{"b":1, "a":1e400}`, want: `{"v":"{\"b\":1, \"a\":1e400}"}`},
		{name: "bit string", col: ov(KindBitString, o), v: "101", want: `{"v":"101"}`},
		{name: "bit string bad", col: ov(KindBitString, o), v: "10x", errSub: "other than 0 and 1"},
		{name: "text", col: ov(KindText, o), v: "(1,2)", want: `{"v":"(1,2)"}`},
	})
}

func TestOverrideNumbers(t *testing.T) {
	runValueCases(t, []valueCase{
		// INTEGER
		{name: "INTEGER from int64", col: ov(KindInt64, OverrideInteger), v: int64(5), want: `{"v":{"$numberInt":"5"}}`},
		{name: "INTEGER from int64 out of range", col: ov(KindInt64, OverrideInteger), v: int64(1 << 31), errSub: "not a whole number between -2147483648 and 2147483647"},
		{name: "INTEGER from uint64 overflow", col: ov(KindInt64, OverrideInteger), v: uint64(math.MaxUint64), errSub: "18446744073709551615"},
		{name: "INTEGER from double", col: ov(KindDouble, OverrideInteger), v: 3.0, want: `{"v":{"$numberInt":"3"}}`},
		{name: "INTEGER from double fraction", col: ov(KindDouble, OverrideInteger), v: 3.5, errSub: "not a whole number"},
		{name: "INTEGER from double -0", col: ov(KindDouble, OverrideInteger), v: math.Copysign(0, -1), errSub: "not a whole number"},
		{name: "INTEGER from double NaN", col: ov(KindDouble, OverrideInteger), v: math.NaN(), errSub: "not a whole number"},
		{name: "INTEGER from decimal with zero scale", col: ov(KindDecimal, OverrideInteger), v: "12.000", want: `{"v":{"$numberInt":"12"}}`},
		{name: "INTEGER from decimal exponent", col: ov(KindDecimal, OverrideInteger), v: "1E+3", want: `{"v":{"$numberInt":"1000"}}`},
		{name: "INTEGER from decimal zero", col: ov(KindDecimal, OverrideInteger), v: "-0.00", want: `{"v":{"$numberInt":"0"}}`},
		{name: "INTEGER from decimal fraction", col: ov(KindDecimal, OverrideInteger), v: "12.5", errSub: "not a whole number"},
		{name: "INTEGER from decimal NaN", col: ov(KindDecimal, OverrideInteger), v: "NaN", errSub: "not a whole number"},
		{name: "INTEGER from string", col: ov(KindString, OverrideInteger), v: "-17", want: `{"v":{"$numberInt":"-17"}}`},
		{name: "INTEGER from string not a number", col: ov(KindString, OverrideInteger), v: "abc", errSub: "is not a number"},
		{name: "INTEGER from string huge", col: ov(KindString, OverrideInteger), v: "1e99999", errSub: "not a whole number"},
		{name: "INTEGER from text", col: ov(KindText, OverrideInteger), v: "42", want: `{"v":{"$numberInt":"42"}}`},
		// LONG
		{name: "LONG from int32", col: ov(KindInt32, OverrideLong), v: int32(7), want: `{"v":{"$numberLong":"7"}}`},
		{name: "LONG from double 2^53", col: ov(KindDouble, OverrideLong), v: float64(1 << 53), want: `{"v":{"$numberLong":"9007199254740992"}}`},
		{name: "LONG from double 2^63", col: ov(KindDouble, OverrideLong), v: math.Ldexp(1, 63), errSub: "not a whole number between"},
		{name: "LONG from decimal max", col: ov(KindDecimal, OverrideLong), v: "9223372036854775807", want: `{"v":{"$numberLong":"9223372036854775807"}}`},
		{name: "LONG from decimal min", col: ov(KindDecimal, OverrideLong), v: "-9223372036854775808", want: `{"v":{"$numberLong":"-9223372036854775808"}}`},
		{name: "LONG from decimal overflow", col: ov(KindDecimal, OverrideLong), v: "9223372036854775808", errSub: "not a whole number"},
		{name: "LONG from string leading zeros", col: ov(KindString, OverrideLong), v: "00042", want: `{"v":{"$numberLong":"42"}}`},
		// DOUBLE
		{name: "DOUBLE from int64 2^53", col: ov(KindInt64, OverrideDouble), v: int64(1 << 53), want: `{"v":{"$numberDouble":"9.007199254740992E+15"}}`},
		{name: "DOUBLE from int64 2^53+1", col: ov(KindInt64, OverrideDouble), v: int64(1<<53 + 1), errSub: "has no exact double"},
		{name: "DOUBLE from int64 max", col: ov(KindInt64, OverrideDouble), v: int64(math.MaxInt64), errSub: "has no exact double"},
		{name: "DOUBLE from double", col: ov(KindDouble, OverrideDouble), v: math.NaN(), want: `{"v":{"$numberDouble":"NaN"}}`},
		{name: "DOUBLE from decimal scale", col: ov(KindDecimal, OverrideDouble), v: "12.5000", want: `{"v":{"$numberDouble":"12.5"}}`},
		{name: "DOUBLE from decimal 0.1", col: ov(KindDecimal, OverrideDouble), v: "0.1", want: `{"v":{"$numberDouble":"0.1"}}`},
		{name: "DOUBLE from decimal too precise", col: ov(KindDecimal, OverrideDouble), v: "0.10000000000000000001", errSub: "has no exact double"},
		{name: "DOUBLE from decimal NaN", col: ov(KindDecimal, OverrideDouble), v: "NaN", want: `{"v":{"$numberDouble":"NaN"}}`},
		{name: "DOUBLE from decimal -Infinity", col: ov(KindDecimal, OverrideDouble), v: "-Infinity", want: `{"v":{"$numberDouble":"-Infinity"}}`},
		{name: "DOUBLE from string beyond range", col: ov(KindString, OverrideDouble), v: "1e400", errSub: "has no exact double"},
		{name: "DOUBLE from string", col: ov(KindString, OverrideDouble), v: "-2.5", want: `{"v":{"$numberDouble":"-2.5"}}`},
		// DECIMAL
		{name: "DECIMAL from int64 max", col: ov(KindInt64, OverrideDecimal), v: int64(math.MaxInt64), want: `{"v":{"$numberDecimal":"9223372036854775807"}}`},
		{name: "DECIMAL from uint64 max", col: ov(KindInt64, OverrideDecimal), v: uint64(math.MaxUint64), want: `{"v":{"$numberDecimal":"18446744073709551615"}}`},
		{name: "DECIMAL from double shortest", col: ov(KindDouble, OverrideDecimal), v: 0.1, want: `{"v":{"$numberDecimal":"0.1"}}`},
		{name: "DECIMAL from float32 shortest", col: ov(KindDouble, OverrideDecimal), v: float32(0.1), want: `{"v":{"$numberDecimal":"0.1"}}`},
		{name: "DECIMAL from double large", col: ov(KindDouble, OverrideDecimal), v: 1e300, want: `{"v":{"$numberDecimal":"1E+300"}}`},
		{name: "DECIMAL from double NaN", col: ov(KindDouble, OverrideDecimal), v: math.NaN(), want: `{"v":{"$numberDecimal":"NaN"}}`},
		{name: "DECIMAL from decimal pads scale", col: Column{Kind: KindDecimal, Override: OverrideDecimal, Scale: 2}, v: "1.5", want: `{"v":{"$numberDecimal":"1.50"}}`},
		{name: "DECIMAL from decimal too long", col: ov(KindDecimal, OverrideDecimal), v: "12345678901234567890123456789012345", errSub: "35 significant digits"},
		{name: "DECIMAL from string", col: ov(KindString, OverrideDecimal), v: "1.230", want: `{"v":{"$numberDecimal":"1.230"}}`},
		{name: "DECIMAL from string not a number", col: ov(KindString, OverrideDecimal), v: "1,5", errSub: "is not a number"},
	})
}

func TestOverrideOthers(t *testing.T) {
	berlin := Options{Location: mustLoad(t, "Europe/Berlin")}
	u := [16]byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	const uuidJSON = `{"v":{"$binary":{"base64":"Ej5FZ+ibEtOkVkJmFBdAAA==","subType":"04"}}}`
	runValueCases(t, []valueCase{
		// BOOLEAN
		{name: "BOOLEAN from bool", col: ov(KindBool, OverrideBoolean), v: false, want: `{"v":false}`},
		{name: "BOOLEAN from int 1", col: ov(KindInt32, OverrideBoolean), v: int64(1), want: `{"v":true}`},
		{name: "BOOLEAN from int 2", col: ov(KindInt64, OverrideBoolean), v: int64(2), errSub: "is not a boolean"},
		{name: "BOOLEAN from string t", col: ov(KindString, OverrideBoolean), v: "t", want: `{"v":true}`},
		{name: "BOOLEAN from string FALSE", col: ov(KindText, OverrideBoolean), v: "FALSE", want: `{"v":false}`},
		{name: "BOOLEAN from string yes", col: ov(KindString, OverrideBoolean), v: "yes", errSub: "is not a boolean"},
		{name: "BOOLEAN from bit", col: ov(KindBitString, OverrideBoolean), v: "1", want: `{"v":true}`},
		{name: "BOOLEAN from bits", col: ov(KindBitString, OverrideBoolean), v: "10", errSub: "is not a boolean"},
		// DATE
		{name: "DATE from date", col: ov(KindDate, OverrideDate), v: Date{Year: 1, Month: 1, Day: 1}, want: `{"v":{"$date":{"$numberLong":"-62135596800000"}}}`},
		{name: "DATE from timestamp", col: ov(KindTimestamp, OverrideDate), opts: berlin, v: WallTime{Year: 2024, Month: 10, Day: 27, Hour: 2, Minute: 30}, want: `{"v":{"$date":{"$numberLong":"1729989000000"}}}`, note: NoteDSTAmbiguous},
		{name: "DATE from timestamptz", col: ov(KindTimestampTZ, OverrideDate), v: time.UnixMilli(5).UTC(), want: `{"v":{"$date":{"$numberLong":"5"}}}`},
		{name: "DATE from Unix seconds", col: ov(KindInt64, OverrideDate), v: int64(86400), want: `{"v":{"$date":{"$numberLong":"86400000"}}}`},
		{name: "DATE from Unix seconds overflow", col: ov(KindInt64, OverrideDate), v: int64(math.MaxInt64), errSub: "outside the range of a BSON Date"},
		{name: "DATE from ISO date", col: ov(KindString, OverrideDate), opts: berlin, v: "2024-01-02", want: `{"v":{"$date":{"$numberLong":"1704153600000"}}}`},
		{name: "DATE from naive ISO read in zone", col: ov(KindString, OverrideDate), opts: berlin, v: "2024-01-02T03:04:05.123", want: `{"v":{"$date":{"$numberLong":"1704161045123"}}}`},
		{name: "DATE from naive ISO in gap", col: ov(KindText, OverrideDate), opts: berlin, v: "2024-03-31 02:30", want: `{"v":{"$date":{"$numberLong":"1711848600000"}}}`, note: NoteDSTGap},
		{name: "DATE from ISO with offset", col: ov(KindString, OverrideDate), opts: berlin, v: "2024-01-02 05:04:05+02:00", want: `{"v":{"$date":{"$numberLong":"1704164645000"}}}`},
		{name: "DATE from ISO with short offset", col: ov(KindString, OverrideDate), v: "2024-01-02 01:04:05-02", want: `{"v":{"$date":{"$numberLong":"1704164645000"}}}`},
		{name: "DATE from ISO Z sub-ms", col: ov(KindString, OverrideDate), v: "2024-01-02T03:04:05.1234Z", want: `{"v":{"$date":{"$numberLong":"1704164645123"}}}`, note: NoteSubMillisecondTruncated},
		{name: "DATE from BC text", col: ov(KindString, OverrideDate), v: "4713-01-01 BC", want: `{"v":{"$date":{"$numberLong":"-210863520000000"}}}`},
		{name: "DATE from expanded year", col: ov(KindString, OverrideDate), v: "+294276-12-31", want: `{"v":{"$date":{"$numberLong":"9224317929600000"}}}`},
		{name: "DATE from negative year", col: ov(KindString, OverrideDate), v: "-4712-01-01", want: `{"v":{"$date":{"$numberLong":"-210863520000000"}}}`},
		{name: "DATE from infinity", col: ov(KindString, OverrideDate), v: "-infinity", want: `{"v":{"$date":{"$numberLong":"-9223372036854775808"}}}`},
		{name: "DATE from invalid day", col: ov(KindString, OverrideDate), v: "2024-02-30", errSub: "not a valid calendar date"},
		{name: "DATE from invalid time", col: ov(KindString, OverrideDate), v: "2024-02-03T25:00:00Z", errSub: "not a valid date and time"},
		{name: "DATE from word", col: ov(KindString, OverrideDate), v: "yesterday", errSub: "not an ISO 8601 date"},
		{name: "DATE from bad offset", col: ov(KindString, OverrideDate), v: "2024-01-02T03:04:05+2", errSub: "not an ISO 8601 date"},
		// UUID
		{name: "UUID from uuid", col: ov(KindUUID, OverrideUUID), v: u, want: uuidJSON},
		{name: "UUID from binary", col: ov(KindBinary, OverrideUUID), v: u[:], want: uuidJSON},
		{name: "UUID from short binary", col: ov(KindBinary, OverrideUUID), v: u[:15], errSub: "15 bytes, not the 16"},
		{name: "UUID from upper-case string", col: ov(KindString, OverrideUUID), v: "123E4567-E89B-12D3-A456-426614174000", want: uuidJSON},
		{name: "UUID from 32 hex", col: ov(KindString, OverrideUUID), v: "123e4567e89b12d3a456426614174000", errSub: "not a UUID"},
		{name: "UUID from braces", col: ov(KindString, OverrideUUID), v: "{123e4567-e89b-12d3-a456-426614174000}", errSub: "not a UUID"},
		{name: "UUID from non-hex", col: ov(KindString, OverrideUUID), v: "123e4567-e89b-12d3-a456-42661417400g", errSub: "not a UUID"},
		// BINARY
		{name: "BINARY from binary", col: ov(KindBinary, OverrideBinary), v: []byte{}, want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`},
		{name: "BINARY from uuid", col: ov(KindUUID, OverrideBinary), v: u, want: `{"v":{"$binary":{"base64":"Ej5FZ+ibEtOkVkJmFBdAAA==","subType":"00"}}}`},
		{name: "BINARY from text bytes", col: ov(KindString, OverrideBinary), v: "abc", want: `{"v":{"$binary":{"base64":"YWJj","subType":"00"}}}`},
		{name: "BINARY rescues invalid UTF-8", col: ov(KindString, OverrideBinary), v: []byte{0xff}, want: `{"v":{"$binary":{"base64":"/w==","subType":"00"}}}`},
		// OBJECT_ID
		{name: "OBJECT_ID from hex", col: ov(KindString, OverrideObjectID), v: "507f1f77bcf86cd799439011", want: `{"v":{"$oid":"507f1f77bcf86cd799439011"}}`},
		{name: "OBJECT_ID from upper hex", col: ov(KindText, OverrideObjectID), v: "507F1F77BCF86CD799439011", want: `{"v":{"$oid":"507f1f77bcf86cd799439011"}}`},
		{name: "OBJECT_ID from 23 chars", col: ov(KindString, OverrideObjectID), v: "507f1f77bcf86cd79943901", errSub: "not 24 hexadecimal characters"},
		{name: "OBJECT_ID from non-hex", col: ov(KindString, OverrideObjectID), v: "507f1f77bcf86cd79943901z", errSub: "not 24 hexadecimal characters"},
		{name: "OBJECT_ID from binary", col: ov(KindBinary, OverrideObjectID), v: []byte{0x50, 0x7f, 0x1f, 0x77, 0xbc, 0xf8, 0x6c, 0xd7, 0x99, 0x43, 0x90, 0x11}, want: `{"v":{"$oid":"507f1f77bcf86cd799439011"}}`},
		{name: "OBJECT_ID from short binary", col: ov(KindBinary, OverrideObjectID), v: []byte{1}, errSub: "1 bytes, not the 12"},
		// Not applicable
		{name: "INTEGER on bool", col: ov(KindBool, OverrideInteger), v: true, errSub: `type override "INTEGER" cannot apply to a bool column`},
		{name: "UUID on int", col: ov(KindInt32, OverrideUUID), v: int64(1), errSub: "cannot apply"},
		{name: "OBJECT_ID on uuid", col: ov(KindUUID, OverrideObjectID), v: u, errSub: "cannot apply"},
		{name: "DOUBLE on json", col: ov(KindJSON, OverrideDouble), v: "1", errSub: "cannot apply"},
		{name: "unknown override", col: ov(KindString, "FLOAT"), v: "1", errSub: `type override "FLOAT" cannot apply`},
		{name: "lower-case override", col: ov(KindString, "string"), v: "1", errSub: "cannot apply"},
		// Go type mismatches stay dialect bugs under overrides too.
		{name: "STRING on int wrong type", col: ov(KindInt32, OverrideString), v: "1", goType: true},
		{name: "DATE on timestamp wrong type", col: ov(KindTimestamp, OverrideDate), v: "2024-01-01", goType: true},
	})
}

// TestOverrideAppliesMatrix pins which overrides apply to which kinds, and
// checks that Value agrees: where OverrideApplies is false, Value refuses
// with a record error before looking at the value.
func TestOverrideAppliesMatrix(t *testing.T) {
	all := []string{OverrideString, OverrideInteger, OverrideLong, OverrideDouble, OverrideDecimal,
		OverrideBoolean, OverrideDate, OverrideUUID, OverrideBinary, OverrideObjectID}
	want := map[Kind]string{ // one letter per override in the order of all, '.' = not applicable
		KindInt32:       "SILDNBD...",
		KindInt64:       "SILDNBD...",
		KindDouble:      "SILDN.....",
		KindDecimal:     "SILDN.....",
		KindBool:        "S....B....",
		KindString:      "SILDNBDUBO",
		KindText:        "SILDNBDUBO",
		KindBinary:      "S......UBO",
		KindUUID:        "S......UB.",
		KindDate:        "S.....D...",
		KindTimestamp:   "S.....D...",
		KindTimestampTZ: "S.....D...",
		KindTime:        "S.........",
		KindInterval:    "S.........",
		KindJSON:        "S.........",
		KindHstore:      "S.........",
		KindBitString:   "S....B....",
		KindArray:       "SILDNBDUBO",
		KindInvalid:     "..........",
	}
	for k, row := range want {
		if !OverrideApplies(k, "") && k != KindInvalid {
			t.Errorf("%s: empty override must apply", k)
		}
		for i, o := range all {
			if got, exp := OverrideApplies(k, o), row[i] != '.'; got != exp {
				t.Errorf("OverrideApplies(%s, %s) = %v, want %v", k, o, got, exp)
			}
			if k == KindArray || k == KindInvalid || row[i] != '.' {
				continue
			}
			_, _, err := Value(Column{Name: "c", Kind: k, Override: o}, struct{}{}, Options{})
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("Value with inapplicable %s on %s: want *Error, got %v", o, k, err)
			}
		}
	}
	if OverrideApplies(KindString, "FLOAT") {
		t.Error("unknown override applies")
	}
	tests := []struct {
		col  Column
		want bool
	}{
		{Column{Kind: KindArray, Element: KindDecimal, Override: OverrideDouble}, true},
		{Column{Kind: KindArray, Element: KindBool, Override: OverrideDouble}, false},
		{Column{Kind: KindArray, Element: KindArray, Override: OverrideString}, false},
		{Column{Kind: KindBool, Override: OverrideBoolean}, true},
	}
	for _, tc := range tests {
		if got := OverrideAppliesTo(tc.col); got != tc.want {
			t.Errorf("OverrideAppliesTo(%+v) = %v, want %v", tc.col, got, tc.want)
		}
	}
}
