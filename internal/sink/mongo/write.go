package mongosink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// Batch bounds of one insert command. The driver splits too, but bounding here keeps memory and
// error handling proportional to one batch, whatever the caller passes.
const (
	maxBatchDocs  = 1000
	maxBatchBytes = 16 * 1024 * 1024
)

// Bounds of one rewrite of existing documents. Rewrites are grouped across batches because on
// FerretDB a deleteMany scans the whole collection whatever the number of ids (measured: 0.75 s
// for 1 id, 1.5 s for 1,000 ids, 3.2 s for 4,000 ids in a 20,000-document collection), so fewer,
// larger deletes are much cheaper. The byte bound keeps the $in list well below 16 MiB.
const (
	maxRewriteDocs    = 10000
	maxRewriteIDBytes = 8 * 1024 * 1024
)

// rewriteTimeout bounds the delete+insert pair that runs detached from the caller's context: long
// enough for a full rewrite group on a large FerretDB collection, short enough that a dead server cannot hold a worker.
const rewriteTimeout = 5 * time.Minute

// Duplicate-key error codes, as mongo.IsDuplicateKeyError knows them (minus the mongos variant
// 16460, which is only recognisable by its message text).
var duplicateKeyCodes = []int{11000, 11001, 12582}

// Rejected is one document the target refused for a reason that belongs to that document (a record
// error): a duplicate key on a unique index other than _id, a document too large, a field name or
// value the target cannot store. The rest of the write is not affected.
type Rejected struct {
	// Index is the position of the document in the slice passed to Write.
	Index int
	// ID is the document's _id (zero when the document has none); it aliases the caller's bytes.
	ID bson.RawValue
	// Code is the server's error code, or one of this package's Code* constants.
	Code int
	// Message says what was wrong, for the job's record errors.
	Message string
}

// WriteResult counts what Write did. Inserted + Replaced + len(Rejected) equals the number of
// documents passed when Write returns no error.
type WriteResult struct {
	// Inserted counts documents whose _id was new.
	Inserted int
	// Replaced counts documents that replaced an existing document with the same _id.
	Replaced int
	// Rejected lists the refused documents in input order.
	Rejected []Rejected
}

// item is one document on its way through Write.
type item struct {
	index int // in the caller's slice
	doc   bson.Raw
	id    bson.RawValue
}

// Write writes complete documents idempotently: a document whose _id is new is inserted, one whose
// _id exists replaces the stored document as a whole. Calling Write again with the same documents
// leaves the collection as one call does, which is what makes retrying a chunk safe.
//
// Documents go out as unordered insertMany batches (at most 1,000 documents and 16 MiB each).
// Those that fail with a duplicate key on _id are then rewritten, grouped across batches: on
// MongoDB with unordered bulks of upserting replaceOne; on FerretDB, where an upsert can cost about
// 0.6 s per document, by deleting those _ids and inserting the documents again, a pair that a
// cancellation of ctx cannot split.
// A duplicate on another unique index, and any other per-document write error, becomes a Rejected
// entry. Network, timeout and server errors are returned (see IsTransient); the counts of the
// returned result are then partial and the caller should retry the whole call.
//
// Callers should not pass two documents with the same _id: the one that is written last wins.
func (t *Target) Write(ctx context.Context, collection string, docs []bson.Raw) (WriteResult, error) {
	var res WriteResult
	if err := validateCollectionName(collection); err != nil {
		return res, fmt.Errorf("writing documents: %w", err)
	}
	coll := t.db.Collection(collection)

	batch := make([]item, 0, min(len(docs), maxBatchDocs))
	batchBytes := 0
	var existing []item // documents whose _id (probably) exists, rewritten at the end
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ex, err := t.insertBatch(ctx, coll, batch, &res)
		existing = append(existing, ex...)
		batch, batchBytes = batch[:0], 0
		return err
	}
	for i, doc := range docs {
		if rej := t.precheck(i, doc); rej != nil {
			res.Rejected = append(res.Rejected, *rej)
			continue
		}
		if len(batch) == maxBatchDocs || (len(batch) > 0 && batchBytes+len(doc) > maxBatchBytes) {
			if err := flush(); err != nil {
				return res, fmt.Errorf("writing into %s.%s: %w", t.db.Name(), collection, err)
			}
		}
		batch = append(batch, item{index: i, doc: doc, id: doc.Lookup("_id")})
		batchBytes += len(doc)
	}
	if err := flush(); err != nil {
		return res, fmt.Errorf("writing into %s.%s: %w", t.db.Name(), collection, err)
	}
	if err := t.rewrite(ctx, coll, existing, &res); err != nil {
		return res, fmt.Errorf("writing into %s.%s: %w", t.db.Name(), collection, err)
	}
	slices.SortFunc(res.Rejected, func(a, b Rejected) int { return a.Index - b.Index })
	return res, nil
}

// insertBatch inserts one batch, records inserts and rejections in res, and returns the documents
// that failed with a duplicate key that may be on _id.
func (t *Target) insertBatch(ctx context.Context, coll *mongo.Collection, batch []item, res *WriteResult) ([]item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	failed, err := insertItems(ctx, coll, batch)
	if err != nil {
		return nil, fmt.Errorf("inserting %d documents: %w", len(batch), err)
	}
	res.Inserted += len(batch) - len(failed)
	var existing []item
	for _, f := range failed {
		it := batch[f.pos]
		switch f.kind {
		case failDuplicateID, failDuplicateUnknown:
			// An unknown key pattern (FerretDB, MongoDB before 4.2) may still be a duplicate on
			// another unique index. Rewriting is safe either way: the rewrite of such a document
			// fails again, on that index, and is rejected then.
			existing = append(existing, it)
		default:
			res.Rejected = append(res.Rejected, f.rejected(it))
		}
	}
	return existing, nil
}

// rewrite replaces the documents whose _id exists, in groups, and records the outcome in res.
func (t *Target) rewrite(ctx context.Context, coll *mongo.Collection, existing []item, res *WriteResult) error {
	rewrite, superseded := lastPerID(existing)
	res.Replaced += superseded
	for len(rewrite) > 0 {
		n, idBytes := 0, 0
		for n < len(rewrite) && n < maxRewriteDocs && (n == 0 || idBytes+len(rewrite[n].id.Value) <= maxRewriteIDBytes) {
			idBytes += len(rewrite[n].id.Value)
			n++
		}
		group := rewrite[:n]
		rewrite = rewrite[n:]
		if err := ctx.Err(); err != nil {
			return err
		}
		var failed []writeFailure
		var err error
		if t.caps.FastUpsert {
			failed, err = upsertItems(ctx, coll, group)
		} else {
			failed, err = t.deleteAndInsert(ctx, coll, group)
		}
		if err != nil {
			return fmt.Errorf("rewriting %d documents whose _id already exists: %w", len(group), err)
		}
		res.Replaced += len(group) - len(failed)
		for _, f := range failed {
			if f.kind == failDuplicateID || f.kind == failDuplicateUnknown {
				// The _id was just replaced or deleted, so the duplicate is on another unique index.
				f.kind = failDuplicateOther
			}
			res.Rejected = append(res.Rejected, f.rejected(group[f.pos]))
		}
	}
	return nil
}

// lastPerID keeps, of items sharing an _id, only the last one (the write that would win anyway),
// so that one rewrite cannot collide with itself. It returns how many were dropped.
func lastPerID(items []item) (kept []item, dropped int) {
	last := make(map[string]int, len(items))
	for i, it := range items {
		last[rawKey(it.id)] = i
	}
	if len(last) == len(items) {
		return items, 0
	}
	kept = make([]item, 0, len(last))
	for i, it := range items {
		if last[rawKey(it.id)] == i {
			kept = append(kept, it)
		}
	}
	return kept, len(items) - len(kept)
}

// rawKey identifies a BSON value exactly (type and bytes), for in-memory grouping.
func rawKey(v bson.RawValue) string {
	return string([]byte{byte(v.Type)}) + string(v.Value)
}

// upsertItems replaces items by _id with one unordered bulk write of upserting replaceOne.
func upsertItems(ctx context.Context, coll *mongo.Collection, items []item) ([]writeFailure, error) {
	models := make([]mongo.WriteModel, len(items))
	for i, it := range items {
		models[i] = mongo.NewReplaceOneModel().
			// $eq so that the _id value is always compared, never interpreted as an operator.
			SetFilter(bson.D{{Key: "_id", Value: bson.D{{Key: "$eq", Value: it.id}}}}).
			SetReplacement(idFirst(it.doc)).
			SetUpsert(true)
	}
	_, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	return classifyWriteErrors(err, len(items))
}

// deleteAndInsert rewrites items on a target without fast upserts: delete their _ids, insert them.
//
// The pair runs detached from ctx (with its own time bound): a cancellation between the two steps
// would leave the documents deleted, and a cancelled job may never retry to put them back. Once
// started, the pair finishes or fails on its own; an error in the middle is returned as usual and
// the caller's retry, which inserts documents whose _ids no longer exist, restores them.
//
// Unlike an upsert, this path loses the old version of a document whose new version is refused on
// insert (a duplicate on another unique index): the document is reported as Rejected either way,
// and the target then holds neither a stale nor a current copy of that row.
func (t *Target) deleteAndInsert(ctx context.Context, coll *mongo.Collection, items []item) ([]writeFailure, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pairCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rewriteTimeout)
	defer cancel()
	ids := make(bson.A, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	if _, err := coll.DeleteMany(pairCtx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return nil, fmt.Errorf("deleting the existing documents: %w", err)
	}
	if t.afterDeleteHook != nil {
		t.afterDeleteHook()
	}
	failed, err := insertItems(pairCtx, coll, items)
	if err != nil {
		return nil, fmt.Errorf("inserting the documents again after deleting them (a retry restores them): %w", err)
	}
	return failed, nil
}

// insertItems runs one unordered insertMany and returns the per-document failures.
func insertItems(ctx context.Context, coll *mongo.Collection, items []item) ([]writeFailure, error) {
	docs := make([]any, len(items))
	for i, it := range items {
		docs[i] = it.doc
	}
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return classifyWriteErrors(err, len(items))
}

// failKind classifies one per-document write error.
type failKind int

const (
	failOther            failKind = iota // any non-duplicate write error
	failDuplicateID                      // duplicate key, key pattern {_id: 1}
	failDuplicateOther                   // duplicate key on another unique index
	failDuplicateUnknown                 // duplicate key, the server did not say which index
)

// writeFailure is one per-document write error; pos indexes the items of the failed command.
type writeFailure struct {
	pos     int
	kind    failKind
	code    int
	message string
}

// rejected turns a failure of it into a record error.
func (f writeFailure) rejected(it item) Rejected {
	msg := f.message
	if f.kind == failDuplicateOther || f.kind == failDuplicateUnknown {
		msg = "the document duplicates another document's value on a unique index other than _id; fix the source data or drop that index (" + msg + ")"
	}
	return Rejected{Index: it.index, ID: it.id, Code: f.code, Message: msg}
}

// classifyWriteErrors separates per-document write errors (returned as failures) from everything
// else (returned as the error). A write concern error fails the whole call: the writes may not be
// durable, and a retry is idempotent.
func classifyWriteErrors(err error, n int) ([]writeFailure, error) {
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, err
	}
	seen := make(map[int]bool, len(bwe.WriteErrors))
	failures := make([]writeFailure, 0, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= n {
			return nil, fmt.Errorf("the server reported a write error for document %d of a batch of %d: %w", we.Index, n, err)
		}
		if seen[we.Index] {
			continue
		}
		seen[we.Index] = true
		failures = append(failures, writeFailure{pos: we.Index, kind: kindOf(we.WriteError), code: we.Code, message: we.Message})
	}
	return failures, nil
}

// kindOf reads the write error's typed fields: MongoDB 4.2+ names the violated index in keyPattern;
// FerretDB 1.x and older servers do not, which leaves the duplicate's index unknown.
func kindOf(we mongo.WriteError) failKind {
	if !slices.Contains(duplicateKeyCodes, we.Code) {
		return failOther
	}
	kp, ok := we.Raw.Lookup("keyPattern").DocumentOK()
	if !ok {
		return failDuplicateUnknown
	}
	elems, err := kp.Elements()
	if err != nil || len(elems) == 0 {
		return failDuplicateUnknown
	}
	if len(elems) == 1 && elems[0].Key() == "_id" {
		return failDuplicateID
	}
	return failDuplicateOther
}

// idFirst returns doc with _id as its first field. MongoDB stores _id first anyway, so nothing
// changes on the server; it keeps the driver from refusing a replacement whose first key starts
// with '$' (it checks only the first key).
func idFirst(doc bson.Raw) bson.Raw {
	first, err := doc.IndexErr(0)
	if err != nil || first.Key() == "_id" {
		return doc
	}
	idx, out := bsoncore.AppendDocumentStart(make([]byte, 0, len(doc)))
	id := doc.Lookup("_id")
	out = bsoncore.AppendValueElement(out, "_id", bsoncore.Value{Type: id.Type, Data: id.Value})
	elems, _ := doc.Elements() // doc was validated by precheck
	for _, e := range elems {
		if e.Key() != "_id" {
			out = append(out, e...)
		}
	}
	out, err = bsoncore.AppendDocumentEnd(out, idx)
	if err != nil {
		return doc
	}
	return out
}
