package tests

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// TestRunningJobShowsProgress throttles a job (test hook) so its RUNNING state and growing
// totalEventsSeen can be observed without timing luck.
func TestRunningJobShowsProgress(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	body := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 200})
	body["collectionFilters"] = []string{"tracks"}
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 2000}
	id := startJob(t, body)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var seen []int64
	final, err := e2e.api.WaitJob(ctx, id, 100*time.Millisecond, func(j *apiclient.Job) {
		if j.Status == "RUNNING" {
			seen = append(seen, j.Statistics.TotalEventsSeen)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != "COMPLETED" || !final.Statistics.SnapshotCompleted || final.Statistics.TotalEventsSeen != 3503 {
		t.Fatalf("final status %s snapshotCompleted %v totalEventsSeen %d", final.Status, final.Statistics.SnapshotCompleted, final.Statistics.TotalEventsSeen)
	}
	growing := 0
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("totalEventsSeen went down: %v", seen)
		}
		if seen[i] > seen[i-1] && seen[i-1] > 0 {
			growing++
		}
	}
	if growing < 2 {
		t.Fatalf("totalEventsSeen did not grow while RUNNING: %v", seen)
	}
}

// TestRerunIsIdempotent runs the same job twice with a source row changed in between, then a third
// time with a chunk failing mid-write on its first attempt: exactly one document per row remains,
// the changed row's document is updated, and the retry really happened.
func TestRerunIsIdempotent(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	conn := pgConn(t, srcURL)
	req := func(hooks map[string]any) map[string]any {
		b := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 100})
		b["collectionFilters"] = []string{"customers", "albums"}
		if hooks != nil {
			b["testHooks"] = hooks
		}
		return b
	}
	runJob(t, req(nil))
	if _, err := conn.Exec(context.Background(), "UPDATE customer SET city = 'Reykjavík-changed' WHERE customer_id = 7"); err != nil {
		t.Fatal(err)
	}
	runJob(t, req(nil))
	coll := e2e.mongo.Database(db).Collection("customers")
	var doc bson.M
	if err := coll.FindOne(context.Background(), bson.M{"_id": int32(7)}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["city"] != "Reykjavík-changed" {
		t.Errorf("customer 7 city = %v after the re-run, want the changed value", doc["city"])
	}
	compareCollection(t, conn, db, "customers", "customer", []string{"customer_id"})
	compareCollection(t, conn, db, "albums", "album", []string{"album_id"})

	// Chunk 0 of each collection fails after writing its first batch; the retry rewrites it.
	job := runJob(t, req(map[string]any{"failChunkOnce": 0}))
	compareCollection(t, conn, db, "customers", "customer", []string{"customer_id"})
	compareCollection(t, conn, db, "albums", "album", []string{"album_id"})
	if !activityRetried(t, job.ID+"-customers") {
		t.Error("the failing-chunk hook did not make CopyChunk retry: the test proves nothing")
	}
}

// activityRetried reports whether any activity of the workflow failed and was attempted again.
func activityRetried(t *testing.T, workflowID string) bool {
	t.Helper()
	it := e2e.stack.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && a.GetAttempt() > 1 {
			return true
		}
	}
	return false
}

// TestJobLogs checks the events endpoint of a finished job.
func TestJobLogs(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	body := jobRequest(projectID, srcURL, db, nil)
	body["collectionFilters"] = []string{"genres"}
	job := runJob(t, body)
	var evs []map[string]any
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+job.ID+"/logs", nil, &evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0]["message"] != "snapshot completed" {
		t.Fatalf("logs = %v, want the completion event first", evs)
	}
}
