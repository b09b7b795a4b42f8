package mongosink

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// doc builds a document from alternating keys and values, failing the test on bad input.
func doc(t testing.TB, kv ...any) bson.Raw {
	t.Helper()
	if len(kv)%2 != 0 {
		t.Fatalf("doc: odd number of arguments %v", kv)
	}
	d := make(bson.D, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		d = append(d, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return mustRaw(t, d)
}

// seq returns documents {_id: from..to, v: v, pad: "..."}.
func seq(t testing.TB, from, to int, v any) []bson.Raw {
	t.Helper()
	out := make([]bson.Raw, 0, to-from+1)
	for i := from; i <= to; i++ {
		out = append(out, doc(t, "_id", int32(i), "v", v, "name", fmt.Sprintf("row %d", i)))
	}
	return out
}

// concat joins document lists.
func concat(parts ...[]bson.Raw) []bson.Raw { return slices.Concat(parts...) }

// uniqueEmail is the unique secondary index of the cases that need one.
var uniqueEmail = mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true).SetName("email_1")}

// writeCase is one scenario of TestWrite.
type writeCase struct {
	name string
	// skipForcedUpsert, when set, says why the case does not run on FerretDB with the upsert
	// path forced: FerretDB takes about 0.6 s per upsert, and its update command stops at the
	// first failing statement and reports it at index 0 (unlike MongoDB), so per-document
	// rejections on that path can only be checked against MongoDB (and by TestClassifyWriteErrors).
	skipForcedUpsert   string
	index              *mongo.IndexModel
	before             []bson.Raw // written first, must all be inserted
	docs               []bson.Raw // the Write under test
	inserted, replaced int
	// rejected maps the index of each rejected document to its expected code.
	rejected map[int]int
	// goneOnDeletePath lists indexes of docs whose _id existed but whose rewrite was rejected:
	// the delete+insert path (FerretDB) has deleted the old document, the upsert path keeps it.
	goneOnDeletePath []int
}

func writeCases(t *testing.T) []writeCase {
	changed := func(docs []bson.Raw, ids ...int32) []bson.Raw {
		out := slices.Clone(docs)
		for i, d := range out {
			if slices.Contains(ids, d.Lookup("_id").Int32()) {
				out[i] = doc(t, "_id", d.Lookup("_id").Int32(), "v", "changed", "extra", bson.D{{Key: "k", Value: true}})
			}
		}
		return out
	}
	idA := bson.D{{Key: "tenant", Value: int32(1)}, {Key: "no", Value: "A-1"}}
	idB := bson.D{{Key: "tenant", Value: int32(2)}, {Key: "no", Value: "A-1"}}
	idC := bson.D{{Key: "tenant", Value: int32(1)}, {Key: "no", Value: "B-7"}}
	return []writeCase{
		{name: "empty"},
		{name: "insert new", docs: seq(t, 1, 50, 0), inserted: 50},
		{name: "insert across batches", docs: seq(t, 1, 2500, 0), inserted: 2500},
		{name: "rewrite same docs some changed", before: seq(t, 1, 8, 0), docs: changed(seq(t, 1, 8, 0), 2, 5, 7), replaced: 8},
		{name: "rewrite across batches", skipForcedUpsert: "FerretDB upserts get slow as the collection grows (about 0.6 s each)", before: seq(t, 1, 1500, 0), docs: changed(seq(t, 1, 1500, 0), 1, 999, 1000, 1001, 1500), replaced: 1500},
		{name: "mix of new and existing", before: seq(t, 1, 5, 0), docs: changed(seq(t, 3, 10, 0), 3, 4, 9), inserted: 5, replaced: 3},
		{
			name:             "duplicate on another unique index is rejected",
			skipForcedUpsert: "FerretDB's update reports errors at the wrong index",
			index:            &uniqueEmail,
			before:           []bson.Raw{doc(t, "_id", int32(1), "email", "a"), doc(t, "_id", int32(2), "email", "b")},
			docs: []bson.Raw{
				doc(t, "_id", int32(1), "email", "a", "name", "new"), // rewrite, fine
				doc(t, "_id", int32(3), "email", "b"),                // clashes with 2 on email
				doc(t, "_id", int32(4), "email", "d"),
			},
			inserted: 1, replaced: 1, rejected: map[int]int{1: 11000},
		},
		{
			name:             "rewrite clashing on another unique index is rejected",
			skipForcedUpsert: "FerretDB's update fails the whole command (InternalError) on a unique index clash",
			index:            &uniqueEmail,
			before:           []bson.Raw{doc(t, "_id", int32(1), "email", "a"), doc(t, "_id", int32(2), "email", "b")},
			docs: []bson.Raw{
				doc(t, "_id", int32(1), "email", "b"), // existing _id, new email taken by 2
			},
			rejected: map[int]int{0: 11000}, goneOnDeletePath: []int{0},
		},
		{
			name:     "composite ids",
			before:   []bson.Raw{doc(t, "_id", idA, "v", 0), doc(t, "_id", idB, "v", 0)},
			docs:     []bson.Raw{doc(t, "_id", idA, "v", 1, "lines", bson.A{bson.D{{Key: "sku", Value: "x"}}}), doc(t, "_id", idC, "v", 1)},
			inserted: 1, replaced: 1,
		},
		{
			name:     "same _id twice in one call, last wins",
			docs:     []bson.Raw{doc(t, "_id", "k", "v", 1), doc(t, "_id", "k", "v", 2)},
			inserted: 1, replaced: 1,
		},
		{
			name:     "invalid documents are rejected, the rest written",
			docs:     []bson.Raw{doc(t, "_id", int32(1)), doc(t, "v", 1), bson.Raw{1, 2, 3}, doc(t, "_id", bson.A{1}), doc(t, "_id", int32(2))},
			inserted: 2, rejected: map[int]int{1: CodeInvalidDocument, 2: CodeInvalidDocument, 3: CodeInvalidDocument},
		},
		{
			name:     "document above the size limit",
			docs:     []bson.Raw{doc(t, "_id", int32(1), "blob", strings.Repeat("x", 17<<20)), doc(t, "_id", int32(2))},
			inserted: 1, rejected: map[int]int{0: CodeDocumentTooLarge},
		},
	}
}

func TestWrite(t *testing.T) {
	cases := writeCases(t)
	for _, kind := range testTargets(t) {
		t.Run(kind.name, func(t *testing.T) {
			tg := connectTest(t, kind)
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if tc.skipForcedUpsert != "" && kind.forceFastUpsert {
						t.Skip(tc.skipForcedUpsert)
					}
					runWriteCase(t, tg, fmt.Sprintf("c%d", i), tc)
				})
			}
		})
	}
}

func runWriteCase(t *testing.T, tg *Target, coll string, tc writeCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if tc.index != nil {
		if _, err := tg.db.Collection(coll).Indexes().CreateOne(ctx, *tc.index); err != nil {
			t.Fatalf("creating index: %v", err)
		}
	}
	if len(tc.before) > 0 {
		res, err := tg.Write(ctx, coll, tc.before)
		if err != nil || res.Inserted != len(tc.before) || len(res.Rejected) != 0 {
			t.Fatalf("writing the documents before: %+v, %v", res, err)
		}
	}

	res, err := tg.Write(ctx, coll, tc.docs)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if res.Inserted != tc.inserted || res.Replaced != tc.replaced {
		t.Errorf("Inserted, Replaced = %d, %d; want %d, %d", res.Inserted, res.Replaced, tc.inserted, tc.replaced)
	}
	if total := res.Inserted + res.Replaced + len(res.Rejected); total != len(tc.docs) {
		t.Errorf("Inserted+Replaced+Rejected = %d, want %d", total, len(tc.docs))
	}
	gotRejected := map[int]int{}
	for _, r := range res.Rejected {
		gotRejected[r.Index] = r.Code
		if r.Message == "" {
			t.Errorf("rejection %d has no message", r.Index)
		}
		if want := tc.docs[r.Index].Lookup("_id"); r.Code != CodeInvalidDocument && !r.ID.Equal(want) {
			t.Errorf("rejection %d carries _id %v, want %v", r.Index, r.ID, want)
		}
		t.Logf("rejected %d: code %d: %s", r.Index, r.Code, r.Message)
	}
	if len(gotRejected) != len(tc.rejected) || !mapsEqual(gotRejected, tc.rejected) {
		t.Errorf("rejected (index: code) = %v, want %v", gotRejected, tc.rejected)
	}
	if !slices.IsSortedFunc(res.Rejected, func(a, b Rejected) int { return a.Index - b.Index }) {
		t.Errorf("rejections are not in input order")
	}

	// The expected contents: the documents before, overwritten by every accepted document in order.
	want := map[string]bson.Raw{}
	var ids []bson.RawValue
	put := func(d bson.Raw) {
		id := d.Lookup("_id")
		key, err := IDKey(id)
		if err != nil {
			t.Fatalf("IDKey: %v", err)
		}
		if _, seen := want[key]; !seen {
			ids = append(ids, id)
		}
		want[key] = d
	}
	for _, d := range tc.before {
		put(d)
	}
	for i, d := range tc.docs {
		if _, rejected := tc.rejected[i]; !rejected {
			put(d)
		}
	}
	if !tg.caps.FastUpsert {
		for _, i := range tc.goneOnDeletePath {
			key, _ := IDKey(tc.docs[i].Lookup("_id"))
			delete(want, key)
		}
	}
	n, err := tg.Count(ctx, coll)
	if err != nil || n != int64(len(want)) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(want))
	}
	got, err := tg.FindByIDs(ctx, coll, ids)
	if err != nil {
		t.Fatalf("FindByIDs: %v", err)
	}
	if len(got) != len(want) {
		t.Errorf("FindByIDs found %d documents, want %d", len(got), len(want))
	}
	for key, w := range want {
		if g, ok := got[key]; !ok {
			t.Errorf("document %s is missing", key)
		} else if !bytesEqual(g, w) {
			t.Errorf("document %s = %v, want %v", key, g, w)
		}
	}
}

func mapsEqual(a, b map[int]int) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return len(a) == len(b)
}

// TestWriteUnsupportedValues checks that values a target cannot store are rejected before they are
// sent (FerretDB closes the connection on some), and written exactly where they are supported.
func TestWriteUnsupportedValues(t *testing.T) {
	dec, err := primitive.ParseDecimal128("12.5000")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		doc       bson.Raw
		supported func(Capabilities) bool
	}{
		{"NaN", doc(t, "_id", int32(1), "v", math.NaN()), func(c Capabilities) bool { return c.NaNInfDoubles }},
		{"+Inf", doc(t, "_id", int32(2), "v", math.Inf(1)), func(c Capabilities) bool { return c.NaNInfDoubles }},
		{"Decimal128", doc(t, "_id", int32(3), "v", dec), func(c Capabilities) bool { return c.Decimal128 }},
		{"nested array", doc(t, "_id", int32(4), "v", bson.A{bson.A{int32(1)}}), func(c Capabilities) bool { return c.NestedArrays }},
		{"dotted key", doc(t, "_id", int32(5), "v", bson.D{{Key: "a.b", Value: int32(1)}}), func(c Capabilities) bool { return c.DottedDollarKeys }},
		{"dollar key", doc(t, "_id", int32(6), "v", bson.D{{Key: "$a", Value: int32(1)}}), func(c Capabilities) bool { return c.DottedDollarKeys }},
		{"NUL in string", doc(t, "_id", int32(7), "v", "a\x00b"), func(c Capabilities) bool { return c.NULInStrings }},
	}
	for _, kind := range testTargets(t) {
		if kind.forceFastUpsert {
			continue // same insert path as "ferretdb"
		}
		t.Run(kind.name, func(t *testing.T) {
			tg := connectTest(t, kind)
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					coll := fmt.Sprintf("u%d", i)
					ok := doc(t, "_id", int32(100), "v", "fine")
					res, err := tg.Write(ctx, coll, []bson.Raw{ok, tt.doc})
					if err != nil {
						t.Fatalf("Write: %v", err)
					}
					if tt.supported(tg.caps) {
						if res.Inserted != 2 || len(res.Rejected) != 0 {
							t.Fatalf("result %+v, want both inserted", res)
						}
						got, err := tg.FindByIDs(ctx, coll, []bson.RawValue{tt.doc.Lookup("_id")})
						if err != nil || len(got) != 1 {
							t.Fatalf("FindByIDs: %v, %v", got, err)
						}
						for _, g := range got {
							if !bytesEqual(g, tt.doc) {
								t.Errorf("stored %v, want exactly %v", g, tt.doc)
							}
						}
						return
					}
					if res.Inserted != 1 || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 || res.Rejected[0].Code != CodeUnsupportedValue {
						t.Fatalf("result %+v, want document 1 rejected with CodeUnsupportedValue", res)
					}
					t.Logf("rejected: %s", res.Rejected[0].Message)
					// The connection must have survived: the next command works.
					if n, err := tg.Count(ctx, coll); err != nil || n != 1 {
						t.Errorf("Count after the rejection = %d, %v; want 1", n, err)
					}
				})
			}
		})
	}
}

func TestCapabilitiesDetected(t *testing.T) {
	for _, kind := range testTargets(t) {
		if kind.forceFastUpsert {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			tg := connectTest(t, kind)
			caps := tg.Capabilities()
			t.Logf("%+v", caps)
			switch kind.name {
			case "ferretdb":
				if caps != (Capabilities{Product: ProductFerretDB, Version: caps.Version}) || caps.Version == "" {
					t.Errorf("capabilities %+v, want FerretDB with every flag false and a version", caps)
				}
			case "mongodb":
				if caps.Product != ProductMongoDB || !caps.FastUpsert || !caps.RenameDropTarget || caps.Version == "" {
					t.Errorf("capabilities %+v, want MongoDB with fast upserts and dropTarget", caps)
				}
			}
			if !strings.HasPrefix(tg.Database(), "sinktest_") {
				t.Errorf("Database() = %q", tg.Database())
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	kind := testTargets(t)[0]
	tg := connectTest(t, kind)
	docs := seq(t, 1, 3, 0)

	t.Run("bad collection name", func(t *testing.T) {
		for _, name := range []string{"", "a$b", "system.x", "a\x00b"} {
			if _, err := tg.Write(context.Background(), name, docs); err == nil {
				t.Errorf("Write into %q succeeded", name)
			}
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := tg.Write(ctx, "canceled", docs)
		if !errors.Is(err, context.Canceled) || IsTransient(err) {
			t.Errorf("Write = %v; want a non-transient context.Canceled", err)
		}
	})
	t.Run("server gone", func(t *testing.T) {
		// A second FerretDB, stopped before the write: the error must be transient.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv := startFerretDB(t)
		tg2, err := Connect(ctx, withDatabase(srv.URI, "gone"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tg2.Close(context.Background()) }()
		srv.Stop()
		_, err = tg2.Write(ctx, "c", docs)
		if err == nil || !IsTransient(err) {
			t.Errorf("Write to a stopped server = %v; want a transient error", err)
		}
	})
}

// TestWriteCancelDuringRewrite cancels a rewrite on FerretDB's delete+insert path: exactly between
// the delete and the insert (where a split would lose documents), and at a range of times. Whenever
// the cancellation comes, no document may be missing afterwards.
func TestWriteCancelDuringRewrite(t *testing.T) {
	kind := testTargets(t)[0]
	ctx := context.Background()

	t.Run("between delete and insert", func(t *testing.T) {
		tg := connectTest(t, kind)
		if _, err := tg.Write(ctx, "c", seq(t, 1, 1500, int32(0))); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		tg.afterDeleteHook = cancel
		res, err := tg.Write(cctx, "c", seq(t, 1, 1500, int32(1)))
		if cctx.Err() == nil {
			t.Fatal("the hook did not run: the rewrite did not take the delete+insert path")
		}
		// The pair completes; the whole rewrite fits one group, so nothing is left undone.
		if err != nil || res.Replaced != 1500 {
			t.Errorf("Write = %+v, %v; want 1500 replaced and no error", res, err)
		}
		got, err := tg.FindByIDs(ctx, "c", []bson.RawValue{doc(t, "_id", int32(1500)).Lookup("_id")})
		if err != nil || len(got) != 1 {
			t.Fatalf("FindByIDs = %v, %v", got, err)
		}
		for _, d := range got {
			if d.Lookup("v").Int32() != 1 {
				t.Errorf("document %v was not rewritten", d)
			}
		}
	})

	tg := connectTest(t, kind)
	if _, err := tg.Write(ctx, "c", seq(t, 1, 3000, int32(0))); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{0, 50 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			cctx, cancel := context.WithTimeout(ctx, after)
			defer cancel()
			_, err := tg.Write(cctx, "c", seq(t, 1, 3000, int32(after)))
			t.Logf("Write canceled after %s: %v", after, err)
			if n, err := tg.Count(ctx, "c"); err != nil || n != 3000 {
				t.Errorf("Count after a canceled rewrite = %d, %v; want 3000", n, err)
			}
		})
	}
}

// TestWritePerformance measures the two paths of Write on a realistic batch size and reports the
// times (go test -v -run TestWritePerformance): 20,000 small inserts, then a rewrite of 2,000 of
// them, which on FerretDB goes through delete+insert.
func TestWritePerformance(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measurement; skipped with -short and -race")
	}
	for _, kind := range testTargets(t) {
		if kind.forceFastUpsert {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			tg := connectTest(t, kind)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			docs := seq(t, 1, 20000, int32(0))

			start := time.Now()
			res, err := tg.Write(ctx, "perf", docs)
			insertTime := time.Since(start)
			if err != nil || res.Inserted != 20000 {
				t.Fatalf("insert: %+v, %v", res, err)
			}

			rewrite := seq(t, 5001, 7000, int32(1))
			start = time.Now()
			res, err = tg.Write(ctx, "perf", rewrite)
			rewriteTime := time.Since(start)
			if err != nil || res.Replaced != 2000 || res.Inserted != 0 {
				t.Fatalf("rewrite: %+v, %v", res, err)
			}

			mixed := seq(t, 19001, 21000, int32(2)) // 1,000 existing + 1,000 new
			start = time.Now()
			res, err = tg.Write(ctx, "perf", mixed)
			mixedTime := time.Since(start)
			if err != nil || res.Replaced != 1000 || res.Inserted != 1000 {
				t.Fatalf("mixed: %+v, %v", res, err)
			}
			if n, err := tg.Count(ctx, "perf"); err != nil || n != 21000 {
				t.Fatalf("Count = %d, %v; want 21000", n, err)
			}
			t.Logf("%s: insert 20,000 docs %v (%.0f docs/s); rewrite 2,000 existing %v (%.0f docs/s); 1,000 new + 1,000 existing %v",
				kind.name, insertTime.Round(time.Millisecond), 20000/insertTime.Seconds(),
				rewriteTime.Round(time.Millisecond), 2000/rewriteTime.Seconds(), mixedTime.Round(time.Millisecond))
		})
	}
}
