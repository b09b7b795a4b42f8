package convert

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Decimal128 limits: a coefficient of at most 34 decimal digits and an
// exponent (of the last digit) between -6176 and 6111.
const (
	maxDecimalDigits = 34
	minDecimalExp    = -6176
	maxDecimalExp    = 6111
)

type decSpecial int

const (
	decFinite decSpecial = iota
	decNaN
	decPosInf
	decNegInf
)

// decText is a parsed decimal number: value = (-1)^neg × coef × 10^exp.
// coef holds the digits without leading zeros but with trailing zeros, because
// trailing zeros carry the scale ("12.5000" is coef "125000", exp -4).
type decText struct {
	special decSpecial
	neg     bool
	coef    string // "" for zero
	exp     int64
}

// expLimit saturates exponents so absurd inputs ("1e99999999999999999999")
// cannot overflow int64 arithmetic; such values are out of every range anyway.
const expLimit = 1 << 40

// parseDecimalText parses [+-]digits[.digits][(e|E)[+-]digits] (".5" and "5."
// allowed, at least one digit) and the specials NaN, Inf, Infinity (any case,
// infinities optionally signed). Nothing else is accepted: no spaces, no
// thousands separators, no hex.
func parseDecimalText(s string) (decText, bool) {
	var d decText
	if s == "" {
		return d, false
	}
	body := s
	sign := byte(0)
	if body[0] == '+' || body[0] == '-' {
		sign = body[0]
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "nan":
		if sign != 0 {
			return d, false
		}
		d.special = decNaN
		return d, true
	case "inf", "infinity":
		d.special = decPosInf
		if sign == '-' {
			d.special = decNegInf
		}
		return d, true
	}
	d.neg = sign == '-'
	i := 0
	intStart := i
	for i < len(body) && isDigit(body[i]) {
		i++
	}
	intPart := body[intStart:i]
	frac := ""
	if i < len(body) && body[i] == '.' {
		i++
		fs := i
		for i < len(body) && isDigit(body[i]) {
			i++
		}
		frac = body[fs:i]
	}
	if intPart == "" && frac == "" {
		return d, false
	}
	var e int64
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		eneg := false
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			eneg = body[i] == '-'
			i++
		}
		es := i
		for i < len(body) && isDigit(body[i]) {
			if e < expLimit {
				e = e*10 + int64(body[i]-'0')
			}
			i++
		}
		if i == es {
			return d, false
		}
		if eneg {
			e = -e
		}
	}
	if i != len(body) {
		return d, false
	}
	d.coef = strings.TrimLeft(intPart+frac, "0")
	d.exp = e - int64(len(frac))
	return d, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// normalized strips trailing zeros, so that two texts of equal value compare equal.
func (d decText) normalized() decText {
	if d.special != decFinite {
		return d
	}
	t := strings.TrimRight(d.coef, "0")
	d.exp += int64(len(d.coef) - len(t))
	d.coef = t
	if d.coef == "" {
		d.exp = 0
	}
	return d
}

// sameValue reports whether a and b denote the same number (scale ignored,
// the sign of zero respected).
func sameValue(a, b decText) bool {
	a, b = a.normalized(), b.normalized()
	return a.special == b.special && a.neg == b.neg && a.coef == b.coef && a.exp == b.exp
}

// String prints d in a plain form for messages and STRING-like uses.
func (d decText) String() string {
	switch d.special {
	case decNaN:
		return "NaN"
	case decPosInf:
		return "Infinity"
	case decNegInf:
		return "-Infinity"
	}
	c := d.coef
	if c == "" {
		c = "0"
	}
	s := c + "E" + strconv.FormatInt(d.exp, 10)
	if d.neg {
		s = "-" + s
	}
	return s
}

// padScale appends zeros so the value has at least scale fractional digits,
// when that still fits Decimal128; it never removes digits.
func (d decText) padScale(scale int) decText {
	if d.special != decFinite || scale <= 0 || d.exp <= -int64(scale) {
		return d
	}
	add := d.exp + int64(scale)
	if d.coef == "" {
		d.exp = -int64(scale)
		return d
	}
	if int64(len(d.coef))+add > maxDecimalDigits {
		return d
	}
	d.coef += strings.Repeat("0", int(add))
	d.exp = -int64(scale)
	return d
}

// decimal128 builds the Decimal128 holding exactly d (coefficient and exponent
// unchanged), or explains why it cannot.
func (d decText) decimal128() (primitive.Decimal128, string) {
	switch d.special {
	case decNaN:
		return primitive.NewDecimal128(0x1F<<58, 0), ""
	case decPosInf:
		return primitive.NewDecimal128(0x1E<<58, 0), ""
	case decNegInf:
		return primitive.NewDecimal128(0x3E<<58, 0), ""
	}
	if len(d.coef) > maxDecimalDigits {
		return primitive.Decimal128{}, strconv.Itoa(len(d.coef)) + " significant digits, more than the 34 a Decimal128 holds"
	}
	if d.exp < minDecimalExp || d.exp > maxDecimalExp {
		return primitive.Decimal128{}, "an exponent outside the Decimal128 range (1E-6176 to 9.99…E+6144)"
	}
	bi := new(big.Int)
	if d.coef != "" {
		if _, ok := bi.SetString(d.coef, 10); !ok {
			return primitive.Decimal128{}, "not a decimal number"
		}
		if d.neg {
			bi.Neg(bi)
		}
	}
	// The coefficient and exponent are within range, so the library stores
	// them as given (it only rescales values that do not fit).
	dec, ok := primitive.ParseDecimal128FromBigInt(bi, int(d.exp))
	if !ok {
		return primitive.Decimal128{}, "not representable as Decimal128"
	}
	if d.neg && d.coef == "" {
		h, l := dec.GetBytes()
		dec = primitive.NewDecimal128(h|1<<63, l)
	}
	return dec, ""
}

// exactDouble returns the float64 whose shortest printed form denotes exactly
// the value of d, if there is one. This is the rule for decimals to Double
// (JSON numbers, DOUBLE override): 0.1 qualifies, 0.10000000000000000001 does
// not, nor does 1e400.
func (d decText) exactDouble() (float64, bool) {
	switch d.special {
	case decNaN:
		return math.NaN(), true
	case decPosInf:
		return math.Inf(1), true
	case decNegInf:
		return math.Inf(-1), true
	}
	n := d.normalized()
	if n.coef == "" {
		if d.neg {
			return math.Copysign(0, -1), true
		}
		return 0, true
	}
	// Cheap bounds first: doubles have at most 17 significant digits and
	// magnitudes between 4.9e-324 and 1.8e308.
	if len(n.coef) > 17 || n.exp+int64(len(n.coef)) > 310 || n.exp+int64(len(n.coef)) < -324 {
		return 0, false
	}
	txt := n.coef + "e" + strconv.FormatInt(n.exp, 10)
	if d.neg {
		txt = "-" + txt
	}
	f, err := strconv.ParseFloat(txt, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	back, ok := parseDecimalText(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok || !sameValue(back, d) {
		return 0, false
	}
	return f, true
}

// convertDecimal is the KindDecimal rule: exact Decimal128 with the scale kept.
func convertDecimal(col Column, v any) (bsoncore.Value, error) {
	s, err := textOf(col, v)
	if err != nil {
		return bsoncore.Value{}, err
	}
	d, ok := parseDecimalText(s)
	if !ok {
		return bsoncore.Value{}, recordErr(col, "numeric value %s is not a decimal number; override the field type to STRING to keep the text", abbrev(s))
	}
	d = d.padScale(col.Scale)
	dec, why := d.decimal128()
	if why != "" {
		return bsoncore.Value{}, recordErr(col, "numeric value %s has %s; override the field type to STRING to keep the exact text", abbrev(s), why)
	}
	return decimalValue(dec), nil
}
