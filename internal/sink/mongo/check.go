package mongosink

import (
	"bytes"
	"encoding/binary"
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
	c := valueChecker{caps: t.caps, rareTypes: t.rareTypes, keys: make([][]byte, 0, 8)}
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
	// keys is the path from the document to the element being checked. Paths are joined only
	// for a problem: every document written to FerretDB is checked, and almost all pass.
	keys [][]byte
}

// allSupported reports whether no check is needed at all (MongoDB), which skips the walk.
func (c *valueChecker) allSupported() bool {
	return c.rareTypes && c.caps.Decimal128 && c.caps.NaNInfDoubles && c.caps.NestedArrays &&
		c.caps.DottedDollarKeys && c.caps.NULInStrings
}

// document walks doc and returns the dotted path of the first unsupported element and what is
// wrong with it, or "", "" when everything can be stored.
func (c *valueChecker) document(doc bsoncore.Document, prefix string) (path, problem string) {
	if c.allSupported() {
		return "", ""
	}
	c.keys = c.keys[:0]
	if problem := c.walk(doc, false); problem != "" {
		parts := make([]string, 0, len(c.keys)+1)
		if prefix != "" {
			parts = append(parts, prefix)
		}
		for _, k := range c.keys {
			parts = append(parts, string(k))
		}
		return strings.Join(parts, "."), problem
	}
	return "", ""
}

// walk checks the elements of doc; on a problem, c.keys is left at the offending element.
func (c *valueChecker) walk(doc bsoncore.Document, isArray bool) string {
	length, rest, ok := bsoncore.ReadLength(doc)
	if !ok || int(length) > len(doc) || length < 5 {
		return "is malformed BSON"
	}
	rest = rest[:length-5] // without the length prefix and trailing NUL
	for len(rest) > 0 {
		elem, next, ok := bsoncore.ReadElement(rest)
		if !ok {
			return "is malformed BSON"
		}
		rest = next
		key := elem.KeyBytes()
		c.keys = append(c.keys, key)
		if !isArray && !c.caps.DottedDollarKeys && (bytes.IndexByte(key, '.') >= 0 || len(key) > 0 && key[0] == '$') {
			return "has a name that contains '.' or starts with '$'"
		}
		if problem := c.value(elem.Value(), isArray); problem != "" {
			return problem
		}
		c.keys = c.keys[:len(c.keys)-1]
	}
	return ""
}

func (c *valueChecker) value(v bsoncore.Value, inArray bool) string {
	switch v.Type {
	case bsontype.Double:
		f, ok := v.DoubleOK()
		if ok && !c.caps.NaNInfDoubles && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return "holds the double " + strconv.FormatFloat(f, 'g', -1, 64)
		}
	case bsontype.Decimal128:
		if !c.caps.Decimal128 {
			return "holds a Decimal128 value"
		}
	case bsontype.String:
		// The text in place (int32 length, bytes, NUL): no copy per value.
		if !c.caps.NULInStrings && len(v.Data) > 4 {
			if l := int(int32(binary.LittleEndian.Uint32(v.Data))); l > 0 && l <= len(v.Data)-4 && bytes.IndexByte(v.Data[4:4+l-1], 0) >= 0 {
				return "holds a string with a NUL character"
			}
		}
	case bsontype.EmbeddedDocument:
		d, ok := v.DocumentOK()
		if !ok {
			return "is malformed BSON"
		}
		return c.walk(d, false)
	case bsontype.Array:
		if inArray && !c.caps.NestedArrays {
			return "is an array directly inside an array"
		}
		a, ok := v.ArrayOK()
		if !ok {
			return "is malformed BSON"
		}
		return c.walk(bsoncore.Document(a), true)
	case bsontype.Undefined, bsontype.DBPointer, bsontype.JavaScript, bsontype.Symbol,
		bsontype.CodeWithScope, bsontype.MinKey, bsontype.MaxKey:
		if !c.rareTypes {
			return "holds a value of BSON type " + v.Type.String()
		}
	}
	return ""
}
