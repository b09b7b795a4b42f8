package mongosink

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

func TestCollectionOps(t *testing.T) {
	type state map[string]int64 // collection -> expected count; -1: must not exist
	tests := []struct {
		name    string
		setup   map[string]int // collection -> documents to write first
		op      func(ctx context.Context, tg *Target) error
		wantErr string // substring; "" means success
		want    state
	}{
		{name: "count of a missing collection", op: func(context.Context, *Target) error { return nil }, want: state{"nothing": 0}},
		{name: "drop", setup: map[string]int{"a": 3, "b": 2},
			op:   func(ctx context.Context, tg *Target) error { return tg.Drop(ctx, "a") },
			want: state{"a": -1, "b": 2}},
		{name: "drop a missing collection", op: func(ctx context.Context, tg *Target) error { return tg.Drop(ctx, "missing") },
			want: state{"missing": -1}},
		{name: "drop a bad name", op: func(ctx context.Context, tg *Target) error { return tg.Drop(ctx, "") }, wantErr: "empty"},
		{name: "rename over an existing target", setup: map[string]int{"staging": 5, "target": 9},
			op:   func(ctx context.Context, tg *Target) error { return tg.RenameReplacing(ctx, "staging", "target") },
			want: state{"staging": -1, "target": 5}},
		{name: "rename to a new name", setup: map[string]int{"staging": 4},
			op:   func(ctx context.Context, tg *Target) error { return tg.RenameReplacing(ctx, "staging", "fresh") },
			want: state{"staging": -1, "fresh": 4}},
		{name: "rename a missing source keeps the target", setup: map[string]int{"target": 7},
			op:      func(ctx context.Context, tg *Target) error { return tg.RenameReplacing(ctx, "nosuch", "target") },
			wantErr: "does not exist", want: state{"target": 7}},
		{name: "rename onto itself", setup: map[string]int{"same": 2},
			op:      func(ctx context.Context, tg *Target) error { return tg.RenameReplacing(ctx, "same", "same") },
			wantErr: "same collection", want: state{"same": 2}},
		{name: "rename with a bad name", op: func(ctx context.Context, tg *Target) error { return tg.RenameReplacing(ctx, "a", "system.b") },
			wantErr: "reserves"},
	}
	for _, kind := range testTargets(t) {
		if kind.forceFastUpsert {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					tg := connectTest(t, kind) // a database per case: the names repeat
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					for coll, n := range tt.setup {
						if res, err := tg.Write(ctx, coll, seq(t, 1, n, coll)); err != nil || res.Inserted != n {
							t.Fatalf("writing %s: %+v, %v", coll, res, err)
						}
					}
					err := tt.op(ctx, tg)
					switch {
					case tt.wantErr == "" && err != nil:
						t.Fatalf("unexpected error: %v", err)
					case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
						t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
					}
					names, err := tg.db.ListCollectionNames(ctx, bson.D{})
					if err != nil {
						t.Fatal(err)
					}
					exists := map[string]bool{}
					for _, n := range names {
						exists[n] = true
					}
					for coll, want := range tt.want {
						if want < 0 {
							if exists[coll] {
								t.Errorf("collection %s still exists", coll)
							}
							continue
						}
						if n, err := tg.Count(ctx, coll); err != nil || n != want {
							t.Errorf("Count(%s) = %d, %v; want %d", coll, n, err, want)
						}
					}
					// A renamed collection keeps its documents, not the replaced target's.
					if tt.name == "rename over an existing target" {
						got, err := tg.FindByIDs(ctx, "target", []bson.RawValue{doc(t, "_id", int32(1)).Lookup("_id")})
						if err != nil || len(got) != 1 {
							t.Fatalf("FindByIDs: %v %v", got, err)
						}
						for _, d := range got {
							if v, _ := d.Lookup("v").StringValueOK(); v != "staging" {
								t.Errorf("target holds %v, want the staging document", d)
							}
						}
					}
				})
			}
		})
	}
}

func TestFindByIDs(t *testing.T) {
	for _, kind := range testTargets(t) {
		if kind.forceFastUpsert {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			tg := connectTest(t, kind)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var docs []bson.Raw
			for i := range 1200 { // more than one $in batch
				docs = append(docs, doc(t, "_id", bson.D{{Key: "k", Value: int64(i)}, {Key: "s", Value: fmt.Sprint("x", i)}}, "v", int32(i)))
			}
			docs = append(docs, doc(t, "_id", "plain"), doc(t, "_id", int32(7)))
			if _, err := tg.Write(ctx, "f", docs); err != nil {
				t.Fatal(err)
			}
			idOf := func(v any) bson.RawValue { return doc(t, "_id", v).Lookup("_id") }
			tests := []struct {
				name string
				ids  []bson.RawValue
				want []string // IDKeys expected in the result
			}{
				{"none", nil, nil},
				{"scalars", []bson.RawValue{idOf("plain"), idOf(int32(7))}, []string{`"plain"`, `{"$numberInt":"7"}`}},
				{"missing ids are absent", []bson.RawValue{idOf("nope"), idOf(int64(7)), idOf(int32(7))}, []string{`{"$numberInt":"7"}`}},
				{"composite", []bson.RawValue{idOf(bson.D{{Key: "k", Value: int64(3)}, {Key: "s", Value: "x3"}})},
					[]string{`{"k":{"$numberLong":"3"},"s":"x3"}`}},
				{"composite in another field order is another _id", []bson.RawValue{idOf(bson.D{{Key: "s", Value: "x3"}, {Key: "k", Value: int64(3)}})}, nil},
			}
			all := make([]bson.RawValue, 0, 1200)
			for _, d := range docs[:1200] {
				all = append(all, d.Lookup("_id"))
			}
			tests = append(tests, struct {
				name string
				ids  []bson.RawValue
				want []string
			}{"1,200 composite ids", all, nil})
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got, err := tg.FindByIDs(ctx, "f", tt.ids)
					if err != nil {
						t.Fatal(err)
					}
					if tt.name == "1,200 composite ids" {
						if len(got) != 1200 {
							t.Errorf("found %d documents, want 1200", len(got))
						}
						return
					}
					if len(got) != len(tt.want) {
						t.Errorf("found %d documents (%v), want %d", len(got), got, len(tt.want))
					}
					for _, k := range tt.want {
						d, ok := got[k]
						if !ok {
							t.Errorf("key %s missing from %v", k, got)
							continue
						}
						if dk, _ := IDKey(d.Lookup("_id")); dk != k {
							t.Errorf("key %s maps to document %v", k, d)
						}
					}
				})
			}
		})
	}
}
