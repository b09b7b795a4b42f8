package sqlite

import (
	"strconv"
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
)

// affinity is SQLite's column affinity, derived from the declared type by the rules of
// https://sqlite.org/datatype3.html#determination_of_column_affinity.
type affinity int

const (
	affNumeric affinity = iota
	affInteger
	affText
	affBlob // also "no declared type" and STRICT's ANY: values are stored as given
	affReal
)

// affinityOf applies SQLite's rules in their order. STRICT tables' ANY keeps values as given,
// like a column without a declared type.
func affinityOf(declared string) affinity {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return affInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return affText
	case strings.Contains(t, "BLOB"), strings.TrimSpace(t) == "", strings.TrimSpace(t) == "ANY":
		return affBlob
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return affReal
	}
	return affNumeric
}

// numeric reports whether SQLite converts well-formed numeric text to a number in a column of
// this affinity (so such a column never holds text that reads as a number).
func (a affinity) numeric() bool { return a == affInteger || a == affReal || a == affNumeric }

// rule is how a column's values convert (TYPES.md, SQLite row): its declared type's affinity,
// refined for the declared types the policy names.
type rule int

const (
	ruleInteger  rule = iota // INTEGER affinity: Int32/Int64 by range
	ruleReal                 // REAL affinity: Double
	ruleText                 // TEXT affinity: String
	ruleBlob                 // BLOB affinity or no type: Binary
	ruleDecimal              // declared NUMERIC/DECIMAL: Decimal128 at the declared scale when exact
	ruleDate                 // declared DATE: Date from ISO-8601 text or Unix seconds
	ruleDateTime             // declared DATETIME/TIMESTAMP: Date from ISO-8601 text or Unix seconds
	ruleBool                 // declared BOOLEAN/BOOL: Boolean from 0 and 1
	ruleOther                // any other NUMERIC-affinity type: each value by its storage class
)

// column is what the catalog says about one column's conversion.
type column struct {
	rule  rule
	kind  convert.Kind
	scale int // declared scale of a decimal column, -1 when not declared
}

// baseName returns the declared type without its "(p,s)" part, upper case, with single spaces,
// and the numbers inside the parentheses.
func baseName(declared string) (string, []int) {
	t := strings.ToUpper(strings.TrimSpace(declared))
	var args []int
	if i := strings.IndexByte(t, '('); i >= 0 {
		inner := t[i+1:]
		if j := strings.IndexByte(inner, ')'); j >= 0 {
			for _, part := range strings.Split(inner[:j], ",") {
				n, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					args = nil
					break
				}
				args = append(args, n)
			}
		}
		t = t[:i]
	}
	return strings.Join(strings.Fields(t), " "), args
}

// columnOf chooses the rule and the conversion kind of a declared type. The kind is what the
// plan and the capability checks see; values that do not fit it are handed over with their own
// kind (convert.Typed).
func columnOf(declared string) column {
	aff := affinityOf(declared)
	switch aff {
	case affInteger:
		return column{rule: ruleInteger, kind: convert.KindInt64, scale: -1}
	case affText:
		return column{rule: ruleText, kind: convert.KindString, scale: -1}
	case affBlob:
		if strings.EqualFold(strings.TrimSpace(declared), "ANY") {
			return column{rule: ruleOther, kind: convert.KindString, scale: -1}
		}
		return column{rule: ruleBlob, kind: convert.KindBinary, scale: -1}
	case affReal:
		return column{rule: ruleReal, kind: convert.KindDouble, scale: -1}
	}
	base, args := baseName(declared)
	first, _, _ := strings.Cut(base, " ")
	switch first {
	case "NUMERIC", "DECIMAL":
		scale := -1
		switch len(args) {
		case 1:
			scale = 0 // DECIMAL(p) has scale 0
		case 2:
			if args[1] >= 0 {
				scale = args[1]
			}
		}
		return column{rule: ruleDecimal, kind: convert.KindDecimal, scale: scale}
	case "DATE":
		return column{rule: ruleDate, kind: convert.KindDate, scale: -1}
	case "DATETIME", "TIMESTAMP", "TIMESTAMPTZ":
		return column{rule: ruleDateTime, kind: convert.KindTimestamp, scale: -1}
	case "BOOLEAN", "BOOL":
		return column{rule: ruleBool, kind: convert.KindBool, scale: -1}
	}
	return column{rule: ruleOther, kind: convert.KindString, scale: -1}
}
