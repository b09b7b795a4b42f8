package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
)

// arrayCodecFor reads an array column into convert.Array (dimensions and elements in row-major
// order, nil for NULL elements), decoding elements the way codecFor decodes a scalar of the
// element kind: binary where pgx is exact, the element's text otherwise. Arrays of types pgx does
// not know (enums, domains, hstore, citext) are cast to text[] so that the scan never depends on
// a type registration.
func arrayCodecFor(c project.ColumnPlan) codec {
	switch c.Element {
	case convert.KindInt32, convert.KindInt64:
		return arrayCodec(asIs, int8Value)
	case convert.KindDouble:
		return arrayCodec(asIs, floatValue)
	case convert.KindDecimal:
		return arrayCodec(func(q string) string { return q + "::numeric[]::text[]" }, textElement(nil))
	case convert.KindBool:
		return arrayCodec(asIs, boolValue)
	case convert.KindBinary:
		return arrayCodec(asIs, bytesValue)
	case convert.KindUUID:
		return arrayCodec(asIs, uuidValue)
	case convert.KindDate:
		return arrayCodec(asIs, dateValue)
	case convert.KindTimestamp:
		return arrayCodec(asIs, timestampValue)
	case convert.KindTimestampTZ:
		return arrayCodec(asIs, timestamptzValue)
	case convert.KindInterval:
		return arrayCodec(asIs, intervalValue)
	case convert.KindTime:
		return arrayCodec(asTextArray, textElement(timeValue))
	case convert.KindHstore:
		return arrayCodec(asTextArray, textElement(hstoreValue))
	case convert.KindString:
		if isPlainText(strings.TrimSuffix(c.DataType, "[]")) {
			// text[], varchar[], char(n)[] and name[] need no cast, and a cast would trim the
			// padding of char(n) elements.
			return arrayCodec(asIs, textElement(nil))
		}
	}
	// Enums, citext, network and geometric types, JSON, bit strings and the text fallback: each
	// element's text.
	return arrayCodec(asTextArray, textElement(nil))
}

func asTextArray(q string) string { return q + "::text[]" }

// textElement adapts a text post-processor to an element decoder of a text[] scan.
func textElement(post func(string) any) func(pgtype.Text) any {
	return func(v pgtype.Text) any {
		if !v.Valid {
			return nil
		}
		if post != nil {
			return post(v.String)
		}
		return v.String
	}
}

// arrayCodec scans into pgtype.Array[T], which keeps every dimension and the NULL elements.
func arrayCodec[T any](expr func(string) string, conv func(T) any) codec {
	return codec{
		expr:   expr,
		target: func() any { return new(pgtype.Array[T]) },
		value: func(t any) (any, error) {
			return arrayValue(t.(*pgtype.Array[T]), conv), nil
		},
	}
}

// arrayValue converts a scanned array. PostgreSQL arrays may start at any index ('[0:2]={…}');
// a BSON array always starts at 0, so a lower bound other than the default 1 would be lost
// silently: such a value is a record error instead.
func arrayValue[T any](a *pgtype.Array[T], conv func(T) any) any {
	if !a.Valid {
		return nil
	}
	dims := make([]int, len(a.Dims))
	for i, d := range a.Dims {
		if d.LowerBound != 1 {
			return convert.Unconvertible{Reason: fmt.Sprintf("the array starts at index %d in dimension %d, and a BSON array cannot keep a lower bound other than 1; exclude the column or store the array with default bounds in the source", d.LowerBound, i+1)}
		}
		dims[i] = int(d.Length)
	}
	elems := make([]any, len(a.Elements))
	for i, e := range a.Elements {
		elems[i] = conv(e)
	}
	return convert.Array{Dims: dims, Elements: elems}
}
