package mongosink

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Codes of the Rejected entries that this package produces itself, before a document reaches the
// server. Negative values cannot clash with server error codes. Rejections reported by the server
// carry the server's code (11000 duplicate key, 2 BadValue, ...).
const (
	// CodeInvalidDocument: the document is not valid BSON, has no _id, or its _id has a type
	// MongoDB refuses (array, regex, undefined).
	CodeInvalidDocument = -1
	// CodeUnsupportedValue: the document holds a value or field name the target cannot store
	// (see Capabilities).
	CodeUnsupportedValue = -2
	// CodeDocumentTooLarge is MongoDB's BSONObjectTooLarge code, used for documents above the
	// server's maxBsonObjectSize.
	CodeDocumentTooLarge = 10334
)

// precheck returns a rejection for doc, or nil when doc may be sent. It exists because some
// refusals do not come back as per-document write errors: FerretDB closes the connection on a NaN
// or a Decimal128 (the retry would fail the same way forever) or fails the whole command, and the
// driver fails a whole InsertMany on one oversized document.
func (t *Target) precheck(index int, doc bson.Raw) *Rejected {
	reject := func(id bson.RawValue, code int, format string, args ...any) *Rejected {
		return &Rejected{Index: index, ID: id, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	if err := doc.Validate(); err != nil {
		return reject(bson.RawValue{}, CodeInvalidDocument, "the document is not valid BSON (%v); this is a bug in the document assembly", err)
	}
	id, err := doc.LookupErr("_id")
	if err != nil {
		return reject(bson.RawValue{}, CodeInvalidDocument, "the document has no _id field; every document must carry its own _id so that writes are idempotent")
	}
	switch id.Type {
	case bsontype.Array, bsontype.Regex, bsontype.Undefined:
		return reject(id, CodeInvalidDocument, "the _id is of type %s, which MongoDB does not allow for _id; map the key to a scalar or a document", id.Type)
	}
	if len(doc) > t.maxDocBytes {
		return reject(id, CodeDocumentTooLarge, "the document is %d bytes, above the target's limit of %d bytes; exclude or split the largest embedded arrays", len(doc), t.maxDocBytes)
	}
	c := valueChecker{caps: t.caps, rareTypes: t.rareTypes}
	if path, problem := c.document(bsoncore.Document(doc), ""); problem != "" {
		return reject(id, CodeUnsupportedValue, "field %q %s, which %s cannot store; change the mapping (a type override or a field rename) or write to MongoDB",
			path, problem, t.caps.Product)
	}
	return nil
}

// valueChecker finds the first value or field name the target cannot store.
type valueChecker struct {
	caps      Capabilities
	rareTypes bool
}

// allSupported reports whether no check is needed at all (MongoDB), which skips the walk.
func (c valueChecker) allSupported() bool {
	return c.rareTypes && c.caps.Decimal128 && c.caps.NaNInfDoubles && c.caps.NestedArrays &&
		c.caps.DottedDollarKeys && c.caps.NULInStrings
}

// document walks doc and returns the dotted path of the first unsupported element and what is
// wrong with it, or "", "" when everything can be stored.
func (c valueChecker) document(doc bsoncore.Document, prefix string) (path, problem string) {
	if c.allSupported() {
		return "", ""
	}
	return c.walk(doc, prefix, false)
}

func (c valueChecker) walk(doc bsoncore.Document, prefix string, isArray bool) (string, string) {
	length, rest, ok := bsoncore.ReadLength(doc)
	if !ok || int(length) > len(doc) || length < 5 {
		return prefix, "is malformed BSON"
	}
	rest = rest[:length-5] // without the length prefix and trailing NUL
	for len(rest) > 0 {
		elem, next, ok := bsoncore.ReadElement(rest)
		if !ok {
			return prefix, "is malformed BSON"
		}
		rest = next
		key := elem.Key()
		path := key
		if prefix != "" {
			path = prefix + "." + key
		}
		if !isArray && !c.caps.DottedDollarKeys && (strings.Contains(key, ".") || strings.HasPrefix(key, "$")) {
			return path, "has a name that contains '.' or starts with '$'"
		}
		v := elem.Value()
		if p, problem := c.value(v, path, isArray); problem != "" {
			return p, problem
		}
	}
	return "", ""
}

func (c valueChecker) value(v bsoncore.Value, path string, inArray bool) (string, string) {
	switch v.Type {
	case bsontype.Double:
		f, ok := v.DoubleOK()
		if ok && !c.caps.NaNInfDoubles && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return path, "holds the double " + strconv.FormatFloat(f, 'g', -1, 64)
		}
	case bsontype.Decimal128:
		if !c.caps.Decimal128 {
			return path, "holds a Decimal128 value"
		}
	case bsontype.String:
		s, ok := v.StringValueOK()
		if ok && !c.caps.NULInStrings && strings.ContainsRune(s, 0) {
			return path, "holds a string with a NUL character"
		}
	case bsontype.EmbeddedDocument:
		d, ok := v.DocumentOK()
		if !ok {
			return path, "is malformed BSON"
		}
		return c.walk(d, path, false)
	case bsontype.Array:
		if inArray && !c.caps.NestedArrays {
			return path, "is an array directly inside an array"
		}
		a, ok := v.ArrayOK()
		if !ok {
			return path, "is malformed BSON"
		}
		return c.walk(bsoncore.Document(a), path, true)
	case bsontype.Undefined, bsontype.DBPointer, bsontype.JavaScript, bsontype.Symbol,
		bsontype.CodeWithScope, bsontype.MinKey, bsontype.MaxKey:
		if !c.rareTypes {
			return path, "holds a value of BSON type " + v.Type.String()
		}
	}
	return "", ""
}
