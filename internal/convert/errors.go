package convert

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Error is a value that cannot be converted exactly. The caller turns it into a
// record error (table, key and column), never into a null or a rounded value.
type Error struct {
	// Column is the source column name; empty when the check does not know it
	// (CheckTarget), in which case the caller fills it in.
	Column string
	// Reason says what was wrong with the value and what the user can do.
	Reason string
}

// Error returns the column, the reason and the remedy in one sentence.
func (e *Error) Error() string {
	if e.Column == "" {
		return e.Reason
	}
	return fmt.Sprintf("column %q: %s", e.Column, e.Reason)
}

// ErrUnexpectedGoType is wrapped by the error Value returns when a dialect
// passes a Go value that does not belong to the column's Kind. It is a bug in
// the dialect, not a data problem, so it is not an *Error and should fail the
// job rather than skip a record.
var ErrUnexpectedGoType = errors.New("unexpected Go type for the column kind")

func recordErr(col Column, format string, args ...any) *Error {
	return &Error{Column: col.Name, Reason: fmt.Sprintf(format, args...)}
}

func goTypeErr(col Column, v any) error {
	return fmt.Errorf("converting column %q of kind %s (override %q): got %T: %w",
		col.Name, col.Kind, col.Override, v, ErrUnexpectedGoType)
}

// maxValueBytes bounds a single string/binary value: a MongoDB document holds at
// most 16 MiB, and BSON lengths are int32, so anything larger can never be
// written and must not reach the encoder.
const maxValueBytes = 16 * 1024 * 1024

func tooLarge(col Column, n int) *Error {
	return recordErr(col, "value is %d bytes but a MongoDB document holds at most 16 MiB; exclude the column or split the data", n)
}

// abbrev quotes s for a message, keeping it short: values may be long and
// messages end up in job events.
func abbrev(s string) string {
	const max = 32
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("…(%d bytes)", len(s))
}
