package tests

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// TestFilters: a job's relationalTableFilters (whereClause and rowCount) select exactly the rows
// they say; a filter matching nothing completes; a filter that tries to write cannot change the
// source and fails the job with a clear error; a slow filter hits the statement timeout.
func TestFilters(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	conn := pgConn(t, srcURL)
	ctx := context.Background()
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	filtered := func(targetDB string, filters map[string]any, collections []string, hooks map[string]any) map[string]any {
		b := jobRequest(projectID, srcURL, targetDB, map[string]any{"chunkRows": 7})
		b["relationalTableFilters"] = map[string]any{"public": filters}
		b["collectionFilters"] = collections
		if hooks != nil {
			b["testHooks"] = hooks
		}
		return b
	}
	ids := func(targetDB, coll string) []int32 {
		cur, err := e2e.mongo.Database(targetDB).Collection(coll).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		var out []int32
		for cur.Next(ctx) {
			out = append(out, cur.Current.Lookup("_id").Int32())
		}
		return out
	}

	t.Run("whereClause and rowCount", func(t *testing.T) {
		target := db + "_f1"
		runJob(t, filtered(target, map[string]any{
			"track":   map[string]any{"whereClause": "genre_id = 1", "rowCount": 100},
			"invoice": map[string]any{"rowCount": 50},
			"genre":   map[string]any{"whereClause": "1 = 0"},
		}, []string{"tracks", "invoices", "genres"}, nil))
		rows, err := conn.Query(ctx, "SELECT track_id FROM track WHERE genre_id = 1 ORDER BY track_id LIMIT 100")
		if err != nil {
			t.Fatal(err)
		}
		var want []int32
		for rows.Next() {
			var id int32
			_ = rows.Scan(&id)
			want = append(want, id)
		}
		rows.Close()
		if got := ids(target, "tracks"); !equalInts(got, want) {
			t.Errorf("tracks: %d documents %v…, want the first 100 genre-1 tracks", len(got), head(got))
		}
		if got := ids(target, "invoices"); len(got) != 50 || got[0] != 1 || got[49] != 50 {
			t.Errorf("invoices: %d documents %v…, want invoices 1..50", len(got), head(got))
		}
		if got := ids(target, "genres"); len(got) != 0 {
			t.Errorf("genres: %d documents for a filter that matches nothing", len(got))
		}
	})

	count := func() int {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM genre").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if _, err := conn.Exec(ctx, `CREATE FUNCTION relmongo_evil() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN DELETE FROM genre; RETURN true; END $$`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, where, want string }{
		{"a second statement", "1=1; DELETE FROM genre", "single SQL expression"},
		{"a parenthesis that escapes", "1=0) OR (1=1", "balanced parentheses"},
		{"a function that writes", "relmongo_evil()", "read-only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := startJob(t, filtered(db+"_bad", map[string]any{"genre": map[string]any{"whereClause": tc.where}}, []string{"genres"}, nil))
			j := waitJob(t, id)
			if j.Status != "FAILED" || j.FailureError == nil || !strings.Contains(j.FailureError.Message, tc.want) {
				t.Fatalf("job ended %s with %+v, want FAILED mentioning %q", j.Status, j.FailureError, tc.want)
			}
			if n := count(); n != before {
				t.Fatalf("the filter changed the source: genre has %d rows, had %d", n, before)
			}
		})
	}
	t.Run("a slow filter hits the statement timeout", func(t *testing.T) {
		id := startJob(t, filtered(db+"_slow", map[string]any{"genre": map[string]any{"whereClause": "pg_sleep(2) IS NOT NULL"}},
			[]string{"genres"}, map[string]any{"statementTimeoutMillis": 300}))
		j := waitJob(t, id)
		if j.Status != "FAILED" || j.FailureError == nil || !strings.Contains(j.FailureError.Message, "statement timeout") {
			t.Fatalf("job ended %s with %+v, want FAILED by the statement timeout", j.Status, j.FailureError)
		}
	})
}

func equalInts(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func head(a []int32) []int32 {
	if len(a) > 5 {
		return a[:5]
	}
	return a
}
