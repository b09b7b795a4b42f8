package convert

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson/bsontype"
)

func TestJSON(t *testing.T) {
	j := Column{Kind: KindJSON}
	deep := strings.Repeat("[", 101) + strings.Repeat("]", 101)
	okDeep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	runValueCases(t, []valueCase{
		{name: "object keeps key order", col: j, v: `{"b":1,"a":2}`, want: `{"v":{"b":{"$numberInt":"1"},"a":{"$numberInt":"2"}}}`},
		{name: "bytes input", col: j, v: []byte(`[true,null,"x"]`), want: `{"v":[true,null,"x"]}`},
		{name: "scalar string", col: j, v: `"hi"`, want: `{"v":"hi"}`},
		{name: "scalar null", col: j, v: ` null `, want: `{"v":null}`},
		{name: "empty object", col: j, v: `{}`, want: `{"v":{}}`},
		{name: "empty array", col: j, v: `[]`, want: `{"v":[]}`},
		{name: "int32", col: j, v: `2147483647`, want: `{"v":{"$numberInt":"2147483647"}}`},
		{name: "int64", col: j, v: `2147483648`, want: `{"v":{"$numberLong":"2147483648"}}`},
		{name: "int64 min", col: j, v: `-9223372036854775808`, want: `{"v":{"$numberLong":"-9223372036854775808"}}`},
		{name: "2^63 is decimal", col: j, v: `9223372036854775808`, want: `{"v":{"$numberDecimal":"9223372036854775808"}}`},
		{name: "integer -0", col: j, v: `-0`, want: `{"v":{"$numberInt":"0"}}`},
		{name: "double 0.1", col: j, v: `0.1`, want: `{"v":{"$numberDouble":"0.1"}}`},
		{name: "double -0.0", col: j, v: `-0.0`, want: `{"v":{"$numberDouble":"-0.0"}}`},
		{name: "double with trailing zero", col: j, v: `2.50`, want: `{"v":{"$numberDouble":"2.5"}}`},
		{name: "exponent integer value is double", col: j, v: `1e5`, want: `{"v":{"$numberDouble":"100000.0"}}`},
		{name: "more precise than double", col: j, v: `0.10000000000000000001`, want: `{"v":{"$numberDecimal":"0.10000000000000000001"}}`},
		{name: "beyond double range", col: j, v: `1e400`, want: `{"v":{"$numberDecimal":"1E+400"}}`},
		{name: "below double range", col: j, v: `-1.5e-400`, want: `{"v":{"$numberDecimal":"-1.5E-400"}}`},
		{name: "nested big numbers", col: j, v: `{"a":{"b":[18446744073709551616,1e400,0.5]}}`,
			want: `{"v":{"a":{"b":[{"$numberDecimal":"18446744073709551616"},{"$numberDecimal":"1E+400"},{"$numberDouble":"0.5"}]}}}`},
		{name: "too many digits", col: j, v: `{"a":[1,12345678901234567890123456789012345]}`, errSub: `at $."a"[1] has the number "12345678901234567890123456789012"…(35 bytes) with 35 significant digits`},
		{name: "exponent out of range", col: j, v: `1e7000`, errSub: "exponent outside the Decimal128 range"},
		{name: "duplicate key keeps first position last value", col: j, v: `{"a":1,"b":2,"a":3}`, want: `{"v":{"a":{"$numberInt":"3"},"b":{"$numberInt":"2"}}}`},
		{name: "escaped text", col: j, v: `"\u00e9\ud83d\ude00\n"`, want: `{"v":"é😀\n"}`},
		{name: "NUL in string kept", col: j, v: `"a\u0000b"`, want: `{"v":"a\u0000b"}`},
		{name: "NUL in key", col: j, v: `{"a\u0000":1}`, errSub: "NUL character"},
		{name: "lone high surrogate", col: j, v: `"\ud800x"`, errSub: "unpaired UTF-16 surrogate escape at offset 1"},
		{name: "lone low surrogate", col: j, v: `["\udc00"]`, errSub: "unpaired UTF-16 surrogate"},
		{name: "escaped backslash before u is not an escape", col: j, v: `"\\ud800"`, want: `{"v":"\\ud800"}`},
		{name: "invalid UTF-8", col: j, v: "\"\xff\"", errSub: "not valid UTF-8"},
		{name: "syntax error", col: j, v: `{"a" 1}`, errSub: "is not valid JSON"},
		{name: "truncated", col: j, v: `{"a":[1,2`, errSub: "JSON value"},
		{name: "trailing data", col: j, v: `1 2`, errSub: "data after the JSON value"},
		{name: "empty text", col: j, v: ``, errSub: "is truncated"},
		{name: "100 levels ok", col: j, v: okDeep, want: `{"v":` + okDeep + `}`},
		{name: "101 levels refused", col: j, v: deep, errSub: "nests deeper than 100 levels"},
		{name: "wrong type", col: j, v: 5, goType: true},
	})
}

// FuzzJSONNumber: a JSON number becomes a value that prints back to exactly
// the number's value, or an *Error only when Decimal128 cannot hold it; the
// BSON type follows the rule of TYPES.md.
func FuzzJSONNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "0.1", "1e5", "2147483648", "9223372036854775808", "1e400", "-1.5e-400",
		"0.10000000000000000001", "123456789012345678901234567890123456", "5e-324", "1.7976931348623157e308",
		"9007199254740993", "-0.0", "1E-6176", "1e-6200", "100000000000000000000000000000000000000"} {
		f.Add(s)
	}
	col := Column{Name: "j", Kind: KindJSON}
	f.Fuzz(func(t *testing.T, s string) {
		if !isJSONNumberText(s) {
			return
		}
		v, _, err := Value(col, s, Options{})
		src, _ := oracleParse(s)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%q: error is not *Error: %v", s, err)
			}
			// Only a number beyond Decimal128 may be refused.
			if src.sig <= 34 && src.exp >= -6176 && src.exp <= 6111 {
				t.Fatalf("%q: refused a number Decimal128 holds: %v", s, err)
			}
			return
		}
		integer := !strings.ContainsAny(s, ".eE")
		var printed string
		switch v.Type {
		case bsontype.Int32:
			printed = strconv.FormatInt(int64(v.Int32()), 10)
			if !integer {
				t.Fatalf("%q: non-integer syntax became Int32", s)
			}
		case bsontype.Int64:
			i := v.Int64()
			printed = strconv.FormatInt(i, 10)
			if !integer || (i >= math.MinInt32 && i <= math.MaxInt32) {
				t.Fatalf("%q: Int64 %d for a value that is not an int64-only integer", s, i)
			}
		case bsontype.Double:
			if integer {
				t.Fatalf("%q: integer syntax became Double", s)
			}
			printed = strconv.FormatFloat(v.Double(), 'g', -1, 64)
		case bsontype.Decimal128:
			printed = v.Decimal128().String()
			if integer {
				if _, err := strconv.ParseInt(s, 10, 64); err == nil {
					t.Fatalf("%q: an int64 became Decimal128", s)
				}
			} else if f, err := strconv.ParseFloat(s, 64); err == nil {
				if sameOracleValue(s, strconv.FormatFloat(f, 'g', -1, 64)) {
					t.Fatalf("%q: exactly a double but became Decimal128", s)
				}
			}
		default:
			t.Fatalf("%q: unexpected BSON type %v", s, v.Type)
		}
		if !sameOracleValue(s, printed) {
			t.Fatalf("%q became %v printing as %q, a different value", s, v.Type, printed)
		}
	})
}

// isJSONNumberText is the JSON number grammar (RFC 8259).
func isJSONNumberText(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		st := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == st {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		st := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == st {
			return false
		}
	}
	return i == len(s)
}

// sameOracleValue compares two decimal texts by value with the test's own
// parser (sign of zero ignored: integer -0 is 0).
func sameOracleValue(a, b string) bool {
	x, ok1 := oracleParse(a)
	y, ok2 := oracleParse(b)
	if !ok1 || !ok2 {
		return false
	}
	norm := func(d oracleDec) (int, string, int64) {
		if d.coef.Sign() == 0 {
			return 0, "0", 0
		}
		digits := d.coef.String()
		t := strings.TrimRight(digits, "0")
		sign := 1
		if d.neg {
			sign = -1
		}
		return sign, t, d.exp + int64(len(digits)-len(t))
	}
	s1, c1, e1 := norm(x)
	s2, c2, e2 := norm(y)
	return s1 == s2 && c1 == c2 && e1 == e2
}
