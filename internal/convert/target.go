package convert

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// TargetLimits lists what a target cannot store (detected in Prepare).
// FerretDB 1.x sets all of them; MongoDB 6+ and Atlas none.
type TargetLimits struct {
	// NoDecimal128: Decimal128 values are rejected.
	NoDecimal128 bool
	// NoNaNInf: doubles that are NaN or ±Infinity are rejected.
	NoNaNInf bool
	// NoNestedArrays: an array directly inside an array is rejected.
	NoNestedArrays bool
	// NoNULInStrings: strings containing a NUL character are rejected.
	NoNULInStrings bool
	// NoDottedOrDollarKeys: field names containing '.' or starting with '$'
	// are rejected.
	NoDottedOrDollarKeys bool
	// NoNegativeZero: the target stores -0.0 as 0, which would silently
	// change the value (FerretDB 1.x does), so -0.0 is refused instead.
	NoNegativeZero bool
}

// CheckTarget walks v (documents and arrays recursively) and returns an
// *Error describing the first thing the target cannot store, or nil. The
// Error's Column is empty: the caller knows which column or document it
// checked and fills it in. A malformed v yields a plain error.
func CheckTarget(v bsoncore.Value, caps TargetLimits) error {
	if caps == (TargetLimits{}) {
		return nil
	}
	c := targetChecker{caps: caps}
	if err := c.check(v, false); err != nil {
		return err
	}
	return nil
}

type targetChecker struct {
	caps TargetLimits
	// path holds the keys from the checked value down to the current element; it is formatted
	// only for an error, since every document of a job is checked and almost all pass.
	path []pathStep
}

// pathStep is one key of the path: an array index or a quoted field name.
type pathStep struct {
	key     []byte // aliases the checked value
	inArray bool
}

func (c *targetChecker) where() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range c.path {
		if s.inArray {
			b.WriteString("[" + string(s.key) + "]")
		} else {
			b.WriteString("." + strconv.Quote(string(s.key)))
		}
	}
	return b.String()
}

func (c *targetChecker) refuse(what, remedy string) *Error {
	if len(c.path) == 0 {
		// The value itself (a column's value): its path would only be "$".
		return &Error{Reason: fmt.Sprintf("%s cannot be stored by the target database; %s", what, remedy)}
	}
	return &Error{Reason: fmt.Sprintf("%s at %s cannot be stored by the target database; %s", what, c.where(), remedy)}
}

func (c *targetChecker) check(v bsoncore.Value, inArray bool) error {
	switch v.Type {
	case bsontype.Double:
		f, ok := v.DoubleOK()
		if !ok {
			return fmt.Errorf("checking value at %s: malformed double", c.where())
		}
		if c.caps.NoNaNInf && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return c.refuse("the double "+formatFloat(f, false), "skip or fix the record, override the field type to STRING, or use a target that stores NaN and Infinity (MongoDB)")
		}
		if c.caps.NoNegativeZero && f == 0 && math.Signbit(f) {
			return c.refuse("the double -0", "it would be stored as 0; override the field type to STRING, or use MongoDB")
		}
	case bsontype.Decimal128:
		if c.caps.NoDecimal128 {
			return c.refuse("a Decimal128 value", "override the field type to STRING (exact text) or DOUBLE, or use a target that stores Decimal128 (MongoDB)")
		}
	case bsontype.String:
		// The bytes of the string (int32 length, text, NUL), read in place: no copy per value.
		var l int32
		if len(v.Data) >= 4 {
			l = int32(binary.LittleEndian.Uint32(v.Data))
		}
		if l <= 0 || int(l) > len(v.Data)-4 {
			return fmt.Errorf("checking value at %s: malformed string", c.where())
		}
		if c.caps.NoNULInStrings && bytes.IndexByte(v.Data[4:4+l-1], 0) >= 0 {
			return c.refuse("a string containing a NUL character", "override the field type to BINARY, clean the data, or use MongoDB")
		}
	case bsontype.EmbeddedDocument:
		doc, ok := v.DocumentOK()
		if !ok {
			return fmt.Errorf("checking value at %s: malformed document", c.where())
		}
		return c.checkElements(doc, false)
	case bsontype.Array:
		arr, ok := v.ArrayOK()
		if !ok {
			return fmt.Errorf("checking value at %s: malformed array", c.where())
		}
		if inArray && c.caps.NoNestedArrays {
			return c.refuse("an array directly inside an array", "override the field type to STRING, or use a target that stores nested arrays (MongoDB)")
		}
		return c.checkElements(bsoncore.Document(arr), true)
	}
	return nil
}

func (c *targetChecker) checkElements(doc bsoncore.Document, isArray bool) error {
	if len(doc) < 5 {
		return fmt.Errorf("checking value at %s: malformed document", c.where())
	}
	rem := doc[4 : len(doc)-1]
	for len(rem) > 0 {
		elem, rest, ok := bsoncore.ReadElement(rem)
		if !ok {
			return fmt.Errorf("checking value at %s: malformed element", c.where())
		}
		rem = rest
		key := elem.KeyBytes()
		c.path = append(c.path, pathStep{key: key, inArray: isArray})
		if !isArray {
			if c.caps.NoDottedOrDollarKeys && (bytes.IndexByte(key, '.') >= 0 || len(key) > 0 && key[0] == '$') {
				return c.refuse("the field name "+strconv.Quote(string(key)), "field names containing '.' or starting with '$' need a target that accepts them (MongoDB 5+); rename the source column or key")
			}
		}
		if err := c.check(elem.Value(), isArray); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
	}
	return nil
}

// KindNeedsDecimal128 reports whether col always produces Decimal128: a
// decimal column (or an array of decimals) without a type override, or any
// column with the DECIMAL override. The setup check rejects such columns on
// a target without Decimal128, naming them, instead of failing every record.
func KindNeedsDecimal128(col Column) bool {
	switch col.Override {
	case OverrideDecimal:
		return true
	case "":
		return col.Kind == KindDecimal || col.Kind == KindArray && col.Element == KindDecimal
	}
	return false
}
