// Package verify decides whether the documents stored in MongoDB are the documents a job's mapping
// produces from the source rows (API.md, verification). It is pure: documents arrive assembled
// (by the same code path the copy uses) and the stored ones through a Find function, so every rule
// is unit-tested here without a database.
//
// Equality is byte equality of the BSON documents after one canonicalisation: _id is moved first
// at the top level (MongoDB always stores it first). Field order otherwise matters: relmongo's
// writer decides the order, MongoDB keeps it, so a reordered field is a changed document. Types
// matter too: an int32 that became an int64 is a difference, as is 1.0 for 1.
package verify

import (
	"bytes"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Canonical returns doc with _id as its first top-level field (doc itself when it already is).
func Canonical(doc bson.Raw) (bson.Raw, error) {
	elems, err := doc.Elements()
	if err != nil {
		return nil, fmt.Errorf("reading a document: %w", err)
	}
	if len(elems) == 0 || elems[0].Key() == "_id" {
		return doc, nil
	}
	idx, out := bsoncore.AppendDocumentStart(make([]byte, 0, len(doc)))
	found := false
	for _, e := range elems {
		if e.Key() == "_id" {
			out = append(out, e...)
			found = true
		}
	}
	if !found {
		return doc, nil
	}
	for _, e := range elems {
		if e.Key() != "_id" {
			out = append(out, e...)
		}
	}
	out, err = bsoncore.AppendDocumentEnd(out, idx)
	if err != nil {
		return nil, err
	}
	return bson.Raw(out), nil
}

// Diff returns "" when stored equals expected (see the package comment for what equal means),
// and otherwise the first difference in words, naming its field path, e.g.
// `field "total": stored int64 5, expected int32 5`.
func Diff(expected, stored bson.Raw) (string, error) {
	e, err := Canonical(expected)
	if err != nil {
		return "", fmt.Errorf("expected document: %w", err)
	}
	s, err := Canonical(stored)
	if err != nil {
		return "", fmt.Errorf("stored document: %w", err)
	}
	if bytes.Equal(e, s) {
		return "", nil
	}
	if d := diffDoc(bsoncore.Document(e), bsoncore.Document(s), ""); d != "" {
		return d, nil
	}
	return "the documents differ in their encoding", nil
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// diffDoc walks two documents (or arrays) in parallel and describes the first difference.
func diffDoc(expected, stored bsoncore.Document, prefix string) string {
	ee, _ := expected.Elements()
	se, _ := stored.Elements()
	for i := 0; i < max(len(ee), len(se)); i++ {
		switch {
		case i >= len(se):
			return fmt.Sprintf("field %q is missing from the stored document", join(prefix, ee[i].Key()))
		case i >= len(ee):
			return fmt.Sprintf("the stored document has an extra field %q", join(prefix, se[i].Key()))
		}
		ek, sk := ee[i].Key(), se[i].Key()
		if ek != sk {
			if _, err := stored.LookupErr(ek); err != nil {
				return fmt.Sprintf("field %q is missing from the stored document", join(prefix, ek))
			}
			if _, err := expected.LookupErr(sk); err != nil {
				return fmt.Sprintf("the stored document has an extra field %q", join(prefix, sk))
			}
			return fmt.Sprintf("field %q is stored where %q is expected (fields are in another order)", join(prefix, sk), join(prefix, ek))
		}
		if d := diffValue(ee[i].Value(), se[i].Value(), join(prefix, ek)); d != "" {
			return d
		}
	}
	return ""
}

func diffValue(e, s bsoncore.Value, path string) string {
	if e.Type != s.Type {
		return fmt.Sprintf("field %q: stored %s %s, expected %s %s", path, s.Type, short(s), e.Type, short(e))
	}
	if bytes.Equal(e.Data, s.Data) {
		return ""
	}
	if e.Type == bsontype.EmbeddedDocument || e.Type == bsontype.Array {
		if d := diffDoc(bsoncore.Document(e.Data), bsoncore.Document(s.Data), path); d != "" {
			return d
		}
	}
	return fmt.Sprintf("field %q: stored %s, expected %s", path, short(s), short(e))
}

// short renders a value for a message, cut so that a large array or text cannot flood the event.
func short(v bsoncore.Value) string {
	const limit = 80
	s := v.String()
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}
