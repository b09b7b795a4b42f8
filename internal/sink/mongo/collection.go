package mongosink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// maxIDsPerFind bounds the $in list of one find, keeping each command well under the 16 MiB limit
// even for composite _ids.
const maxIDsPerFind = 1000

// Drop drops collection; dropping a collection that does not exist is not an error.
func (t *Target) Drop(ctx context.Context, collection string) error {
	if err := validateCollectionName(collection); err != nil {
		return fmt.Errorf("dropping a collection: %w", err)
	}
	if err := t.db.Collection(collection).Drop(ctx); err != nil {
		return fmt.Errorf("dropping %s.%s: %w", t.db.Name(), collection, err)
	}
	return nil
}

// Count returns the exact number of documents in collection (0 when it does not exist).
func (t *Target) Count(ctx context.Context, collection string) (int64, error) {
	if err := validateCollectionName(collection); err != nil {
		return 0, fmt.Errorf("counting documents: %w", err)
	}
	// countDocuments, not the estimated count: verification compares exact numbers.
	n, err := t.db.Collection(collection).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("counting documents in %s.%s: %w", t.db.Name(), collection, err)
	}
	return n, nil
}

// RenameReplacing renames collection from to to, replacing to if it exists. It is how a staging
// collection (used for tables without a primary key) takes the place of the target at the end.
//
// MongoDB does it in one renameCollection with dropTarget. FerretDB refuses dropTarget, so there
// the source's existence is checked first (a missing source must not cost the target its data),
// then to is dropped and from renamed, detached from ctx's cancellation so that a cancelled job
// cannot stop between the two and leave no collection under the name to.
func (t *Target) RenameReplacing(ctx context.Context, from, to string) error {
	for _, name := range []string{from, to} {
		if err := validateCollectionName(name); err != nil {
			return fmt.Errorf("renaming a collection: %w", err)
		}
	}
	if from == to {
		return fmt.Errorf("renaming collection %q: the source and the target are the same collection", from)
	}
	db := t.db.Name()
	admin := t.client.Database("admin")
	cmd := bson.D{{Key: "renameCollection", Value: db + "." + from}, {Key: "to", Value: db + "." + to}}
	if t.caps.RenameDropTarget {
		cmd = append(cmd, bson.E{Key: "dropTarget", Value: true})
		if err := admin.RunCommand(ctx, cmd).Err(); err != nil {
			return fmt.Errorf("renaming %s.%s to %s: %w", db, from, to, err)
		}
		return nil
	}

	names, err := t.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: from}})
	if err != nil {
		return fmt.Errorf("renaming %s.%s to %s: checking that the source exists: %w", db, from, to, err)
	}
	if len(names) == 0 {
		return fmt.Errorf("renaming %s.%s to %s: the source collection does not exist", db, from, to)
	}
	pairCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rewriteTimeout)
	defer cancel()
	if err := t.db.Collection(to).Drop(pairCtx); err != nil {
		return fmt.Errorf("renaming %s.%s to %s: dropping the old %s: %w", db, from, to, to, err)
	}
	if err := admin.RunCommand(pairCtx, cmd).Err(); err != nil {
		return fmt.Errorf("renaming %s.%s to %s after dropping the old %s (a retry renames it): %w", db, from, to, to, err)
	}
	return nil
}

// FindByIDs returns the stored documents with the given _ids, for verification, keyed by IDKey of
// their _id. Ids that are not found are simply absent from the map.
func (t *Target) FindByIDs(ctx context.Context, collection string, ids []bson.RawValue) (map[string]bson.Raw, error) {
	if err := validateCollectionName(collection); err != nil {
		return nil, fmt.Errorf("reading documents by _id: %w", err)
	}
	out := make(map[string]bson.Raw, len(ids))
	coll := t.db.Collection(collection)
	for start := 0; start < len(ids); start += maxIDsPerFind {
		part := ids[start:min(start+maxIDsPerFind, len(ids))]
		in := make(bson.A, len(part))
		for i, id := range part {
			in[i] = id
		}
		if err := t.findInto(ctx, coll, in, out); err != nil {
			return nil, fmt.Errorf("reading %d documents by _id from %s.%s: %w", len(part), t.db.Name(), collection, err)
		}
	}
	return out, nil
}

// findInto runs one find {_id: {$in: ids}} and adds the results to out.
func (t *Target) findInto(ctx context.Context, coll *mongo.Collection, ids bson.A, out map[string]bson.Raw) (err error) {
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := cur.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for cur.Next(ctx) {
		// cur.Current is reused by the next batch: keep a copy.
		doc := bson.Raw(append([]byte(nil), cur.Current...))
		key, err := IDKey(doc.Lookup("_id"))
		if err != nil {
			return err
		}
		out[key] = doc
	}
	return cur.Err()
}

// IDKey returns the canonical Extended JSON of an _id value, e.g. {"$numberInt":"42"} or
// {"a":{"$numberInt":"1"},"b":"x"} for a composite _id. FindByIDs keys its map with it; callers
// use it to look their own ids up. Equal BSON values (same type, same bytes, same field order)
// give equal keys.
func IDKey(id bson.RawValue) (string, error) {
	if id.Type == 0 {
		return "", errors.New("computing the key of an _id: the value is empty")
	}
	b, err := bson.MarshalExtJSON(bson.D{{Key: "k", Value: id}}, true, false)
	if err != nil {
		return "", fmt.Errorf("computing the key of an _id of type %s: %w", id.Type, err)
	}
	s := string(b)
	const prefix, suffix = `{"k":`, `}`
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		return "", fmt.Errorf("computing the key of an _id: unexpected Extended JSON %q", s)
	}
	return s[len(prefix) : len(s)-len(suffix)], nil
}

// MarkDocuments sets field to true in the documents of collection with the given _ids. Only the
// test hook AlterBeforeVerify uses it: it alters stored documents so that a test can check that
// verification finds exactly those.
func (t *Target) MarkDocuments(ctx context.Context, collection string, ids []bson.RawValue, field string) error {
	if err := validateCollectionName(collection); err != nil {
		return fmt.Errorf("marking documents: %w", err)
	}
	in := make(bson.A, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	_, err := t.db.Collection(collection).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: true}}}})
	if err != nil {
		return fmt.Errorf("marking %d documents of %s.%s: %w", len(ids), t.db.Name(), collection, err)
	}
	return nil
}
