package convert

import (
	"math"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Value converts one non-NULL source value of col into its BSON value
// following TYPES.md (NULL is handled by the caller and never passed here).
//
// It returns the notes of lossy-but-standard events (0 when none). A value that
// cannot be converted exactly yields an *Error, which the caller reports as a
// record error; a Go value that does not belong to col.Kind yields an error
// wrapping ErrUnexpectedGoType (a dialect bug). Value never rounds, never
// shifts a time zone and never returns null for a non-NULL value.
func Value(col Column, v any, opts Options) (bsoncore.Value, Note, error) {
	if v == nil {
		// NULL is the caller's business (null or omitted per nullHandling);
		// reaching here means the caller forgot, so say so instead of guessing.
		return bsoncore.Value{}, 0, goTypeErr(col, v)
	}
	if u, ok := v.(Unconvertible); ok {
		if u.Reason == "" {
			return bsoncore.Value{}, 0, recordErr(col, "the source value cannot be read exactly; override the field type to STRING or exclude the column")
		}
		return bsoncore.Value{}, 0, recordErr(col, "%s", u.Reason)
	}
	if t, ok := v.(Typed); ok {
		return convertTyped(col, t, opts) // SQLite: the value's own storage class decides (sqlite.go)
	}
	if col.Kind == KindArray {
		return convertArray(col, v, opts)
	}
	if col.Override != "" {
		return convertOverride(col, v, opts)
	}
	return convertNatural(col, v, opts)
}

// convertNatural applies the column kind's own rule (no override).
func convertNatural(col Column, v any, opts Options) (bsoncore.Value, Note, error) {
	var (
		out  bsoncore.Value
		note Note
		err  error
	)
	switch col.Kind {
	case KindInt32:
		out, err = convertInt32(col, v)
	case KindInt64:
		out, err = convertInt64(col, v)
	case KindDouble:
		out, err = convertDouble(col, v)
	case KindDecimal:
		out, err = convertDecimal(col, v)
	case KindBool:
		b, ok := v.(bool)
		if !ok {
			return bsoncore.Value{}, 0, goTypeErr(col, v)
		}
		out = boolValue(b)
	case KindString, KindTime:
		var s string
		s, err = textOf(col, v)
		out = stringValue(s)
	case KindText:
		var s string
		s, err = textOf(col, v)
		out, note = stringValue(s), NoteFallbackText
	case KindBitString:
		out, err = convertBitString(col, v)
	case KindBinary:
		b, ok := v.([]byte)
		if !ok {
			return bsoncore.Value{}, 0, goTypeErr(col, v)
		}
		if len(b) > maxValueBytes {
			return bsoncore.Value{}, 0, tooLarge(col, len(b))
		}
		out = binaryValue(bsontype.BinaryGeneric, b)
	case KindUUID:
		var u [16]byte
		u, err = uuidOf(col, v)
		out = binaryValue(bsontype.BinaryUUID, u[:])
	case KindDate:
		out, err = convertDate(col, v)
	case KindTimestamp:
		out, note, err = convertTimestamp(col, v, opts)
	case KindTimestampTZ:
		out, note, err = convertTimestampTZ(col, v)
	case KindInterval:
		out, err = convertInterval(col, v)
	case KindJSON:
		out, err = convertJSON(col, v)
	case KindHstore:
		out, err = convertHstore(col, v)
	default:
		return bsoncore.Value{}, 0, goTypeErr(col, v)
	}
	if err != nil {
		return bsoncore.Value{}, 0, err
	}
	return out, note, nil
}

// intOf extracts an integer of any Go integer type. ok is false for other
// types; overflow is true for a uint64 above math.MaxInt64.
func intOf(v any) (i int64, overflow, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, false, true
	case int32:
		return int64(x), false, true
	case int16:
		return int64(x), false, true
	case int8:
		return int64(x), false, true
	case int:
		return int64(x), false, true
	case uint8:
		return int64(x), false, true
	case uint16:
		return int64(x), false, true
	case uint32:
		return int64(x), false, true
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, true, true
		}
		return int64(x), false, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, true, true
		}
		return int64(x), false, true
	}
	return 0, false, false
}

func convertInt32(col Column, v any) (bsoncore.Value, error) {
	i, overflow, ok := intOf(v)
	if !ok {
		return bsoncore.Value{}, goTypeErr(col, v)
	}
	if overflow || i < math.MinInt32 || i > math.MaxInt32 {
		return bsoncore.Value{}, recordErr(col, "integer %v does not fit a 32-bit integer; override the field type to LONG", v)
	}
	return int32Value(int32(i)), nil
}

func convertInt64(col Column, v any) (bsoncore.Value, error) {
	i, overflow, ok := intOf(v)
	if !ok {
		return bsoncore.Value{}, goTypeErr(col, v)
	}
	if overflow {
		return bsoncore.Value{}, recordErr(col, "integer %v does not fit a 64-bit integer; override the field type to DECIMAL or STRING", v)
	}
	return int64Value(i), nil
}

// floatOf returns the float64 and whether it came from a float32 (which
// matters for the shortest text form).
func floatOf(v any) (f float64, is32, ok bool) {
	switch x := v.(type) {
	case float64:
		return x, false, true
	case float32:
		return float64(x), true, true
	}
	return 0, false, false
}

func convertDouble(col Column, v any) (bsoncore.Value, error) {
	f, _, ok := floatOf(v)
	if !ok {
		return bsoncore.Value{}, goTypeErr(col, v)
	}
	return doubleValue(f), nil
}

// textOf returns the text of a string or []byte value, which must be valid
// UTF-8 (BSON strings are UTF-8; replacing bad bytes would change data).
func textOf(col Column, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return "", goTypeErr(col, v)
	}
	if len(s) > maxValueBytes {
		return "", tooLarge(col, len(s))
	}
	if !utf8.ValidString(s) {
		return "", recordErr(col, "text is not valid UTF-8 (first bad byte at offset %d); fix the data or the client encoding, or map the column as binary", firstInvalidUTF8(s))
	}
	return s, nil
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

func convertBitString(col Column, v any) (bsoncore.Value, error) {
	s, err := textOf(col, v)
	if err != nil {
		return bsoncore.Value{}, err
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '0' && s[i] != '1' {
			return bsoncore.Value{}, recordErr(col, "bit string %s holds characters other than 0 and 1; override the field type to STRING", abbrev(s))
		}
	}
	return stringValue(s), nil
}

func uuidOf(col Column, v any) ([16]byte, error) {
	switch x := v.(type) {
	case [16]byte:
		return x, nil
	case []byte:
		if len(x) == 16 {
			var u [16]byte
			copy(u[:], x)
			return u, nil
		}
		return [16]byte{}, recordErr(col, "uuid value has %d bytes instead of 16; map the column as binary", len(x))
	}
	return [16]byte{}, goTypeErr(col, v)
}

// BSON value constructors. Each allocates the exact size at once: appending to nil would grow
// a string's buffer three times (length, text, terminator), and a value is made per column per row.

// boolData are the two Boolean payloads; values share them, as nothing writes into a Value's Data.
var boolData = [2][]byte{{0}, {1}}

func int32Value(i int32) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.Int32, Data: bsoncore.AppendInt32(nil, i)}
}

func int64Value(i int64) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.Int64, Data: bsoncore.AppendInt64(nil, i)}
}

func doubleValue(f float64) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.Double, Data: bsoncore.AppendDouble(nil, f)}
}

func decimalValue(d primitive.Decimal128) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.Decimal128, Data: bsoncore.AppendDecimal128(nil, d)}
}

func boolValue(b bool) bsoncore.Value {
	if b {
		return bsoncore.Value{Type: bsontype.Boolean, Data: boolData[1]}
	}
	return bsoncore.Value{Type: bsontype.Boolean, Data: boolData[0]}
}

func stringValue(s string) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.String, Data: bsoncore.AppendString(make([]byte, 0, 4+len(s)+1), s)}
}

func binaryValue(subtype byte, b []byte) bsoncore.Value {
	n := 4 + 1 + len(b)
	if subtype == bsontype.BinaryBinaryOld {
		n += 4
	}
	return bsoncore.Value{Type: bsontype.Binary, Data: bsoncore.AppendBinary(make([]byte, 0, n), subtype, b)}
}

func dateValue(ms int64) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.DateTime, Data: bsoncore.AppendDateTime(nil, ms)}
}

func objectIDValue(oid primitive.ObjectID) bsoncore.Value {
	return bsoncore.Value{Type: bsontype.ObjectID, Data: bsoncore.AppendObjectID(nil, oid)}
}

func nullValue() bsoncore.Value {
	return bsoncore.Value{Type: bsontype.Null}
}
