package convert

import (
	"strconv"
	"time"
)

// Kind is the normalized kind of a source column, chosen by a source dialect
// from its catalog type. The kind, not the Go type of a value, decides the BSON
// type a value becomes, so every dialect gets the same policy (TYPES.md).
type Kind int

// The kinds a dialect can choose. Each comment names the Go value Value expects.
const (
	// KindInvalid is the zero Kind; Value rejects it so that a forgotten
	// assignment in a dialect is caught instead of silently producing data.
	KindInvalid Kind = iota
	// KindInt32 takes int64 (or int32/int16/int8/int and unsigned types) that
	// must fit int32, and produces Int32.
	KindInt32
	// KindInt64 takes int64 (or any smaller integer) and produces Int64.
	KindInt64
	// KindDouble takes float64 or float32 and produces Double; NaN and ±Inf are kept.
	KindDouble
	// KindDecimal takes the exact decimal text as the source prints it
	// ("12.5000", "-0.001", "1E+5", "NaN", "Infinity", "-Infinity") as a string
	// or []byte, and produces Decimal128 with the scale kept.
	KindDecimal
	// KindBool takes bool and produces Boolean.
	KindBool
	// KindString takes a string or []byte holding UTF-8 text and produces String.
	KindString
	// KindBinary takes []byte and produces Binary subtype 0 (empty stays empty, never null).
	KindBinary
	// KindUUID takes [16]byte (or a 16-byte []byte) in RFC 4122 byte order and
	// produces Binary subtype 4.
	KindUUID
	// KindDate takes Date and produces a BSON Date at 00:00:00Z.
	KindDate
	// KindTimestamp takes WallTime, a wall-clock time without zone that is read
	// in Options.Location, and produces a BSON Date.
	KindTimestamp
	// KindTimestampTZ takes time.Time (an instant) or Infinity and produces a BSON Date.
	KindTimestampTZ
	// KindTime takes a string already formatted "HH:MM:SS[.ffffff][±HH:MM]" by
	// the source and produces String.
	KindTime
	// KindInterval takes Interval and produces an ISO 8601 duration String.
	KindInterval
	// KindJSON takes JSON text ([]byte or string) and produces the parsed
	// document, array or scalar.
	KindJSON
	// KindArray takes Array; Column.Element gives the element kind. It
	// produces an Array, nested for multi-dimensional arrays.
	KindArray
	// KindHstore takes map[string]*string or []KeyValue and produces a
	// Document of strings (a nil value becomes null).
	KindHstore
	// KindBitString takes a string of '0' and '1' and produces String.
	KindBitString
	// KindText is the fallback for types without a rule: it takes the source's
	// text cast as a string and produces String. Value sets NoteFallbackText so
	// the caller can emit its one WARNING per column.
	KindText
)

var kindNames = [...]string{
	KindInvalid:     "invalid",
	KindInt32:       "int32",
	KindInt64:       "int64",
	KindDouble:      "double",
	KindDecimal:     "decimal",
	KindBool:        "bool",
	KindString:      "string",
	KindBinary:      "binary",
	KindUUID:        "uuid",
	KindDate:        "date",
	KindTimestamp:   "timestamp",
	KindTimestampTZ: "timestamptz",
	KindTime:        "time",
	KindInterval:    "interval",
	KindJSON:        "json",
	KindArray:       "array",
	KindHstore:      "hstore",
	KindBitString:   "bit string",
	KindText:        "text",
}

// String returns a lower-case name of the kind for messages.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Date is a calendar date in the proleptic Gregorian calendar. Year is
// astronomical (1 BC is year 0, 4713 BC is -4712) and may exceed 9999. Inf is
// +1 or -1 for ±infinity, in which case the other fields are ignored.
type Date struct {
	Year  int64
	Month int
	Day   int
	Inf   int
}

// WallTime is a timestamp without time zone (a reading of a wall clock). Year
// is astronomical as in Date; Inf is +1 or -1 for ±infinity.
type WallTime struct {
	Year                                         int64
	Month, Day, Hour, Minute, Second, Nanosecond int
	Inf                                          int
}

// Infinity is ±infinity for instant (KindTimestampTZ) columns: +1 or -1.
type Infinity int

// Interval is a PostgreSQL-style interval: months, days and microseconds are
// kept apart because their lengths vary (a month is not 30 days, a day is not
// always 24 hours), so none of them is folded into another.
type Interval struct {
	Months       int32
	Days         int32
	Microseconds int64
}

// Array is a possibly multi-dimensional array. Dims gives the length of each
// dimension (outermost first); Elements holds the elements in row-major order,
// nil meaning SQL NULL. An empty array has no Dims (or a zero-length one).
type Array struct {
	Dims     []int
	Elements []any
}

// Unconvertible is a value a dialect read but cannot hand over exactly in its kind's Go form
// (e.g. a PostgreSQL array whose lower bound is not 1, which a BSON array cannot keep). Any kind
// accepts it, also as an array element, and Value reports Reason as a record error (*Error) for
// the column, so the row is handled per errorHandling instead of the chunk failing. Reason says
// what was wrong and what to do, like every *Error.
type Unconvertible struct {
	Reason string
}

// KeyValue is one pair of an hstore in source order; a nil Value is SQL NULL.
type KeyValue struct {
	Key   string
	Value *string
}

// Column describes the source column a value comes from.
type Column struct {
	// Name is the source column name, used in error messages.
	Name string
	// Kind is the normalized kind of the column.
	Kind Kind
	// Element is the element kind for KindArray columns.
	Element Kind
	// Scale is the declared scale of a decimal column when known, -1 when
	// unknown. A decimal value with fewer fractional digits is padded with
	// zeros up to Scale (SQLite stores 1.50 in a DECIMAL(10,2) column as 1.5);
	// digits are never removed, so 0 and -1 both leave values unchanged.
	Scale int
	// Override is the mapping's type override: "", "STRING", "INTEGER",
	// "LONG", "DOUBLE", "DECIMAL", "BOOLEAN", "DATE", "UUID", "BINARY" or
	// "OBJECT_ID".
	Override string
}

// Options are the job settings that influence conversion.
type Options struct {
	// Location is the job's sourceTimeZone in which KindTimestamp wall times
	// are read; nil means UTC (never the host's zone).
	Location *time.Location
}

// Note is a set of lossy-but-standard events that happened while converting a
// value. The caller counts them per column and reports them as WARNING events.
type Note uint8

// Notes Value can report.
const (
	// NoteSubMillisecondTruncated: digits below the millisecond were dropped
	// because a BSON Date holds milliseconds.
	NoteSubMillisecondTruncated Note = 1 << iota
	// NoteDSTGap: a wall time fell into a spring-forward gap of the source
	// time zone and was read with the offset in force before the gap.
	NoteDSTGap
	// NoteDSTAmbiguous: a wall time occurred twice (autumn) and the first
	// occurrence (the earlier offset) was taken.
	NoteDSTAmbiguous
	// NoteFallbackText: the column has no conversion rule and the source's
	// text cast was stored as a String.
	NoteFallbackText
)

// String lists the notes in n, e.g. "dst-gap|sub-millisecond-truncated".
func (n Note) String() string {
	if n == 0 {
		return "none"
	}
	names := []struct {
		n    Note
		name string
	}{
		{NoteSubMillisecondTruncated, "sub-millisecond-truncated"},
		{NoteDSTGap, "dst-gap"},
		{NoteDSTAmbiguous, "dst-ambiguous"},
		{NoteFallbackText, "fallback-text"},
	}
	s := ""
	for _, x := range names {
		if n&x.n != 0 {
			if s != "" {
				s += "|"
			}
			s += x.name
		}
	}
	if rest := n &^ (NoteSubMillisecondTruncated | NoteDSTGap | NoteDSTAmbiguous | NoteFallbackText); rest != 0 {
		if s != "" {
			s += "|"
		}
		s += "Note(" + strconv.Itoa(int(rest)) + ")"
	}
	return s
}
