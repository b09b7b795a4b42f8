package verify

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

func raw(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDiff(t *testing.T) {
	base := bson.D{{Key: "_id", Value: int32(1)}, {Key: "name", Value: "a"}, {Key: "n", Value: int32(5)},
		{Key: "tags", Value: bson.A{"x", bson.D{{Key: "k", Value: int32(1)}}}}}
	tests := []struct {
		name     string
		stored   bson.D
		wantDiff string // "" = equal
	}{
		{"equal", base, ""},
		{"altered field", bson.D{{Key: "_id", Value: int32(1)}, {Key: "name", Value: "b"}, {Key: "n", Value: int32(5)}, {Key: "tags", Value: bson.A{"x", bson.D{{Key: "k", Value: int32(1)}}}}},
			`field "name": stored "b", expected "a"`},
		{"int32 became int64", bson.D{{Key: "_id", Value: int32(1)}, {Key: "name", Value: "a"}, {Key: "n", Value: int64(5)}, {Key: "tags", Value: bson.A{"x", bson.D{{Key: "k", Value: int32(1)}}}}},
			`field "n": stored 64-bit integer {"$numberLong":"5"}, expected 32-bit integer {"$numberInt":"5"}`},
		{"extra field", append(append(bson.D{}, base...), bson.E{Key: "marker", Value: true}),
			`the stored document has an extra field "marker"`},
		{"missing field", base[:3], `field "tags" is missing from the stored document`},
		{"nested array element", bson.D{{Key: "_id", Value: int32(1)}, {Key: "name", Value: "a"}, {Key: "n", Value: int32(5)}, {Key: "tags", Value: bson.A{"x", bson.D{{Key: "k", Value: int32(2)}}}}},
			`field "tags.1.k": stored {"$numberInt":"2"}, expected {"$numberInt":"1"}`},
		{"reordered fields", bson.D{{Key: "_id", Value: int32(1)}, {Key: "n", Value: int32(5)}, {Key: "name", Value: "a"}, {Key: "tags", Value: bson.A{"x", bson.D{{Key: "k", Value: int32(1)}}}}},
			`field "n" is stored where "name" is expected (fields are in another order)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Diff(raw(t, base), raw(t, tc.stored))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.wantDiff {
				t.Errorf("Diff = %q, want %q", got, tc.wantDiff)
			}
		})
	}
}

func TestCanonicalMovesIDFirst(t *testing.T) {
	late := raw(t, bson.D{{Key: "a", Value: "x"}, {Key: "_id", Value: int32(7)}})
	first := raw(t, bson.D{{Key: "_id", Value: int32(7)}, {Key: "a", Value: "x"}})
	got, err := Canonical(late)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(first) {
		t.Errorf("Canonical = %v, want %v", got, first)
	}
	if d, _ := Diff(first, late); d != "" {
		t.Errorf("Diff of the same document with _id elsewhere = %q, want equal", d)
	}
}

func TestChecker(t *testing.T) {
	stored := map[string]bson.Raw{}
	key := func(id bson.RawValue) (string, error) { return id.String(), nil }
	put := func(d bson.Raw) { stored[d.Lookup("_id").String()] = d }
	var expected []bson.Raw
	for i := range 1200 {
		d := raw(t, bson.D{{Key: "_id", Value: int32(i)}, {Key: "v", Value: int32(i)}})
		expected = append(expected, d)
		switch i {
		case 3: // missing
		case 700: // altered
			put(raw(t, bson.D{{Key: "_id", Value: int32(i)}, {Key: "v", Value: int32(-1)}}))
		default:
			put(d)
		}
	}
	finds, hooked := 0, 0
	c := &Checker{Key: key,
		Find: func(_ context.Context, ids []bson.RawValue) (map[string]bson.Raw, error) {
			finds++
			if len(ids) > MaxBatchDocs {
				t.Errorf("a find of %d ids, over the batch bound %d", len(ids), MaxBatchDocs)
			}
			out := map[string]bson.Raw{}
			for _, id := range ids {
				if d, ok := stored[id.String()]; ok {
					out[id.String()] = d
				}
			}
			return out, nil
		},
		BeforeFind: func(_ context.Context, ids []bson.RawValue) error { hooked += len(ids); return nil },
	}
	for _, d := range expected {
		if err := c.Add(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if finds != 3 || hooked != 1200 {
		t.Errorf("finds %d, ids through the hook %d; want 3 and 1200", finds, hooked)
	}
	want := Tally{Compared: 1200, Mismatched: 2, Listed: []Mismatch{
		{ID: `{"$numberInt":"3"}`, Reason: "the document is missing from the target"},
		{ID: `{"$numberInt":"700"}`, Reason: `field "v": stored {"$numberInt":"-1"}, expected {"$numberInt":"700"}`},
	}}
	if c.Tally.Compared != want.Compared || c.Tally.Mismatched != want.Mismatched || len(c.Tally.Listed) != 2 ||
		c.Tally.Listed[0] != want.Listed[0] || c.Tally.Listed[1] != want.Listed[1] {
		t.Errorf("tally %+v, want %+v", c.Tally, want)
	}
}

func TestTallyListsAtMostMaxListed(t *testing.T) {
	var tl Tally
	for range MaxListed + 5 {
		tl.add(Mismatch{ID: "x", Reason: "r"})
	}
	if tl.Mismatched != MaxListed+5 || len(tl.Listed) != MaxListed {
		t.Errorf("mismatched %d listed %d, want %d and %d", tl.Mismatched, len(tl.Listed), MaxListed+5, MaxListed)
	}
}

func TestPlanSample(t *testing.T) {
	tests := []struct {
		rows, size int64
		want       Sample
	}{
		{10, 1000, Sample{All: true}},
		{1000, 1000, Sample{All: true}},
		{1001, 1000, Sample{Groups: 20, GroupRows: 50, Step: 50}},
		{3503, 1000, Sample{Groups: 20, GroupRows: 50, Step: 175}},
		{100_000, 50, Sample{Groups: 16, GroupRows: 3, Step: 6250}},
		{1000, 150, Sample{Groups: 18, GroupRows: 8, Step: 55}},
	}
	for _, tc := range tests {
		got, err := PlanSample(tc.rows, tc.size)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PlanSample(%d, %d) = %+v, want %+v", tc.rows, tc.size, got, tc.want)
		}
		if !got.All && (got.Groups*got.GroupRows > tc.size || got.Step < got.GroupRows || got.Groups*got.Step > tc.rows) {
			t.Errorf("PlanSample(%d, %d) = %+v: groups overlap, pass the end or exceed the size", tc.rows, tc.size, got)
		}
	}
	if _, err := PlanSample(10, 0); err == nil {
		t.Error("PlanSample with size 0: no error")
	}
}

func TestCountsCheck(t *testing.T) {
	tests := []struct {
		name string
		c    Counts
		want string // substring; "" = agree
	}{
		{"exact", Counts{Selected: 10, RecordErrors: 2, Written: 8, Target: 8, Exact: true}, ""},
		{"pre-existing documents kept", Counts{Selected: 10, Written: 10, Target: 12}, ""},
		{"pre-existing not allowed when dropped", Counts{Selected: 10, Written: 10, Target: 12, Exact: true}, "holds 12 documents, the job wrote 10"},
		{"documents lost", Counts{Selected: 10, Written: 10, Target: 9}, "holds 9 documents, fewer than the 10"},
		{"source changed", Counts{Selected: 11, Written: 10, Target: 10, Exact: true}, "the job wrote 10 documents but the source now selects 11 rows"},
	}
	for _, tc := range tests {
		got := tc.c.Check()
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: Check() = %q, want %q", tc.name, got, tc.want)
		}
	}
	if s := (Counts{Selected: 10, Written: 10, Target: 12}).Summary(); !strings.Contains(s, "2 were there before the job") {
		t.Errorf("Summary = %q", s)
	}
}
