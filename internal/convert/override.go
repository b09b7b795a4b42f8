package convert

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Type override names accepted in Column.Override (MAPPING.md field `type`).
const (
	OverrideString   = "STRING"
	OverrideInteger  = "INTEGER"
	OverrideLong     = "LONG"
	OverrideDouble   = "DOUBLE"
	OverrideDecimal  = "DECIMAL"
	OverrideBoolean  = "BOOLEAN"
	OverrideDate     = "DATE"
	OverrideUUID     = "UUID"
	OverrideBinary   = "BINARY"
	OverrideObjectID = "OBJECT_ID"
)

func kinds(ks ...Kind) map[Kind]bool {
	m := make(map[Kind]bool, len(ks))
	for _, k := range ks {
		m[k] = true
	}
	return m
}

// overrideKinds lists, per override, the column kinds it can apply to. Whether
// a particular value converts exactly is decided per value (an *Error if not).
var overrideKinds = map[string]map[Kind]bool{
	OverrideString: kinds(KindInt32, KindInt64, KindDouble, KindDecimal, KindBool, KindString, KindBinary,
		KindUUID, KindDate, KindTimestamp, KindTimestampTZ, KindTime, KindInterval, KindJSON, KindHstore,
		KindBitString, KindText),
	OverrideInteger:  kinds(KindInt32, KindInt64, KindDouble, KindDecimal, KindString, KindText),
	OverrideLong:     kinds(KindInt32, KindInt64, KindDouble, KindDecimal, KindString, KindText),
	OverrideDouble:   kinds(KindInt32, KindInt64, KindDouble, KindDecimal, KindString, KindText),
	OverrideDecimal:  kinds(KindInt32, KindInt64, KindDouble, KindDecimal, KindString, KindText),
	OverrideBoolean:  kinds(KindBool, KindInt32, KindInt64, KindBitString, KindString, KindText),
	OverrideDate:     kinds(KindDate, KindTimestamp, KindTimestampTZ, KindInt32, KindInt64, KindString, KindText),
	OverrideUUID:     kinds(KindUUID, KindBinary, KindString, KindText),
	OverrideBinary:   kinds(KindBinary, KindUUID, KindString, KindText),
	OverrideObjectID: kinds(KindBinary, KindString, KindText),
}

// OverrideApplies reports whether the type override can apply to a column of
// kind k at all; validation uses it to reject impossible overrides up front.
// "" always applies. For KindArray the override applies to each element, so
// the answer is whether it applies to some element kind; use OverrideAppliesTo
// with the Column to check the actual element kind.
func OverrideApplies(k Kind, override string) bool {
	if override == "" {
		return k != KindInvalid
	}
	m, ok := overrideKinds[override]
	if !ok {
		return false
	}
	if k == KindArray {
		return true
	}
	return m[k]
}

// OverrideAppliesTo is OverrideApplies for a column, checking an array
// column's override against its element kind.
func OverrideAppliesTo(col Column) bool {
	if col.Kind == KindArray {
		return col.Element != KindArray && OverrideApplies(col.Element, col.Override)
	}
	return OverrideApplies(col.Kind, col.Override)
}

func convertOverride(col Column, v any, opts Options) (bsoncore.Value, Note, error) {
	if !OverrideApplies(col.Kind, col.Override) {
		return bsoncore.Value{}, 0, recordErr(col, "type override %q cannot apply to a %s column; remove it or choose one that does (see OverrideApplies)", col.Override, col.Kind)
	}
	switch col.Override {
	case OverrideString:
		s, err := overrideString(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return stringValue(s), 0, nil
	case OverrideInteger:
		i, err := overrideInt(col, v, 32)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return int32Value(int32(i)), 0, nil
	case OverrideLong:
		i, err := overrideInt(col, v, 64)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return int64Value(i), 0, nil
	case OverrideDouble:
		f, err := overrideDouble(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return doubleValue(f), 0, nil
	case OverrideDecimal:
		d, err := overrideDecimal(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return decimalValue(d), 0, nil
	case OverrideBoolean:
		b, err := overrideBool(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return boolValue(b), 0, nil
	case OverrideDate:
		ms, note, err := overrideDate(col, v, opts)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return dateValue(ms), note, nil
	case OverrideUUID:
		u, err := overrideUUID(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return binaryValue(bsontype.BinaryUUID, u[:]), 0, nil
	case OverrideBinary:
		b, err := overrideBinary(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return binaryValue(bsontype.BinaryGeneric, b), 0, nil
	case OverrideObjectID:
		oid, err := overrideObjectID(col, v)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return objectIDValue(oid), 0, nil
	}
	return bsoncore.Value{}, 0, recordErr(col, "unknown type override %q", col.Override)
}

// overrideString gives the exact text of a value:
// integers in decimal; doubles in their shortest round-trip form (float32 by
// its own shortest form), NaN and ±Infinity as "NaN", "Infinity",
// "-Infinity"; decimals, JSON, time and other text as the source gave it;
// booleans "true"/"false"; binary as standard base64 with padding; UUIDs in
// lowercase canonical form; dates and timestamps in ISO 8601 with every
// fractional digit kept ("2024-01-02", "2024-01-02T03:04:05.123456",
// timestamptz in UTC with "Z"; years outside 0000-9999 in the expanded form
// "+294276", "-4712"; ±infinity as "infinity"/"-infinity"); intervals as
// ISO 8601 durations; hstore in PostgreSQL's text form.
func overrideString(col Column, v any) (string, error) {
	switch col.Kind {
	case KindInt32, KindInt64:
		if x, ok := v.(uint64); ok {
			return strconv.FormatUint(x, 10), nil
		}
		if x, ok := v.(uint); ok {
			return strconv.FormatUint(uint64(x), 10), nil
		}
		i, _, ok := intOf(v)
		if !ok {
			return "", goTypeErr(col, v)
		}
		return strconv.FormatInt(i, 10), nil
	case KindDouble:
		f, is32, ok := floatOf(v)
		if !ok {
			return "", goTypeErr(col, v)
		}
		return formatFloat(f, is32), nil
	case KindBool:
		b, ok := v.(bool)
		if !ok {
			return "", goTypeErr(col, v)
		}
		return strconv.FormatBool(b), nil
	case KindBinary:
		b, ok := v.([]byte)
		if !ok {
			return "", goTypeErr(col, v)
		}
		if base64.StdEncoding.EncodedLen(len(b)) > maxValueBytes {
			return "", tooLarge(col, base64.StdEncoding.EncodedLen(len(b)))
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case KindUUID:
		u, err := uuidOf(col, v)
		if err != nil {
			return "", err
		}
		return formatUUID(u), nil
	case KindDate:
		d, ok := v.(Date)
		if !ok {
			return "", goTypeErr(col, v)
		}
		return formatDate(d), nil
	case KindTimestamp:
		w, ok := v.(WallTime)
		if !ok {
			return "", goTypeErr(col, v)
		}
		return formatWall(w), nil
	case KindTimestampTZ:
		switch x := v.(type) {
		case time.Time:
			return formatInstant(x), nil
		case Infinity:
			if x != 0 {
				return infinityText(int(x)), nil
			}
		}
		return "", goTypeErr(col, v)
	case KindInterval:
		iv, ok := v.(Interval)
		if !ok {
			return "", goTypeErr(col, v)
		}
		return formatInterval(iv), nil
	case KindHstore:
		pairs, err := hstorePairs(col, v)
		if err != nil {
			return "", err
		}
		s := hstoreText(pairs)
		return textOf(col, s)
	case KindBitString:
		if _, err := convertBitString(col, v); err != nil {
			return "", err
		}
		return textOf(col, v)
	}
	// Decimal, String, Text, Time, JSON: the text as the source gave it.
	return textOf(col, v)
}

func formatFloat(f float64, is32 bool) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case is32:
		return strconv.FormatFloat(f, 'g', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// numberOf returns the exact decimal value of a numeric or text value, for the
// numeric overrides. display is the value as shown in messages.
func numberOf(col Column, v any) (d decText, display string, err error) {
	switch col.Kind {
	case KindInt32, KindInt64:
		s, err := overrideString(col, v)
		if err != nil {
			return decText{}, "", err
		}
		d, _ = parseDecimalText(s)
		return d, s, nil
	case KindDouble:
		f, is32, ok := floatOf(v)
		if !ok {
			return decText{}, "", goTypeErr(col, v)
		}
		s := formatFloat(f, is32)
		d, _ = parseDecimalText(s)
		return d, s, nil
	}
	s, err := textOf(col, v)
	if err != nil {
		return decText{}, "", err
	}
	d, ok := parseDecimalText(s)
	if !ok {
		return decText{}, "", recordErr(col, "value %s is not a number, so the %s type override cannot apply; fix the data or remove the override", abbrev(s), col.Override)
	}
	return d, s, nil
}

func overrideInt(col Column, v any, bits int) (int64, error) {
	lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
	if bits == 64 {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	fail := func(shown string) error {
		return recordErr(col, "value %s is not a whole number between %d and %d, so the %s type override cannot apply exactly; remove the override or choose a wider type (LONG, DECIMAL, STRING)", shown, lo, hi, col.Override)
	}
	if col.Kind == KindInt32 || col.Kind == KindInt64 {
		i, overflow, ok := intOf(v)
		if !ok {
			return 0, goTypeErr(col, v)
		}
		if overflow || i < lo || i > hi {
			return 0, fail(strconvAny(v))
		}
		return i, nil
	}
	if col.Kind == KindDouble {
		f, is32, ok := floatOf(v)
		if !ok {
			return 0, goTypeErr(col, v)
		}
		// -0.0 is not an integer value BSON can hold; 2^63 does not fit int64.
		if f != math.Trunc(f) || math.Signbit(f) && f == 0 || f < -(1<<63) || f >= 1<<63 {
			return 0, fail(formatFloat(f, is32))
		}
		i := int64(f)
		if i < lo || i > hi {
			return 0, fail(formatFloat(f, is32))
		}
		return i, nil
	}
	d, shown, err := numberOf(col, v)
	if err != nil {
		return 0, err
	}
	n := d.normalized()
	if n.special != decFinite || n.exp < 0 || int64(len(n.coef))+n.exp > 19 {
		return 0, fail(abbrev(shown))
	}
	if n.coef == "" {
		return 0, nil
	}
	digits := n.coef + strings.Repeat("0", int(n.exp))
	if n.neg {
		digits = "-" + digits
	}
	i, perr := strconv.ParseInt(digits, 10, 64)
	if perr != nil || i < lo || i > hi {
		return 0, fail(abbrev(shown))
	}
	return i, nil
}

func strconvAny(v any) string {
	if x, ok := v.(uint64); ok {
		return strconv.FormatUint(x, 10)
	}
	if x, ok := v.(uint); ok {
		return strconv.FormatUint(uint64(x), 10)
	}
	i, _, _ := intOf(v)
	return strconv.FormatInt(i, 10)
}

func overrideDouble(col Column, v any) (float64, error) {
	if col.Kind == KindDouble {
		f, _, ok := floatOf(v)
		if !ok {
			return 0, goTypeErr(col, v)
		}
		return f, nil
	}
	if col.Kind == KindInt32 || col.Kind == KindInt64 {
		i, overflow, ok := intOf(v)
		if !ok {
			return 0, goTypeErr(col, v)
		}
		f := float64(i)
		if overflow || f >= 1<<63 || int64(f) != i {
			return 0, recordErr(col, "integer %s has no exact double (doubles hold integers exactly only up to 2^53); remove the DOUBLE override or use LONG/DECIMAL", strconvAny(v))
		}
		return f, nil
	}
	d, shown, err := numberOf(col, v)
	if err != nil {
		return 0, err
	}
	f, ok := d.exactDouble()
	if !ok {
		return 0, recordErr(col, "value %s has no exact double (its shortest double form denotes a different number); remove the DOUBLE override or use DECIMAL/STRING", abbrev(shown))
	}
	return f, nil
}

// overrideDecimal: a double becomes the Decimal128 of its shortest
// round-trip text (0.1, not 0.1000000000000000055511151231257827), which is
// what the source prints and parses back to the same double.
func overrideDecimal(col Column, v any) (primitive.Decimal128, error) {
	d, shown, err := numberOf(col, v)
	if err != nil {
		return primitive.Decimal128{}, err
	}
	if col.Kind == KindDecimal {
		d = d.padScale(col.Scale)
	}
	dec, why := d.decimal128()
	if why != "" {
		return primitive.Decimal128{}, recordErr(col, "value %s has %s; override the field type to STRING to keep the exact text", abbrev(shown), why)
	}
	return dec, nil
}

func overrideBool(col Column, v any) (bool, error) {
	fail := func(shown string) error {
		return recordErr(col, "value %s is not a boolean (true/false, t/f, 1/0), so the BOOLEAN type override cannot apply; fix the data or remove the override", shown)
	}
	switch col.Kind {
	case KindBool:
		b, ok := v.(bool)
		if !ok {
			return false, goTypeErr(col, v)
		}
		return b, nil
	case KindInt32, KindInt64:
		i, overflow, ok := intOf(v)
		if !ok {
			return false, goTypeErr(col, v)
		}
		if overflow || (i != 0 && i != 1) {
			return false, fail(strconvAny(v))
		}
		return i == 1, nil
	}
	s, err := textOf(col, v)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "t", "1":
		return true, nil
	case "false", "f", "0":
		return false, nil
	}
	return false, fail(abbrev(s))
}

// overrideDate: dates, timestamps and instants convert as their own kind;
// integers are Unix seconds; text is ISO 8601 (see parseISODateTime).
func overrideDate(col Column, v any, opts Options) (int64, Note, error) {
	switch col.Kind {
	case KindDate:
		d, ok := v.(Date)
		if !ok {
			return 0, 0, goTypeErr(col, v)
		}
		ms, err := dateMillis(col, d)
		return ms, 0, err
	case KindTimestamp:
		w, ok := v.(WallTime)
		if !ok {
			return 0, 0, goTypeErr(col, v)
		}
		return wallMillis(col, w, opts.Location)
	case KindTimestampTZ:
		out, note, err := convertTimestampTZ(col, v)
		if err != nil {
			return 0, 0, err
		}
		return out.DateTime(), note, nil
	case KindInt32, KindInt64:
		i, overflow, ok := intOf(v)
		if !ok {
			return 0, 0, goTypeErr(col, v)
		}
		ms, inRange := millisFrom(i, 0)
		if overflow || !inRange {
			return 0, 0, outOfDateRange(col, "Unix time "+strconvAny(v)+" s")
		}
		return ms, 0, nil
	}
	s, err := textOf(col, v)
	if err != nil {
		return 0, 0, err
	}
	p, ok := parseISODateTime(s)
	if !ok {
		return 0, 0, recordErr(col, "value %s is not an ISO 8601 date or date-time (e.g. 2024-01-02, 2024-01-02T03:04:05.123, 2024-01-02 03:04:05+01:00), so the DATE type override cannot apply; fix the data or remove the override", abbrev(s))
	}
	switch {
	case p.inf != 0:
		return infinityMillis(p.inf), 0, nil
	case p.dateOnly:
		ms, err := dateMillis(col, Date{Year: p.wall.Year, Month: p.wall.Month, Day: p.wall.Day})
		return ms, 0, err
	case p.hasOffset:
		if !validWall(p.wall) {
			return 0, 0, recordErr(col, "value %s is not a valid date and time; fix the data or remove the DATE override", abbrev(s))
		}
		w := p.wall
		local := daysFromCivil(w.Year, w.Month, w.Day)*86400 + int64(w.Hour)*3600 + int64(w.Minute)*60 + int64(w.Second)
		ms, inRange := millisFrom(local-int64(p.offset), int64(w.Nanosecond/1e6))
		if !inRange {
			return 0, 0, outOfDateRange(col, "timestamp "+abbrev(s))
		}
		var note Note
		if w.Nanosecond%1e6 != 0 {
			note = NoteSubMillisecondTruncated
		}
		return ms, note, nil
	}
	return wallMillis(col, p.wall, opts.Location)
}

func overrideUUID(col Column, v any) ([16]byte, error) {
	switch col.Kind {
	case KindUUID:
		return uuidOf(col, v)
	case KindBinary:
		b, ok := v.([]byte)
		if !ok {
			return [16]byte{}, goTypeErr(col, v)
		}
		if len(b) != 16 {
			return [16]byte{}, recordErr(col, "binary value has %d bytes, not the 16 of a UUID, so the UUID type override cannot apply; remove the override", len(b))
		}
		var u [16]byte
		copy(u[:], b)
		return u, nil
	}
	s, err := textOf(col, v)
	if err != nil {
		return [16]byte{}, err
	}
	u, ok := parseUUID(s)
	if !ok {
		return [16]byte{}, recordErr(col, "value %s is not a UUID in the 36-character form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, so the UUID type override cannot apply; fix the data or remove the override", abbrev(s))
	}
	return u, nil
}

func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, false
	}
	return u, true
}

// overrideBinary: text becomes its bytes as stored (no decoding, and no UTF-8
// requirement, so BINARY also rescues text columns holding invalid UTF-8).
func overrideBinary(col Column, v any) ([]byte, error) {
	var b []byte
	switch col.Kind {
	case KindUUID:
		u, err := uuidOf(col, v)
		if err != nil {
			return nil, err
		}
		return u[:], nil
	case KindBinary:
		x, ok := v.([]byte)
		if !ok {
			return nil, goTypeErr(col, v)
		}
		b = x
	default:
		switch x := v.(type) {
		case string:
			b = []byte(x)
		case []byte:
			b = x
		default:
			return nil, goTypeErr(col, v)
		}
	}
	if len(b) > maxValueBytes {
		return nil, tooLarge(col, len(b))
	}
	return b, nil
}

func overrideObjectID(col Column, v any) (primitive.ObjectID, error) {
	var oid primitive.ObjectID
	if col.Kind == KindBinary {
		b, ok := v.([]byte)
		if !ok {
			return oid, goTypeErr(col, v)
		}
		if len(b) != 12 {
			return oid, recordErr(col, "binary value has %d bytes, not the 12 of an ObjectId, so the OBJECT_ID type override cannot apply; remove the override", len(b))
		}
		copy(oid[:], b)
		return oid, nil
	}
	s, err := textOf(col, v)
	if err != nil {
		return oid, err
	}
	if len(s) != 24 {
		return oid, recordErr(col, "value %s is not 24 hexadecimal characters, so the OBJECT_ID type override cannot apply; fix the data or remove the override", abbrev(s))
	}
	if _, err := hex.Decode(oid[:], []byte(s)); err != nil {
		return oid, recordErr(col, "value %s is not 24 hexadecimal characters, so the OBJECT_ID type override cannot apply; fix the data or remove the override", abbrev(s))
	}
	return oid, nil
}
