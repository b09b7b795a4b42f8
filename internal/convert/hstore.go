package convert

import (
	"sort"
	"strings"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// hstorePairs returns the pairs in source order. A map has no order, so its
// pairs are sorted the way PostgreSQL stores hstore keys (by length, then
// bytes), which is also the order it prints them in.
func hstorePairs(col Column, v any) ([]KeyValue, error) {
	switch x := v.(type) {
	case []KeyValue:
		return x, nil
	case map[string]*string:
		pairs := make([]KeyValue, 0, len(x))
		for k, val := range x {
			pairs = append(pairs, KeyValue{Key: k, Value: val})
		}
		sort.Slice(pairs, func(i, j int) bool {
			a, b := pairs[i].Key, pairs[j].Key
			if len(a) != len(b) {
				return len(a) < len(b)
			}
			return a < b
		})
		return pairs, nil
	}
	return nil, goTypeErr(col, v)
}

// convertHstore makes a Document of strings; a NULL value becomes null. A key
// given twice keeps its first position and last value (as for JSON).
func convertHstore(col Column, v any) (bsoncore.Value, error) {
	pairs, err := hstorePairs(col, v)
	if err != nil {
		return bsoncore.Value{}, err
	}
	index := make(map[string]int, len(pairs))
	keys := make([]string, 0, len(pairs))
	values := make([]*string, 0, len(pairs))
	size := 0
	for _, p := range pairs {
		if !utf8.ValidString(p.Key) || (p.Value != nil && !utf8.ValidString(*p.Value)) {
			return bsoncore.Value{}, recordErr(col, "hstore key %s or its value is not valid UTF-8; fix the data or override the field type to STRING", abbrev(p.Key))
		}
		if strings.IndexByte(p.Key, 0) >= 0 {
			return bsoncore.Value{}, recordErr(col, "hstore key %s contains a NUL character, which a BSON field name cannot hold; override the field type to STRING", abbrev(p.Key))
		}
		size += len(p.Key)
		if p.Value != nil {
			size += len(*p.Value)
		}
		if i, dup := index[p.Key]; dup {
			values[i] = p.Value
			continue
		}
		index[p.Key] = len(keys)
		keys = append(keys, p.Key)
		values = append(values, p.Value)
	}
	if size > maxValueBytes {
		return bsoncore.Value{}, tooLarge(col, size)
	}
	idx, doc := bsoncore.AppendDocumentStart(nil)
	for i, k := range keys {
		if values[i] == nil {
			doc = bsoncore.AppendNullElement(doc, k)
		} else {
			doc = bsoncore.AppendStringElement(doc, k, *values[i])
		}
	}
	doc, err = bsoncore.AppendDocumentEnd(doc, idx)
	if err != nil {
		return bsoncore.Value{}, recordErr(col, "hstore could not be encoded (%v); override the field type to STRING", err)
	}
	return bsoncore.Value{Type: bsontype.EmbeddedDocument, Data: doc}, nil
}

// hstoreText prints pairs in PostgreSQL's hstore output form:
// "k"=>"v", "k2"=>NULL with '"' and '\' escaped by a backslash.
func hstoreText(pairs []KeyValue) string {
	var b strings.Builder
	quote := func(s string) {
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		b.WriteByte('"')
	}
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		quote(p.Key)
		b.WriteString("=>")
		if p.Value == nil {
			b.WriteString("NULL")
		} else {
			quote(*p.Value)
		}
	}
	return b.String()
}
