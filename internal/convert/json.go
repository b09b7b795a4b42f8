package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// maxJSONDepth is MongoDB's nesting limit for BSON documents (each object or
// array is one level). A deeper JSON value could never be written, and the
// limit also keeps the recursive parser's stack bounded on hostile input.
const maxJSONDepth = 100

// convertJSON parses JSON text into the BSON value it denotes.
//
//   - Object key order is kept as the source returns it. A key that occurs
//     more than once keeps the position of its first occurrence and the value
//     of its last (what JavaScript's JSON.parse and PostgreSQL's jsonb do with
//     the value); BSON documents with duplicate names are not safe to write.
//   - Numbers follow TYPES.md: a number written without fraction or exponent
//     is Int32 or Int64 by range, Decimal128 beyond int64; any other number is
//     a Double when the shortest form of the nearest double denotes exactly
//     the source's value ("0.1", "1e5", "2.50"), else Decimal128
//     ("0.10000000000000000001", "1e400"); a number Decimal128 cannot hold
//     exactly is an *Error. Numbers never pass through float64 before this
//     decision (the decoder runs with UseNumber).
//   - "-0" written as an integer is Int32 0 (integers have no negative zero);
//     "-0.0" is Double -0.
//   - Strings must be valid UTF-8 without unpaired surrogate escapes, which
//     encoding/json would otherwise silently replace with U+FFFD. Keys must
//     not contain NUL (BSON names are NUL-terminated).
func convertJSON(col Column, v any) (bsoncore.Value, error) {
	text, err := textOf(col, v)
	if err != nil {
		return bsoncore.Value{}, err
	}
	if off := loneSurrogate(text); off >= 0 {
		return bsoncore.Value{}, recordErr(col, "JSON text has an unpaired UTF-16 surrogate escape at offset %d, which has no UTF-8 form; override the field type to STRING to keep the text", off)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	out, perr := parseJSONValue(dec, 0)
	if perr == nil {
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			perr = &jsonErr{reason: "has data after the JSON value"}
		}
	}
	if perr != nil {
		return bsoncore.Value{}, recordErr(col, "JSON value %s; override the field type to STRING to keep the text", perr.Error())
	}
	return out, nil
}

// jsonErr collects the path to the failing JSON value while the recursion unwinds.
type jsonErr struct {
	path   []string // innermost first
	reason string
}

func (e *jsonErr) Error() string {
	if len(e.path) == 0 {
		return e.reason
	}
	var b strings.Builder
	b.WriteString("at $")
	for i := len(e.path) - 1; i >= 0; i-- {
		b.WriteString(e.path[i])
	}
	return b.String() + " " + e.reason
}

func (e *jsonErr) at(seg string) *jsonErr {
	e.path = append(e.path, seg)
	return e
}

func syntaxErr(err error) *jsonErr {
	if errors.Is(err, io.EOF) {
		return &jsonErr{reason: "is truncated"}
	}
	return &jsonErr{reason: "is not valid JSON (" + err.Error() + ")"}
}

func parseJSONValue(dec *json.Decoder, depth int) (bsoncore.Value, *jsonErr) {
	tok, err := dec.Token()
	if err != nil {
		return bsoncore.Value{}, syntaxErr(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxJSONDepth {
			return bsoncore.Value{}, &jsonErr{reason: fmt.Sprintf("nests deeper than %d levels, the MongoDB limit", maxJSONDepth)}
		}
		if t == '{' {
			return parseJSONObject(dec, depth+1)
		}
		return parseJSONArray(dec, depth+1)
	case string:
		return stringValue(t), nil
	case json.Number:
		out, reason := jsonNumber(string(t))
		if reason != "" {
			return bsoncore.Value{}, &jsonErr{reason: reason}
		}
		return out, nil
	case bool:
		return boolValue(t), nil
	case nil:
		return nullValue(), nil
	}
	return bsoncore.Value{}, &jsonErr{reason: fmt.Sprintf("has an unexpected token %v", tok)}
}

func parseJSONObject(dec *json.Decoder, depth int) (bsoncore.Value, *jsonErr) {
	var (
		keys   []string
		values []bsoncore.Value
		index  map[string]int
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bsoncore.Value{}, syntaxErr(err)
		}
		key, ok := tok.(string)
		if !ok {
			return bsoncore.Value{}, &jsonErr{reason: "has an object key that is not a string"}
		}
		if strings.IndexByte(key, 0) >= 0 {
			return bsoncore.Value{}, &jsonErr{reason: "has an object key containing a NUL character, which a BSON field name cannot hold"}
		}
		val, perr := parseJSONValue(dec, depth)
		if perr != nil {
			return bsoncore.Value{}, perr.at("." + strconv.Quote(key))
		}
		if index == nil {
			index = make(map[string]int)
		}
		if i, dup := index[key]; dup {
			values[i] = val
			continue
		}
		index[key] = len(keys)
		keys = append(keys, key)
		values = append(values, val)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return bsoncore.Value{}, syntaxErr(err)
	}
	idx, doc := bsoncore.AppendDocumentStart(nil)
	for i, k := range keys {
		doc = bsoncore.AppendValueElement(doc, k, values[i])
	}
	doc, err := bsoncore.AppendDocumentEnd(doc, idx)
	if err != nil {
		return bsoncore.Value{}, &jsonErr{reason: "could not be encoded: " + err.Error()}
	}
	return bsoncore.Value{Type: bsontype.EmbeddedDocument, Data: doc}, nil
}

func parseJSONArray(dec *json.Decoder, depth int) (bsoncore.Value, *jsonErr) {
	var values []bsoncore.Value
	for dec.More() {
		val, perr := parseJSONValue(dec, depth)
		if perr != nil {
			return bsoncore.Value{}, perr.at("[" + strconv.Itoa(len(values)) + "]")
		}
		values = append(values, val)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return bsoncore.Value{}, syntaxErr(err)
	}
	return bsoncore.Value{Type: bsontype.Array, Data: bsoncore.BuildArray(nil, values...)}, nil
}

// isJSONInteger reports whether a JSON number is written without fraction or exponent.
func isJSONInteger(s string) bool {
	return !strings.ContainsAny(s, ".eE")
}

// jsonNumber applies the JSON number rule (see convertJSON) to the number's
// source text; a non-empty reason means it cannot be converted exactly.
func jsonNumber(s string) (bsoncore.Value, string) {
	if isJSONInteger(s) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i >= math.MinInt32 && i <= math.MaxInt32 {
				return int32Value(int32(i)), ""
			}
			return int64Value(i), ""
		}
	}
	d, ok := parseDecimalText(s)
	if !ok {
		return bsoncore.Value{}, "has a malformed number " + abbrev(s)
	}
	if !isJSONInteger(s) {
		if f, ok := d.exactDouble(); ok {
			return doubleValue(f), ""
		}
	}
	dec, why := d.decimal128()
	if why != "" {
		return bsoncore.Value{}, "has the number " + abbrev(s) + " with " + why
	}
	return decimalValue(dec), ""
}

// loneSurrogate returns the offset of a \uD800-\uDFFF escape inside a JSON
// string that is not part of a high+low pair, or -1.
func loneSurrogate(s string) int {
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(s) {
				return -1 // truncated; the decoder reports it
			}
			if s[i+1] != 'u' {
				i++
				continue
			}
			r, ok := hex4(s, i+2)
			if !ok {
				return -1 // malformed; the decoder reports it
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return i
			case r >= 0xD800 && r <= 0xDBFF:
				if i+12 > len(s) || s[i+6] != '\\' || s[i+7] != 'u' {
					return i
				}
				lo, ok := hex4(s, i+8)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return i
				}
				i += 11
			default:
				i += 5
			}
		}
	}
	return -1
}

func hex4(s string, at int) (rune, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[at : at+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
