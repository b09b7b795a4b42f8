package convert

import (
	"fmt"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Typed is a value that carries its own kind, which replaces the column's kind for this one
// value. SQLite needs it: every SQLite value has its own storage class, so one column may hold
// integers, text and blobs side by side, and TYPES.md converts a value that does not fit its
// column's declared type by its own storage class; an INTEGER column's values also become Int32
// or Int64 by range, value by value. The dialect decides the kind of each value; Value then
// applies that kind's rule, and the column's type override (if any) on top of it.
//
// Value is in the Go form that Kind documents. A Typed inside a Typed, or a Typed of KindArray
// or KindInvalid, is a dialect bug (ErrUnexpectedGoType).
type Typed struct {
	Kind  Kind
	Value any
}

// String prints the wrapped value, so that key texts built with fmt (record errors, logs) show
// the value rather than the wrapper.
func (t Typed) String() string { return fmt.Sprint(t.Value) }

// convertTyped converts t as a value of its own kind, keeping the column's name, override and,
// for decimals, its declared scale.
func convertTyped(col Column, t Typed, opts Options) (bsoncore.Value, Note, error) {
	if _, nested := t.Value.(Typed); nested || t.Value == nil || t.Kind == KindInvalid || t.Kind == KindArray {
		return bsoncore.Value{}, 0, goTypeErr(col, t.Value)
	}
	declared := col.Kind
	col.Kind = t.Kind
	col.Element = KindInvalid
	if t.Kind != KindDecimal {
		col.Scale = -1
	}
	if col.Override != "" && !OverrideApplies(t.Kind, col.Override) {
		return bsoncore.Value{}, 0, recordErr(col, "this value is stored as %s in a column of kind %s, which the %s type override cannot convert; fix the value or remove the override", t.Kind, declared, col.Override)
	}
	return Value(col, t.Value, opts)
}
