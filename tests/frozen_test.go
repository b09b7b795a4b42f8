package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// TestJobKeepsProjectAsStarted: a project edited (PUT) while its job runs does not change that
// job — every document follows the mapping the job started with; the next job uses the edit.
func TestJobKeepsProjectAsStarted(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	body := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 200})
	body["collectionFilters"] = []string{"tracks"}
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 3000}
	id := startJob(t, body)

	// While it runs: rename the track name field and exclude composer.
	ctx := context.Background()
	var doc map[string]any
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/project/"+projectID, nil, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc["collections"].([]any) {
		coll := c.(map[string]any)
		if coll["name"] == "tracks" {
			coll["fields"] = map[string]any{
				"unit_price": map[string]any{"type": "STRING"},
				"name":       map[string]any{"rename": "title"},
				"composer":   map[string]any{"exclude": true},
			}
		}
	}
	edited, _ := json.Marshal(doc)
	deadline := time.Now().Add(time.Minute)
	for {
		var j apiclient.Job
		if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/jobs/"+id, nil, &j); err != nil {
			t.Fatal(err)
		}
		if j.Status == "RUNNING" && j.Statistics.TotalEventsSeen > 0 {
			break
		}
		if j.Terminal() || time.Now().After(deadline) {
			t.Fatalf("job %s never observed running (status %s)", id, j.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := e2e.api.Do(ctx, http.MethodPut, "/api/v1/project/"+projectID, edited, nil); err != nil {
		t.Fatalf("editing the project: %v", err)
	}
	if j := waitJob(t, id); j.Status != "COMPLETED" {
		t.Fatalf("job ended %s", j.Status)
	}
	coll := e2e.mongo.Database(db).Collection("tracks")
	n, _ := coll.CountDocuments(ctx, bson.M{"name": bson.M{"$exists": true}, "composer": bson.M{"$exists": true}})
	if n != 3503 {
		t.Errorf("%d of 3503 documents follow the mapping the job started with", n)
	}
	if m, _ := coll.CountDocuments(ctx, bson.M{"title": bson.M{"$exists": true}}); m != 0 {
		t.Errorf("%d documents follow the edit made while the job ran", m)
	}

	// The next job uses the edited project.
	next := jobRequest(projectID, srcURL, db+"_next", nil)
	next["collectionFilters"] = []string{"tracks"}
	runJob(t, next)
	coll2 := e2e.mongo.Database(db + "_next").Collection("tracks")
	if m, _ := coll2.CountDocuments(ctx, bson.M{"title": bson.M{"$exists": true}, "composer": bson.M{"$exists": false}}); m != 3503 {
		t.Errorf("the next job: %d of 3503 documents follow the edited project", m)
	}
}
