package tests

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

// keysProject maps Chinook tables with every key handling mode and a keyless table.
const keysProject = `{
  "version": 1, "name": "keys",
  "source": {"type": "POSTGRESQL", "schemas": ["public"]},
  "settings": {"casing": "CAMEL_CASE"},
  "collections": [
    {"name": "single", "table": {"schema": "public", "name": "customer"}, "keyHandling": "SINGLE"},
    {"name": "wrapped", "table": {"schema": "public", "name": "customer"}, "keyHandling": "WRAPPED"},
    {"name": "generated", "table": {"schema": "public", "name": "customer"}, "keyHandling": "GENERATED"},
    {"name": "composite", "table": {"schema": "public", "name": "playlist_track"}},
    {"name": "generatedComposite", "table": {"schema": "public", "name": "playlist_track"}, "keyHandling": "GENERATED"},
    {"name": "keyless", "table": {"schema": "public", "name": "track_copy"},
     "fields": {"unit_price": {"type": "STRING"}}}
  ],
  "tableFilters": {"public": {"playlist_track": {"whereClause": "playlist_id BETWEEN 11 AND 18"}}}}`

// TestRerunLeavesSameDocuments: re-running a job leaves byte-for-byte the same documents (sorted
// by _id) for SINGLE, WRAPPED and GENERATED keys; a keyless table is replaced through its staging
// collection: the same documents apart from _id, no leftovers of the first run.
func TestRerunLeavesSameDocuments(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	conn := pgConn(t, srcURL)
	if _, err := conn.Exec(context.Background(), "CREATE TABLE track_copy AS SELECT name, composer, unit_price FROM track"); err != nil {
		t.Fatal(err)
	}
	projectID := importProject(t, []byte(keysProject))
	snapshot := func() map[string][]string {
		out := map[string][]string{}
		for _, coll := range []string{"single", "wrapped", "generated", "composite", "generatedComposite", "keyless"} {
			cur, err := e2e.mongo.Database(db).Collection(coll).Find(context.Background(), bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			for cur.Next(context.Background()) {
				doc := cur.Current
				if coll == "keyless" {
					// Compare keyless documents without their fresh _id.
					var d bson.D
					if err := bson.Unmarshal(doc, &d); err != nil {
						t.Fatal(err)
					}
					if d[0].Key != "_id" {
						t.Fatalf("keyless document without _id first: %v", d)
					}
					doc, _ = bson.Marshal(d[1:])
				}
				ext, _ := bson.MarshalExtJSON(doc, true, false)
				out[coll] = append(out[coll], string(ext))
			}
			slices.Sort(out[coll])
		}
		return out
	}
	runJob(t, jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 100}))
	first := snapshot()
	runJob(t, jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 37}))
	second := snapshot()
	var filtered int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM playlist_track WHERE playlist_id BETWEEN 11 AND 18").Scan(&filtered); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"single": 59, "wrapped": 59, "generated": 59, "composite": filtered, "generatedComposite": filtered, "keyless": 3503}
	for coll, n := range want {
		if len(first[coll]) != n || len(second[coll]) != n {
			t.Errorf("%s: %d then %d documents, want %d", coll, len(first[coll]), len(second[coll]), n)
		}
		if !slices.Equal(first[coll], second[coll]) {
			t.Errorf("%s: the re-run changed the documents", coll)
		}
	}
	if !strings.Contains(first["wrapped"][0], `"_id":{"customerId":`) {
		t.Errorf("WRAPPED _id is not a key document: %s", first["wrapped"][0])
	}
	if !strings.Contains(first["generated"][0], `"_id":{"$oid":`) || !strings.Contains(first["generated"][0], `"customerId"`) {
		t.Errorf("GENERATED must have an ObjectId _id and keep the key field: %s", first["generated"][0])
	}
	names, err := e2e.mongo.Database(db).ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.Contains(n, "staging") {
			t.Errorf("staging collection %s left behind", n)
		}
	}

}

// subMillisecondKeysProject maps one table with a timestamp key twice: as is (the key becomes a
// BSON Date, which holds milliseconds) and with the key overridden to STRING (every digit kept).
const subMillisecondKeysProject = `{
  "version": 1, "name": "submskeys",
  "source": {"type": "POSTGRESQL", "schemas": ["public"]},
  "settings": {"casing": "KEEP"},
  "collections": [
    {"name": "tk", "table": {"schema": "public", "name": "tk"}},
    {"name": "tkString", "table": {"schema": "public", "name": "tk"}, "fields": {"k": {"type": "STRING"}}}
  ]}`

// TestSubMillisecondKeysAreRecordErrors: timestamp keys that differ only below the millisecond
// would get the same BSON Date _id and overwrite each other silently. Each such row is a record
// error naming its key instead (WARN: the job completes without them; FAIL tolerance 0: the job
// fails); a key exact in milliseconds is written, and a STRING override keeps all rows.
func TestSubMillisecondKeysAreRecordErrors(t *testing.T) {
	t.Parallel()
	// The keys as record events show them, sorted; the row with key 00:00:00.003 is exact.
	lossyKeys := []string{"2024-01-01 00:00:00.000100000", "2024-01-01 00:00:00.000200000", "2024-01-01 00:00:00.000500000"}
	for _, tc := range []struct{ handling, status string }{{"WARN", "COMPLETED"}, {"FAIL", "FAILED"}} {
		t.Run(tc.handling, func(t *testing.T) {
			t.Parallel()
			db, srcURL := emptyTestDB(t)
			conn := pgConn(t, srcURL)
			for _, s := range []string{
				"CREATE TABLE tk (k timestamp PRIMARY KEY, v text)",
				"INSERT INTO tk VALUES ('2024-01-01 00:00:00.0001', 'first'), ('2024-01-01 00:00:00.0002', 'second'), " +
					"('2024-01-01 00:00:00.0005', 'third'), ('2024-01-01 00:00:00.003', 'exact')",
			} {
				if _, err := conn.Exec(context.Background(), s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			opts := map[string]any{"errorHandling": tc.handling, "errorTolerance": 0}
			job := waitJob(t, startJob(t, jobRequest(importProject(t, []byte(subMillisecondKeysProject)), srcURL, db, opts)))
			if job.Status != tc.status {
				t.Fatalf("job %s, want %s (failure %+v)", job.Status, tc.status, job.FailureError)
			}
			if tc.status == "FAILED" {
				if job.FailureError == nil || job.FailureError.ErrorType != "RecordErrorLimitExceeded" {
					t.Errorf("failureError %+v, want RecordErrorLimitExceeded", job.FailureError)
				}
				return
			}
			wantType := "WARNING"
			var got []string
			for _, e := range jobEvents(t, job.ID) {
				if e.ErrorType != "RecordError" || len(e.Key) == 0 {
					continue
				}
				k := e.Key["k"]
				got = append(got, k)
				if !slices.Contains(lossyKeys, k) || e.EventType != wantType || e.LocationName != "public.tk" || e.FieldName != "k" ||
					!strings.Contains(e.Message, "key (k="+k+")") || !strings.Contains(e.Message, "below the millisecond") ||
					!strings.Contains(e.Message, "STRING") {
					t.Errorf("record event %+v, want a %s on public.tk column k for a sub-millisecond key, saying to map it to STRING", e, wantType)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, lossyKeys) {
				t.Errorf("record events for keys %v, want %v", got, lossyKeys)
			}

			// tk holds only the exact key; tkString holds every row with all its digits.
			docs := func(coll string) []string {
				cur, err := e2e.mongo.Database(db).Collection(coll).Find(context.Background(), bson.D{})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for cur.Next(context.Background()) {
					ext, _ := bson.MarshalExtJSON(cur.Current, true, false)
					out = append(out, string(ext))
				}
				slices.Sort(out)
				return out
			}
			if got, want := docs("tk"), []string{`{"_id":{"$date":{"$numberLong":"1704067200003"}},"v":"exact"}`}; !slices.Equal(got, want) {
				t.Errorf("tk documents %v, want %v", got, want)
			}
			wantString := []string{
				`{"_id":"2024-01-01T00:00:00.0001","v":"first"}`,
				`{"_id":"2024-01-01T00:00:00.0002","v":"second"}`,
				`{"_id":"2024-01-01T00:00:00.0005","v":"third"}`,
				`{"_id":"2024-01-01T00:00:00.003","v":"exact"}`,
			}
			if got := docs("tkString"); !slices.Equal(got, wantString) {
				t.Errorf("tkString documents %v, want %v", got, wantString)
			}
		})
	}
}
