package sqlite

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Key values (chunk boundaries, and the link columns that match embedded rows to their parents)
// travel as text and must come back as the very value they came from, storage class included:
// SQLite compares 5 and '5' as different values, orders numbers before text before blobs, and a
// column may hold all of them. The text form is:
//
//	INTEGER  decimal ("-42")
//	REAL     shortest round-trip form ("0.1", "1e+21"); ±infinity as "9e999"/"-9e999"
//	TEXT     the text itself, unless it would read back as something else (below)
//	BLOB     "\x00x" + lower-case hex
//
// Text is marked "\x00t" + text when it starts with NUL, or when the column's affinity would let
// it pass for a number (a column without affinity, where '5' and 5 coexist). Columns with a
// numeric affinity never hold numeric-looking text (SQLite converts it on insert) and TEXT columns
// never hold numbers, so their text needs no mark; that keeps the forms of a parent's INTEGER key
// and of a child's INTEGER foreign key equal, which is what links them.
const (
	markBlob = "\x00x"
	markText = "\x00t"
	posInf   = "9e999"
	negInf   = "-9e999"
)

// encodeKey returns the text form of a non-NULL value read from a column of affinity aff.
func encodeKey(aff affinity, v any) (string, error) {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		switch {
		case math.IsInf(x, 1):
			return posInf, nil
		case math.IsInf(x, -1):
			return negInf, nil
		case math.IsNaN(x):
			return "", fmt.Errorf("a key value is NaN, which SQLite cannot store; this is a driver bug")
		case x == 0:
			return "0", nil // -0.0 equals 0 in SQLite, and "-0" would read back as text
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case string:
		if strings.HasPrefix(x, "\x00") {
			return markText + x, nil
		}
		if aff != affText {
			if _, isNumber := readNumber(x); isNumber {
				return markText + x, nil
			}
		}
		return x, nil
	case []byte:
		return markBlob + hex.EncodeToString(x), nil
	}
	return "", fmt.Errorf("unexpected key value of type %T", v)
}

// decodeKey returns the typed value (int64, float64, string or []byte) to bind for the text
// form s of a value of a column of affinity aff.
func decodeKey(aff affinity, s string) (any, error) {
	switch {
	case strings.HasPrefix(s, markBlob):
		b, err := hex.DecodeString(s[len(markBlob):])
		if err != nil {
			return nil, fmt.Errorf("key text %q is not a valid blob form: %w", s, err)
		}
		return b, nil
	case strings.HasPrefix(s, markText):
		return s[len(markText):], nil
	case aff == affText:
		return s, nil
	}
	if n, ok := readNumber(s); ok {
		return n, nil
	}
	return s, nil
}

// readNumber reads exactly the number forms encodeKey writes: canonical decimal integers, the
// shortest round-trip form of a finite double, and the two infinities. Anything else ("007",
// "1.50", "NaN", "+Inf") is text.
func readNumber(s string) (any, bool) {
	if s == "" {
		return nil, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(i, 10) == s {
		return i, true
	}
	switch s {
	case posInf:
		return math.Inf(1), true
	case negInf:
		return math.Inf(-1), true
	}
	if !strings.ContainsAny(s, ".e") || strings.ContainsAny(s, "InNa") {
		return nil, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || strconv.FormatFloat(f, 'g', -1, 64) != s {
		return nil, false
	}
	return f, true
}
