package postgres

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
)

// codec reads one column: the select expression, a fresh scan target and the decoding of the
// scanned target into package convert's representation (nil for NULL). Decoded values never
// alias the scan target, so a caller may keep a row after the next one is scanned.
type codec struct {
	expr   func(quoted string) string
	target func() any
	value  func(target any) (any, error)
}

func asIs(q string) string   { return q }
func asText(q string) string { return q + "::text" }

// asNumericText reads decimals as PostgreSQL prints numeric: money's own text form depends on
// lc_monetary ("$1,234.50"), a domain over money or numeric casts through its base type, and
// numeric to numeric without a typmod never rounds.
func asNumericText(q string) string { return q + "::numeric::text" }

// textCodec reads a column as text: the exact text the server prints.
func textCodec(expr func(string) string) codec {
	return textCodecWith(expr, nil)
}

// textCodecWith reads a column as text and hands the text to post (when not nil), which turns it
// into the kind's Go value.
func textCodecWith(expr func(string) string, post func(string) any) codec {
	return codec{
		expr:   expr,
		target: func() any { return new(pgtype.Text) },
		value: func(t any) (any, error) {
			v := t.(*pgtype.Text)
			if !v.Valid {
				return nil, nil
			}
			if post != nil {
				return post(v.String), nil
			}
			return v.String, nil
		},
	}
}

// binaryCodec reads a column in pgx's binary format into T and converts it with conv (which
// returns nil for NULL).
func binaryCodec[T any](conv func(T) any) codec {
	return codec{
		expr:   asIs,
		target: func() any { return new(T) },
		value:  func(t any) (any, error) { return conv(*t.(*T)), nil },
	}
}

// codecFor chooses how to read a column so that no value passes through a lossy Go type:
// integers, floats, dates, timestamps, intervals, UUIDs and bytea in binary (exact, ±infinity
// through pgtype's InfinityModifier, BC years and years past 9999 as plain integers of days or
// microseconds); numerics, JSON and everything text-like as the server's text (never float64).
func codecFor(c project.ColumnPlan) codec {
	switch c.Kind {
	case convert.KindInt32, convert.KindInt64:
		return binaryCodec(int8Value)
	case convert.KindDouble:
		// Scanning into any keeps float4 as float32, whose shortest text ("0.1") a STRING
		// override needs; widening it to float64 first would print 0.10000000149011612.
		return binaryCodec(floatValue)
	case convert.KindDecimal:
		return textCodec(asNumericText)
	case convert.KindBool:
		return binaryCodec(boolValue)
	case convert.KindString:
		return textCodec(stringExpr(c.DataType))
	case convert.KindBinary:
		return binaryCodec(bytesValue)
	case convert.KindUUID:
		return binaryCodec(uuidValue)
	case convert.KindDate:
		return binaryCodec(dateValue)
	case convert.KindTimestamp:
		return binaryCodec(timestampValue)
	case convert.KindTimestampTZ:
		return binaryCodec(timestamptzValue)
	case convert.KindInterval:
		return binaryCodec(intervalValue)
	case convert.KindTime:
		return textCodecWith(asText, timeValue)
	case convert.KindHstore:
		return textCodecWith(asText, hstoreValue)
	case convert.KindJSON, convert.KindBitString, convert.KindText:
		return textCodec(asText)
	case convert.KindArray:
		return arrayCodecFor(c)
	}
	// A kind this dialect never assigns: read the text so the query still runs, and make every
	// non-NULL value a record error that names the problem instead of failing the whole chunk.
	return textCodecWith(asText, func(string) any {
		return convert.Unconvertible{Reason: fmt.Sprintf("the PostgreSQL source has no decoder for kind %s (type %s); override the field type to STRING or exclude the column", c.Kind, c.DataType)}
	})
}

// stringExpr returns how to read a String column as the text PostgreSQL displays (its output
// function). A cast to text is that text for most types, but not for all: char(n) loses its
// padding (so it is read without a cast) and inet always shows the netmask (abbrev gives the
// output function's form, "10.0.0.1" rather than "10.0.0.1/32").
func stringExpr(dataType string) func(string) string {
	switch {
	case isPlainText(dataType):
		return asIs
	case dataType == "inet":
		return func(q string) string { return "abbrev(" + q + ")" }
	}
	return asText
}

// isPlainText reports types that pgx scans as text without a cast.
func isPlainText(dataType string) bool {
	switch {
	case dataType == "text", dataType == "name", dataType == "citext",
		len(dataType) >= 17 && dataType[:17] == "character varying",
		len(dataType) >= 9 && dataType[:9] == "character":
		return true
	}
	return false
}

// The element decoders below serve both scalar columns and array elements; each returns nil for
// NULL and otherwise the Go value package convert documents for the kind.

func int8Value(v pgtype.Int8) any {
	if !v.Valid {
		return nil
	}
	return v.Int64
}

// floatValue accepts what pgx scans a float4 or float8 into when the target is any.
func floatValue(v any) any {
	switch x := v.(type) {
	case float32, float64:
		return x
	case nil:
		return nil
	}
	return convert.Unconvertible{Reason: fmt.Sprintf("a floating-point value arrived as %T; override the field type to STRING", v)}
}

func boolValue(v pgtype.Bool) any {
	if !v.Valid {
		return nil
	}
	return v.Bool
}

// bytesValue keeps an empty bytea as an empty, non-nil slice (an empty Binary, not null).
func bytesValue(v []byte) any {
	if v == nil {
		return nil
	}
	return v
}

func uuidValue(v pgtype.UUID) any {
	if !v.Valid {
		return nil
	}
	return v.Bytes
}

func dateValue(v pgtype.Date) any {
	if !v.Valid {
		return nil
	}
	switch v.InfinityModifier {
	case pgtype.Infinity:
		return convert.Date{Inf: 1}
	case pgtype.NegativeInfinity:
		return convert.Date{Inf: -1}
	}
	// pgx builds the time from the binary day count, so BC years (astronomical: 4713 BC is
	// -4712) and years past 9999 arrive intact.
	y, m, d := v.Time.Date()
	return convert.Date{Year: int64(y), Month: int(m), Day: d}
}

func timestampValue(v pgtype.Timestamp) any {
	if !v.Valid {
		return nil
	}
	switch v.InfinityModifier {
	case pgtype.Infinity:
		return convert.WallTime{Inf: 1}
	case pgtype.NegativeInfinity:
		return convert.WallTime{Inf: -1}
	}
	return wallTime(v.Time)
}

func timestamptzValue(v pgtype.Timestamptz) any {
	if !v.Valid {
		return nil
	}
	switch v.InfinityModifier {
	case pgtype.Infinity:
		return convert.Infinity(1)
	case pgtype.NegativeInfinity:
		return convert.Infinity(-1)
	}
	return v.Time.UTC()
}

func intervalValue(v pgtype.Interval) any {
	if !v.Valid {
		return nil
	}
	return convert.Interval{Months: v.Months, Days: v.Days, Microseconds: v.Microseconds}
}

// timeValue normalizes time and timetz text to HH:MM:SS[.ffffff][±HH:MM] (TYPES.md).
func timeValue(s string) any {
	t, ok := normalizeTime(s)
	if !ok {
		return convert.Unconvertible{Reason: fmt.Sprintf("time value %q is not in the form HH:MM:SS[.ffffff][±HH[:MM[:SS]]]; override the field type to STRING", s)}
	}
	return t
}

// hstoreValue parses hstore's text form into pairs in the order the server prints them.
func hstoreValue(s string) any {
	pairs, err := parseHstore(s)
	if err != nil {
		return convert.Unconvertible{Reason: fmt.Sprintf("hstore value cannot be parsed (%v); override the field type to STRING", err)}
	}
	return pairs
}

// wallTime reads the fields of a UTC time.Time that pgx built from a timestamp's microseconds;
// the time zone is deliberately not applied here (convert reads it in sourceTimeZone).
func wallTime(t time.Time) convert.WallTime {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return convert.WallTime{Year: int64(y), Month: int(mo), Day: d, Hour: h, Minute: mi, Second: s, Nanosecond: t.Nanosecond()}
}
