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
