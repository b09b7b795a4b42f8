package convert

import (
	"errors"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDecimal(t *testing.T) {
	dec := Column{Kind: KindDecimal, Scale: -1}
	d34 := "1234567890123456789012345678901234"
	runValueCases(t, []valueCase{
		{name: "scale kept", col: dec, v: "12.5000", want: `{"v":{"$numberDecimal":"12.5000"}}`},
		{name: "zero", col: dec, v: "0", want: `{"v":{"$numberDecimal":"0"}}`},
		{name: "zero with scale", col: dec, v: "0.000", want: `{"v":{"$numberDecimal":"0.000"}}`},
		{name: "negative zero", col: dec, v: "-0.0", want: `{"v":{"$numberDecimal":"-0.0"}}`},
		{name: "negative small", col: dec, v: "-0.001", want: `{"v":{"$numberDecimal":"-0.001"}}`},
		{name: "exponent form", col: dec, v: "1E+5", want: `{"v":{"$numberDecimal":"1E+5"}}`},
		{name: "leading plus", col: dec, v: "+3.10", want: `{"v":{"$numberDecimal":"3.10"}}`},
		{name: "bytes", col: dec, v: []byte("42"), want: `{"v":{"$numberDecimal":"42"}}`},
		{name: "money", col: dec, v: "-92233720368547758.08", want: `{"v":{"$numberDecimal":"-92233720368547758.08"}}`},
		{name: "34 digits", col: dec, v: d34, want: `{"v":{"$numberDecimal":"` + d34 + `"}}`},
		{name: "34 digits with point", col: dec, v: "123456789012345678901234.5678901234", want: `{"v":{"$numberDecimal":"123456789012345678901234.5678901234"}}`},
		{name: "leading zeros are not significant", col: dec, v: "0000.0000000000000000000000000000000000001234", want: `{"v":{"$numberDecimal":"1.234E-37"}}`},
		{name: "35 digits", col: dec, v: d34 + "5", errSub: "35 significant digits, more than the 34 a Decimal128 holds; override the field type to STRING"},
		{name: "35 digits from trailing zero", col: dec, v: d34 + ".0", errSub: "35 significant digits"},
		{name: "40 digits message abbreviated", col: dec, v: d34 + "123456", errSub: `"12345678901234567890123456789012"…(40 bytes)`},
		{name: "NaN", col: dec, v: "NaN", want: `{"v":{"$numberDecimal":"NaN"}}`},
		{name: "Infinity", col: dec, v: "Infinity", want: `{"v":{"$numberDecimal":"Infinity"}}`},
		{name: "-Infinity", col: dec, v: "-Infinity", want: `{"v":{"$numberDecimal":"-Infinity"}}`},
		{name: "max exponent", col: dec, v: "1E+6111", want: `{"v":{"$numberDecimal":"1E+6111"}}`},
		{name: "min exponent", col: dec, v: "1E-6176", want: `{"v":{"$numberDecimal":"1E-6176"}}`},
		{name: "exponent too large", col: dec, v: "1E+6112", errSub: "exponent outside the Decimal128 range"},
		{name: "exponent too small", col: dec, v: "1E-6177", errSub: "exponent outside the Decimal128 range"},
		{name: "huge exponent", col: dec, v: "1e99999999999999999999999", errSub: "exponent outside"},
		{name: "not a number", col: dec, v: "abc", errSub: "is not a decimal number"},
		{name: "empty", col: dec, v: "", errSub: "is not a decimal number"},
		{name: "space", col: dec, v: " 1", errSub: "is not a decimal number"},
		{name: "signed NaN", col: dec, v: "-NaN", errSub: "is not a decimal number"},
		{name: "wrong type", col: dec, v: 1.5, goType: true},
		{name: "scale pads", col: Column{Kind: KindDecimal, Scale: 2}, v: "1.5", want: `{"v":{"$numberDecimal":"1.50"}}`},
		{name: "scale pads integer", col: Column{Kind: KindDecimal, Scale: 2}, v: "7", want: `{"v":{"$numberDecimal":"7.00"}}`},
		{name: "scale pads exponent", col: Column{Kind: KindDecimal, Scale: 2}, v: "1E+5", want: `{"v":{"$numberDecimal":"100000.00"}}`},
		{name: "scale never drops digits", col: Column{Kind: KindDecimal, Scale: 2}, v: "1.505", want: `{"v":{"$numberDecimal":"1.505"}}`},
		{name: "scale 0 keeps zeros", col: Column{Kind: KindDecimal, Scale: 0}, v: "12.000", want: `{"v":{"$numberDecimal":"12.000"}}`},
		{name: "scale pad beyond 34 digits keeps value", col: Column{Kind: KindDecimal, Scale: 10}, v: d34[:30], want: `{"v":{"$numberDecimal":"` + d34[:30] + `"}}`},
		{name: "scale zero value", col: Column{Kind: KindDecimal, Scale: 3}, v: "0", want: `{"v":{"$numberDecimal":"0.000"}}`},
	})
}

func TestExactDouble(t *testing.T) {
	tests := []struct {
		in   string
		want string // FormatFloat of the double, or "" when none is exact
	}{
		{"0.1", "0.1"},
		{"2.50", "2.5"},
		{"1e5", "100000"},
		{"-0.0", "-0"},
		{"0.10000000000000000001", ""},
		{"1e400", ""},
		{"1e-400", ""},
		{"5e-324", "5e-324"},
		{"1.7976931348623157e308", "1.7976931348623157e+308"},
		{"9007199254740993", ""},  // 2^53+1
		{"12345678901234567", ""}, // nearest double prints 12345678901234568
	}
	for _, tc := range tests {
		d, ok := parseDecimalText(tc.in)
		if !ok {
			t.Fatalf("parse %q failed", tc.in)
		}
		f, ok := d.exactDouble()
		got := ""
		if ok {
			got = strconv.FormatFloat(f, 'g', -1, 64)
		}
		if got != tc.want {
			t.Errorf("exactDouble(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// decimalRE is an independent reading of decimal text for the fuzz oracle.
var decimalRE = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)

type oracleDec struct {
	neg  bool
	coef *big.Int
	exp  int64
	sig  int // significant digits: from the first non-zero digit, trailing zeros included
}

func oracleParse(s string) (oracleDec, bool) {
	m := decimalRE.FindStringSubmatch(s)
	if m == nil || m[2]+m[3] == "" {
		return oracleDec{}, false
	}
	e := int64(0)
	if m[4] != "" {
		x, err := strconv.ParseInt(m[4], 10, 64)
		if err != nil || x > 1e12 || x < -1e12 {
			x = 1e12 // far out of every range either way
		}
		e = x
	}
	digits := m[2] + m[3]
	c, _ := new(big.Int).SetString(digits, 10)
	return oracleDec{
		neg:  m[1] == "-",
		coef: c,
		exp:  e - int64(len(m[3])),
		sig:  len(strings.TrimLeft(digits, "0")),
	}, true
}

// FuzzDecimal: a decimal text is either stored with exactly its coefficient
// and exponent (value and scale), or rejected with *Error — and rejected only
// when it is malformed or beyond Decimal128's 34 digits / exponent range.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"12.5000", "0", "-0.001", "1E+5", "NaN", "Infinity", "-Infinity", "0.000",
		"1234567890123456789012345678901234", "12345678901234567890123456789012345", "1E-6176", "1E+6112",
		".5", "5.", "-", "1e", "00012.3400e-2", "9.999999999999999999999999999999999E+6144"} {
		f.Add(s)
	}
	col := Column{Name: "n", Kind: KindDecimal, Scale: -1}
	f.Fuzz(func(t *testing.T, s string) {
		v, _, err := Value(col, s, Options{})
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("%q: error is not *Error: %v", s, err)
		}
		src, isNum := oracleParse(s)
		if !isNum {
			lower := strings.ToLower(strings.TrimLeft(s, "+-"))
			special := lower == "nan" && s == strings.TrimLeft(s, "+-") || lower == "inf" || lower == "infinity"
			special = special && len(s)-len(strings.TrimLeft(s, "+-")) <= 1
			if !special {
				if err == nil {
					t.Fatalf("%q: accepted a malformed number", s)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: rejected a special: %v", s, err)
			}
			d := v.Decimal128()
			switch {
			case lower == "nan":
				if !d.IsNaN() {
					t.Fatalf("%q -> %v, want NaN", s, d)
				}
			case strings.HasPrefix(s, "-"):
				if d.IsInf() != -1 {
					t.Fatalf("%q -> %v, want -Infinity", s, d)
				}
			default:
				if d.IsInf() != 1 {
					t.Fatalf("%q -> %v, want Infinity", s, d)
				}
			}
			return
		}
		fits := src.sig <= 34 && src.exp >= -6176 && src.exp <= 6111
		if !fits {
			if err == nil {
				t.Fatalf("%q: accepted beyond Decimal128 (sig %d, exp %d) as %v", s, src.sig, src.exp, v.Decimal128())
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: rejected a representable decimal: %v", s, err)
		}
		printed := v.Decimal128().String()
		back, ok := oracleParse(printed)
		if !ok {
			t.Fatalf("%q printed as unparsable %q", s, printed)
		}
		if back.neg != src.neg || back.coef.Cmp(src.coef) != 0 || back.exp != src.exp {
			t.Fatalf("%q printed back as %q (coef %v exp %d neg %v), want coef %v exp %d neg %v",
				s, printed, back.coef, back.exp, back.neg, src.coef, src.exp, src.neg)
		}
	})
}
