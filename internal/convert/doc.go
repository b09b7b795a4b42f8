// Package convert is relmongo's SQL value to BSON value policy (TYPES.md).
//
// A source dialect reads a column's catalog type, chooses a Kind for it, and
// hands each non-NULL value to Value as the Go value that Kind documents.
// Value either converts the value exactly or returns an *Error, which becomes
// a record error: it never rounds, truncates (except digits below the
// millisecond, see below), shifts a time zone or substitutes null. A dialect
// that reads a value it cannot hand over exactly in its kind's Go form (e.g. a
// PostgreSQL array with a lower bound other than 1) passes Unconvertible, which
// Value reports as an *Error for that record.
//
// # Policy in brief
//
//   - Integers: Int32 / Int64 by column kind (out of range is an *Error).
//   - Decimals: Decimal128 with the scale kept ("12.5000" stays 12.5000),
//     parsed from the source's text, never through float64. More than 34
//     significant digits (counted from the first non-zero digit, trailing
//     zeros included because they carry the scale) or an exponent outside
//     Decimal128's range is an *Error; NaN and ±Infinity map to Decimal128
//     NaN and ±Infinity.
//   - Doubles keep NaN, ±Infinity and -0.
//   - Text must be valid UTF-8; binary data is Binary subtype 0 (empty stays
//     empty), UUIDs Binary subtype 4.
//   - Dates, timestamps and instants are BSON Dates (int64 ms since the
//     epoch), computed without time.Time's string parsing so BC years and
//     years beyond 9999 work; ±infinity maps to the int64 maximum/minimum.
//     Timestamps without zone are read in Options.Location: a wall time in a
//     spring-forward gap takes the offset in force before the gap
//     (NoteDSTGap), an ambiguous one its first occurrence (NoteDSTAmbiguous).
//     Digits below the millisecond are dropped with
//     NoteSubMillisecondTruncated; a STRING override keeps them.
//   - Intervals are ISO 8601 durations in PostgreSQL's iso_8601 style, each
//     part with its own sign ("P1Y2M3DT4H5M6.5S", "P-1DT2H", zero "PT0S").
//   - JSON is parsed with key order kept; a duplicate key keeps its first
//     position and its last value. Integers (no fraction or exponent written)
//     are Int32/Int64 by range, Decimal128 beyond int64; other numbers are
//     Double when the shortest form of the nearest double denotes exactly the
//     source's value, else Decimal128; a number Decimal128 cannot hold is an
//     *Error. Unpaired surrogate escapes, NUL in keys and nesting deeper than
//     100 levels are *Errors.
//   - Arrays become nested arrays (NULL elements null); hstore a document of
//     strings (NULL values null).
//
// # Type overrides
//
// Column.Override applies only when the conversion is exact, otherwise the
// value is an *Error; OverrideApplies says which kinds an override can apply
// to at all. On an array column the override applies to each element.
//
//	STRING     the exact text: integers in decimal; doubles in shortest
//	           round-trip form ("NaN", "Infinity", "-Infinity"); decimal,
//	           JSON, time and other text as the source gave it; "true"/"false";
//	           binary as standard base64 with padding; UUIDs lowercase
//	           canonical; dates "2024-01-02"; timestamps
//	           "2024-01-02T03:04:05.123456" with every fractional digit kept
//	           (timestamptz in UTC with "Z"), years outside 0000-9999 in the
//	           ISO expanded form "+294276" / "-4712" (astronomical), ±infinity
//	           as "infinity"/"-infinity"; intervals as above; hstore in
//	           PostgreSQL's text form ("k"=>"v", "n"=>NULL).
//	INTEGER,   from integers in range, integral doubles (not -0), integral
//	LONG       decimals ("12.000", "1E+3") and integer text.
//	DOUBLE     from integers up to 2^53 (exactly representable), doubles, and
//	           decimals/text whose shortest double form denotes the same value
//	           ("12.5000" -> 12.5, "0.1" -> 0.1; not "0.10000000000000000001").
//	DECIMAL    from integers, doubles (their shortest round-trip text, "0.1"),
//	           decimals and decimal text, within Decimal128's limits.
//	BOOLEAN    from booleans, integers 0/1, bit strings "0"/"1" and the text
//	           true/false/t/f/1/0 (any case).
//	DATE       from dates, timestamps, instants, integers (Unix seconds) and
//	           ISO 8601 text: a date, a date-time read in sourceTimeZone, or a
//	           date-time with Z/offset; PostgreSQL's " BC" suffix and
//	           infinity are understood.
//	UUID       from UUIDs, 16-byte binary and 36-character canonical text
//	           (either case).
//	BINARY     from binary, UUIDs (subtype 0) and text (its bytes as stored,
//	           without UTF-8 checks, so it also rescues invalid text).
//	OBJECT_ID  from 24 hexadecimal characters (either case) or 12-byte binary.
//
// # Field names
//
// MongoDB and some targets refuse field names that contain '.' or start with
// '$', and BSON names cannot contain NUL. FieldName maps a column name to a
// safe field name and OriginalFieldName maps it back, so the original name is
// always recoverable:
//
//	'.'             -> U+FF0E FULLWIDTH FULL STOP     ("a.b" -> "a．b")
//	leading '$'     -> U+FF04 FULLWIDTH DOLLAR SIGN   ("$x" -> "＄x")
//	NUL             -> U+2400 SYMBOL FOR NULL
//	U+FF0E, U+FF04, U+2400 or U+FF3C already present -> preceded by
//	                   U+FF3C FULLWIDTH REVERSE SOLIDUS ("a．b" -> "a＼．b")
//
// Names without these characters (nearly all) are unchanged. Explicit renames
// in the mapping (which may nest with a dot on purpose) are not meant to go
// through FieldName.
//
// # Targets
//
// CheckTarget tests a converted value against a target's TargetLimits (what
// FerretDB 1.x cannot store) so that one bad value is a record error rather
// than a failed batch, and KindNeedsDecimal128 lets the setup check reject
// columns that could never be written to such a target.
package convert
