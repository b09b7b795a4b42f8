package convert

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// convertArray converts a (possibly multi-dimensional) array into nested BSON
// arrays, each element by Column.Element's rule; NULL elements become null.
// A type override on an array column applies to each element (a numeric[]
// with override STRING becomes an array of strings), so OverrideAppliesTo
// checks it against the element kind.
func convertArray(col Column, v any, opts Options) (bsoncore.Value, Note, error) {
	a, ok := v.(Array)
	if !ok {
		return bsoncore.Value{}, 0, goTypeErr(col, v)
	}
	if col.Element == KindArray || col.Element == KindInvalid {
		return bsoncore.Value{}, 0, fmt.Errorf("converting array column %q: element kind %s: %w", col.Name, col.Element, ErrUnexpectedGoType)
	}
	total := 1
	for _, d := range a.Dims {
		if d < 0 {
			return bsoncore.Value{}, 0, fmt.Errorf("converting array column %q: negative dimension %d: %w", col.Name, d, ErrUnexpectedGoType)
		}
		if total > 0 && d > len(a.Elements)/total+1 {
			total = -1 // more than len(Elements): reported below, no overflow
			break
		}
		total *= d
	}
	if len(a.Dims) == 0 {
		total = 0
	}
	if total != len(a.Elements) {
		return bsoncore.Value{}, 0, fmt.Errorf("converting array column %q: dimensions %v do not match %d elements: %w", col.Name, a.Dims, len(a.Elements), ErrUnexpectedGoType)
	}
	if len(a.Dims) == 0 {
		return bsoncore.Value{Type: bsontype.Array, Data: bsoncore.BuildArray(nil)}, 0, nil
	}
	elemCol := Column{Name: col.Name, Kind: col.Element, Scale: col.Scale, Override: col.Override}
	b := arrayBuilder{elem: elemCol, dims: a.Dims, elems: a.Elements, opts: opts}
	out, err := b.build(0, 0, nil)
	if err != nil {
		return bsoncore.Value{}, 0, err
	}
	return out, b.note, nil
}

type arrayBuilder struct {
	elem  Column
	dims  []int
	elems []any
	opts  Options
	note  Note
}

// build returns the sub-array of dimension level starting at element offset;
// pos is the index path so far, for error messages.
func (b *arrayBuilder) build(level, offset int, pos []int) (bsoncore.Value, error) {
	n := b.dims[level]
	stride := 1
	for _, d := range b.dims[level+1:] {
		stride *= d
	}
	values := make([]bsoncore.Value, n)
	for i := 0; i < n; i++ {
		p := append(pos, i)
		if level+1 < len(b.dims) {
			sub, err := b.build(level+1, offset+i*stride, p)
			if err != nil {
				return bsoncore.Value{}, err
			}
			values[i] = sub
			continue
		}
		e := b.elems[offset+i]
		if e == nil {
			values[i] = nullValue()
			continue
		}
		val, note, err := Value(b.elem, e, b.opts)
		if err != nil {
			var ce *Error
			if errors.As(err, &ce) {
				return bsoncore.Value{}, &Error{Column: ce.Column, Reason: "array element " + indexPath(p) + ": " + ce.Reason}
			}
			return bsoncore.Value{}, fmt.Errorf("array element %s: %w", indexPath(p), err)
		}
		b.note |= note
		values[i] = val
	}
	return bsoncore.Value{Type: bsontype.Array, Data: bsoncore.BuildArray(nil, values...)}, nil
}

// indexPath prints a 0-based index path as "[1][0]".
func indexPath(p []int) string {
	var sb strings.Builder
	for _, i := range p {
		sb.WriteString("[" + strconv.Itoa(i) + "]")
	}
	return sb.String()
}
