package assemble

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
)

// TestLossyKeysAreRecordErrors: a key value whose conversion could merge distinct keys
// (sub-millisecond digits, a wall time in a DST gap) makes its row a record error instead of a
// document whose _id would overwrite another row's; exact keys, non-key fields and a STRING
// override of the key are unaffected.
func TestLossyKeysAreRecordErrors(t *testing.T) {
	ts := func(name string) schema.Column {
		return col(name, "timestamp without time zone", convert.KindTimestamp)
	}
	wall := func(h, m, s, ns int) convert.WallTime {
		return convert.WallTime{Year: 2024, Month: 1, Day: 1, Hour: h, Minute: m, Second: s, Nanosecond: ns}
	}
	gap := convert.WallTime{Year: 2024, Month: 3, Day: 10, Hour: 2, Minute: 30}    // America/New_York spring-forward gap
	autumn := convert.WallTime{Year: 2024, Month: 11, Day: 3, Hour: 1, Minute: 30} // ambiguous: not lossy for a key
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		coll project.Collection
		loc  *time.Location
		rows []rec
		// want is one line per row: the document as canonical Extended JSON, or "error: " and
		// the record error's column then its reason up to the colon.
		want []string
		// notes are the WARNING counts left: a key that became a record error is not counted.
		notes string
	}{
		{
			name: "single key",
			coll: project.Collection{Name: "c", Table: ref("tk")},
			rows: []rec{{"k": wall(0, 0, 0, 100_000), "v": "first"}, {"k": wall(0, 0, 0, 200_000), "v": "second"}, {"k": wall(0, 0, 0, 2_000_000), "v": "exact"}},
			want: []string{
				"error: k: the key column k has digits below the millisecond (2024-01-01 00:00:00.000100000); as a BSON Date (milliseconds) the _id would collide with other rows that differ only below the millisecond",
				"error: k: the key column k has digits below the millisecond (2024-01-01 00:00:00.000200000); as a BSON Date (milliseconds) the _id would collide with other rows that differ only below the millisecond",
				`{"_id":{"$date":{"$numberLong":"1704067200002"}},"v":"exact"}`,
			},
		},
		{
			name: "composite key (WRAPPED)",
			coll: project.Collection{Name: "c", Table: ref("sensor_reading")},
			rows: []rec{{"sensor": int64(1), "at": wall(0, 0, 1, 500), "v": "lossy"}, {"sensor": int64(1), "at": wall(0, 0, 1, 0), "v": "exact"}},
			want: []string{
				"error: at: the key column at has digits below the millisecond (2024-01-01 00:00:01.000000500); as a BSON Date (milliseconds) the _id would collide with other rows that differ only below the millisecond",
				`{"_id":{"sensor":{"$numberInt":"1"},"at":{"$date":{"$numberLong":"1704067201000"}}},"v":"exact","seen":null}`,
			},
		},
		{
			name: "timestamptz key",
			coll: project.Collection{Name: "c", Table: ref("instant")},
			rows: []rec{{"at": time.Date(2024, 1, 1, 0, 0, 0, 100_000, time.UTC)}, {"at": time.Date(2024, 1, 1, 0, 0, 0, 4_000_000, time.UTC)}},
			want: []string{
				"error: at: the key column at has digits below the millisecond (2024-01-01T00:00:00.0001Z); as a BSON Date (milliseconds) the _id would collide with other rows that differ only below the millisecond",
				`{"_id":{"$date":{"$numberLong":"1704067200004"}}}`,
			},
		},
		{
			name: "GENERATED key hashes the same truncated value",
			coll: project.Collection{Name: "c", Table: ref("tk"), KeyHandling: project.KeyGenerated},
			rows: []rec{{"k": wall(0, 0, 0, 100_000), "v": "first"}},
			want: []string{"error: k: the key column k has digits below the millisecond (2024-01-01 00:00:00.000100000); as a BSON Date (milliseconds) the _id would collide with other rows that differ only below the millisecond"},
		},
		{
			name: "STRING override of the key keeps all digits",
			coll: project.Collection{Name: "c", Table: ref("tk"), Fields: map[string]project.Field{"k": {Type: convert.OverrideString}}},
			rows: []rec{{"k": wall(0, 0, 0, 100_000), "v": "first"}, {"k": wall(0, 0, 0, 200_000), "v": "second"}},
			want: []string{
				`{"_id":"2024-01-01T00:00:00.0001","v":"first"}`,
				`{"_id":"2024-01-01T00:00:00.0002","v":"second"}`,
			},
		},
		{
			name:  "non-key timestamp is truncated, not an error",
			coll:  project.Collection{Name: "c", Table: ref("sensor_reading"), Fields: map[string]project.Field{"v": {Exclude: true}}},
			rows:  []rec{{"sensor": int64(2), "at": wall(0, 0, 0, 0), "seen": wall(0, 0, 0, 100_000)}},
			want:  []string{`{"_id":{"sensor":{"$numberInt":"2"},"at":{"$date":{"$numberLong":"1704067200000"}}},"seen":{"$date":{"$numberLong":"1704067200000"}}}`},
			notes: "map[seen:map[sub-millisecond-truncated:1]]",
		},
		{
			name: "DST gap key is an error, ambiguous key is not",
			coll: project.Collection{Name: "c", Table: ref("tk")},
			loc:  newYork,
			rows: []rec{{"k": gap, "v": "gap"}, {"k": autumn, "v": "autumn"}},
			want: []string{
				"error: k: the key column k holds the wall time 2024-03-10 02:30:00.000000000, which does not exist in the job's sourceTimeZone (spring-forward gap); read with the offset before the gap it is the same instant as a wall time after the gap, so the _id could collide with another row",
				`{"_id":{"$date":{"$numberLong":"1730611800000"}},"v":"autumn"}`,
			},
			notes: "map[k:map[dst-ambiguous:1]]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.cat.Tables = append(f.cat.Tables,
				table("tk", []string{"k"}, nil, ts("k"), textCol("v")),
				table("instant", []string{"at"}, nil, col("at", "timestamp with time zone", convert.KindTimestampTZ)),
				table("sensor_reading", []string{"sensor", "at"}, nil, intCol("sensor"), ts("at"), textCol("v"), ts("seen")))
			plan := f.plan(project.Settings{}, tc.coll)
			b, err := New(plan, convert.Options{Location: tc.loc}, convert.TargetLimits{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = b.BuildChunk(f.rows(&plan.Root, tc.rows), f.fetch, func(doc bson.Raw, rerr *RecordError) error {
				if rerr != nil {
					reason, _, _ := strings.Cut(rerr.Reason, ": map the column to STRING in the project (TYPES.md) to keep the exact value, or ")
					got = append(got, "error: "+rerr.Column+": "+reason)
					if rerr.Table != ref(plan.Root.Table.Name) || len(rerr.Key) != len(plan.Root.KeyColumns) {
						t.Errorf("record error %+v: want table %s and key columns %v", rerr, plan.Root.Table, plan.Root.KeyColumns)
					}
					if !strings.Contains(rerr.Reason, "map the column to STRING") {
						t.Errorf("reason %q does not say what to do", rerr.Reason)
					}
					return nil
				}
				got = append(got, extJSON(t, doc))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			wantNotes := tc.notes
			if wantNotes == "" {
				wantNotes = "map[]"
			}
			if got := fmt.Sprint(b.Notes()); got != wantNotes {
				t.Errorf("notes %s, want %s", got, wantNotes)
			}
		})
	}
}
