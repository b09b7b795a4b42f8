package verify

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
)

// Batch bounds: one find per batch, well under MongoDB's 16 MiB reply and the memory a worker
// should spend on one collection (expected and stored copies are both held).
const (
	MaxBatchDocs  = 500
	MaxBatchBytes = 8 << 20
)

// MaxListed is how many differing documents of one collection are listed one by one; the rest are
// only counted (a collection where everything differs must not flood the job's events).
const MaxListed = 100

// Find returns the stored documents with the given _ids keyed by Key of their _id (missing ones
// are absent). It is mongosink.Target.FindByIDs in production.
type Find func(ctx context.Context, ids []bson.RawValue) (map[string]bson.Raw, error)

// Key renders an _id as the key Find uses (mongosink.IDKey in production).
type Key func(id bson.RawValue) (string, error)

// Mismatch is one document that is not as expected.
type Mismatch struct {
	// ID is the _id as Key renders it (canonical Extended JSON), for the job event.
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Tally is what a comparison found so far. It is carried in heartbeats, so it stays small:
// Listed holds at most MaxListed mismatches.
type Tally struct {
	Compared   int64      `json:"compared"`
	Mismatched int64      `json:"mismatched"`
	Listed     []Mismatch `json:"listed,omitempty"`
}

func (t *Tally) add(m Mismatch) {
	t.Mismatched++
	if len(t.Listed) < MaxListed {
		t.Listed = append(t.Listed, m)
	}
}

// Checker compares expected documents with the stored ones in batches: Add queues a document,
// a full batch is fetched by _id with one Find and compared; Flush compares what is left.
type Checker struct {
	Find Find
	Key  Key
	// BeforeFind, when set, runs before each batch is fetched with the batch's _ids (a test hook
	// alters stored documents there).
	BeforeFind func(ctx context.Context, ids []bson.RawValue) error
	Tally      Tally

	pending []bson.Raw
	bytes   int
}

// Add queues one expected document; it compares the batch when it is full.
func (c *Checker) Add(ctx context.Context, doc bson.Raw) error {
	c.pending = append(c.pending, doc)
	c.bytes += len(doc)
	if len(c.pending) >= MaxBatchDocs || c.bytes >= MaxBatchBytes {
		return c.Flush(ctx)
	}
	return nil
}

// Flush compares the queued documents with the stored ones.
func (c *Checker) Flush(ctx context.Context) error {
	if len(c.pending) == 0 {
		return nil
	}
	ids := make([]bson.RawValue, len(c.pending))
	keys := make([]string, len(c.pending))
	for i, d := range c.pending {
		id, err := d.LookupErr("_id")
		if err != nil {
			return fmt.Errorf("an assembled document has no _id: %w", err)
		}
		k, err := c.Key(id)
		if err != nil {
			return err
		}
		ids[i], keys[i] = id, k
	}
	if c.BeforeFind != nil {
		if err := c.BeforeFind(ctx, ids); err != nil {
			return err
		}
	}
	stored, err := c.Find(ctx, ids)
	if err != nil {
		return err
	}
	for i, d := range c.pending {
		c.Tally.Compared++
		s, ok := stored[keys[i]]
		if !ok {
			c.Tally.add(Mismatch{ID: keys[i], Reason: "the document is missing from the target"})
			continue
		}
		diff, err := Diff(d, s)
		if err != nil {
			return fmt.Errorf("comparing the document with _id %s: %w", keys[i], err)
		}
		if diff != "" {
			c.Tally.add(Mismatch{ID: keys[i], Reason: diff})
		}
	}
	c.pending, c.bytes = c.pending[:0], 0
	return nil
}
