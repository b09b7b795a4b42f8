package sqlite

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/relmongo/relmongo/internal/convert"
)

// decode turns one value as the driver returns it (int64, float64, string, []byte or nil: the
// value's storage class) into package convert's Go form. The column's rule decides when the
// value fits the declared type; a value that does not fit keeps its own storage class. The
// result is wrapped in convert.Typed whenever its kind differs from planKind, the column's kind
// in the plan.
func decode(c column, planKind convert.Kind, v any) any {
	if v == nil {
		return nil
	}
	kind, val := natural(c, v)
	if kind == planKind {
		return val
	}
	return convert.Typed{Kind: kind, Value: val}
}

// natural returns the kind and Go value of v under the column's rule.
func natural(c column, v any) (convert.Kind, any) {
	switch c.rule {
	case ruleReal:
		if i, ok := v.(int64); ok && i >= -1<<53 && i <= 1<<53 {
			// A REAL column stores integral values as integers on disk; every integer up to 2^53
			// is exactly a double.
			return convert.KindDouble, float64(i)
		}
	case ruleDecimal:
		if s, ok := decimalOf(v, c.scale); ok {
			return convert.KindDecimal, s
		}
	case ruleDate, ruleDateTime:
		if k, t, ok := dateOf(v, c.rule == ruleDate); ok {
			return k, t
		}
	case ruleBool:
		if i, ok := v.(int64); ok && (i == 0 || i == 1) {
			return convert.KindBool, i == 1
		}
	}
	return byStorageClass(v)
}

// byStorageClass converts a value by its own storage class: INTEGER -> Int32/Int64 by range,
// REAL -> Double, TEXT -> String, BLOB -> Binary.
func byStorageClass(v any) (convert.Kind, any) {
	switch x := v.(type) {
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return convert.KindInt32, x
		}
		return convert.KindInt64, x
	case float64:
		return convert.KindDouble, x
	case string:
		return convert.KindString, x
	case []byte:
		if x == nil {
			x = []byte{} // the driver returns an empty blob as a nil slice; it is not NULL
		}
		return convert.KindBinary, x
	}
	// The driver returns nothing else for a column read through an expression; anything else
	// would be a driver change, reported as a record error rather than guessed at.
	return convert.KindString, convert.Unconvertible{Reason: "the SQLite driver returned an unexpected value type; exclude the column and report this as a bug"}
}

// decimalOf returns the decimal text of a value in a NUMERIC/DECIMAL column, padded to the
// declared scale (SQLite stores 1.50 as the REAL 1.5), when the value is a number that the
// declared scale holds exactly: integers; reals whose shortest round-trip form (the text SQLite
// was given, e.g. 0.99) has no more fractional digits than the scale; and plain decimal text.
func decimalOf(v any, scale int) (string, bool) {
	switch x := v.(type) {
	case int64:
		return padScale(strconv.FormatInt(x, 10), scale), true
	case float64:
		switch {
		case math.IsInf(x, 1):
			return "Infinity", true
		case math.IsInf(x, -1):
			return "-Infinity", true
		case math.IsNaN(x):
			return "", false
		}
		if math.Abs(x) >= 1e21 {
			// Integral and large: the exponent form keeps the digits few ("1e+21"), so it fits
			// Decimal128; the scale cannot add digits to it anyway.
			return strconv.FormatFloat(x, 'e', -1, 64), true
		}
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if scale >= 0 && fracDigits(s) > scale {
			return "", false
		}
		return padScale(s, scale), true
	case string:
		if !plainDecimal(x) || scale >= 0 && fracDigits(x) > scale {
			return "", false
		}
		return padScale(x, scale), true
	}
	return "", false
}

// plainDecimal reports text of the form [+-]digits[.digits].
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || hasDot && frac == "" {
		return false
	}
	return allDigits(intPart) && allDigits(frac)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func fracDigits(s string) int {
	if _, frac, ok := strings.Cut(s, "."); ok {
		return len(frac)
	}
	return 0
}

// padScale appends zeros up to scale fractional digits; it never removes any.
func padScale(s string, scale int) string {
	n := fracDigits(s)
	if scale <= n {
		return s
	}
	if !strings.Contains(s, ".") {
		s += "."
	}
	return s + strings.Repeat("0", scale-n)
}

// maxUnixSeconds bounds Unix times so that milliseconds fit an int64 (a BSON Date).
const maxUnixSeconds = math.MaxInt64/1000 - 1

// dateOf reads a value of a DATE/DATETIME/TIMESTAMP column: ISO-8601 text (SQLite's own time
// formats: "YYYY-MM-DD", optionally followed by T or a space and HH:MM[:SS[.fff]], optionally by
// Z or ±HH:MM) or an INTEGER of Unix seconds. Text without a zone is a wall time read in the
// job's sourceTimeZone (a date alone in a DATE column is a calendar date); text with a zone and
// Unix seconds are instants. REAL values are not read as times: SQLite also uses them for Julian
// day numbers, so a REAL stays a Double. Text that looks like a date but names an impossible one
// ("2024-02-30") is handed over as such and becomes a record error in package convert.
func dateOf(v any, dateColumn bool) (convert.Kind, any, bool) {
	switch x := v.(type) {
	case int64:
		if x < -maxUnixSeconds || x > maxUnixSeconds {
			return 0, nil, false
		}
		return convert.KindTimestampTZ, time.Unix(x, 0).UTC(), true
	case string:
		p, ok := parseTimeText(x)
		if !ok {
			return 0, nil, false
		}
		if p.dateOnly {
			if dateColumn {
				return convert.KindDate, convert.Date{Year: p.wall.Year, Month: p.wall.Month, Day: p.wall.Day}, true
			}
			return convert.KindTimestamp, p.wall, true
		}
		if !p.hasZone {
			return convert.KindTimestamp, p.wall, true
		}
		w := p.wall
		if !validWall(w) {
			// Let package convert report the impossible date with its usual message.
			return convert.KindTimestamp, w, true
		}
		t := time.Date(int(w.Year), time.Month(w.Month), w.Day, w.Hour, w.Minute, w.Second, w.Nanosecond, time.FixedZone("", p.offset))
		return convert.KindTimestampTZ, t.UTC(), true
	}
	return 0, nil, false
}

// timeText is a parsed SQLite time string.
type timeText struct {
	wall     convert.WallTime
	dateOnly bool
	hasZone  bool
	offset   int // seconds east of UTC
}

// parseTimeText parses YYYY-MM-DD[(T| )HH:MM[:SS[.f{1,9}]]][Z|±HH:MM|±HHMM|±HH]. Field ranges
// are not checked here (see dateOf).
func parseTimeText(s string) (timeText, bool) {
	var p timeText
	if len(s) < 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[0:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return p, false
	}
	p.wall.Year = int64(atoi(s[0:4]))
	p.wall.Month = atoi(s[5:7])
	p.wall.Day = atoi(s[8:10])
	if len(s) == 10 {
		p.dateOnly = true
		return p, true
	}
	if s[10] != 'T' && s[10] != 't' && s[10] != ' ' {
		return p, false
	}
	rest := s[11:]
	if len(rest) < 5 || rest[2] != ':' || !allDigits(rest[0:2]) || !allDigits(rest[3:5]) {
		return p, false
	}
	p.wall.Hour, p.wall.Minute = atoi(rest[0:2]), atoi(rest[3:5])
	rest = rest[5:]
	if len(rest) >= 3 && rest[0] == ':' && allDigits(rest[1:3]) {
		p.wall.Second = atoi(rest[1:3])
		rest = rest[3:]
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			digits := rest[1:i]
			if digits == "" || len(digits) > 9 {
				return p, false
			}
			p.wall.Nanosecond = atoi(digits + strings.Repeat("0", 9-len(digits)))
			rest = rest[i:]
		}
	}
	switch {
	case rest == "":
		return p, true
	case rest == "Z" || rest == "z":
		p.hasZone = true
		return p, true
	case rest[0] != '+' && rest[0] != '-':
		return p, false
	}
	sign := 1
	if rest[0] == '-' {
		sign = -1
	}
	z := strings.Replace(rest[1:], ":", "", 1)
	if !allDigits(z) || (len(z) != 2 && len(z) != 4) {
		return p, false
	}
	h, m := atoi(z[0:2]), 0
	if len(z) == 4 {
		m = atoi(z[2:4])
	}
	if h > 23 || m > 59 {
		return p, false
	}
	p.hasZone = true
	p.offset = sign * (h*3600 + m*60)
	return p, true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func validWall(w convert.WallTime) bool {
	if w.Month < 1 || w.Month > 12 || w.Day < 1 || w.Hour > 23 || w.Minute > 59 || w.Second > 59 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[w.Month-1]
	if w.Month == 2 && w.Year%4 == 0 && (w.Year%100 != 0 || w.Year%400 == 0) {
		days = 29
	}
	return w.Day <= days
}
