package tests

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// realMongoEnv names the connection string of a real MongoDB (6+ or Atlas) for the suite below.
const realMongoEnv = "RELMONGO_MONGO_URL"

// TestRealMongoTypes migrates the full type table WITHOUT type overrides to a real MongoDB and
// compares every value: Decimal128 with its scale, NaN and ±Infinity doubles, -0.0, nested
// arrays, JSON keys with '.' or a leading '$', NUL in strings — everything the embedded FerretDB
// cannot store must arrive exactly, with no record error at all.
//
// It runs only when RELMONGO_MONGO_URL points at a MongoDB, e.g.
//
//	RELMONGO_MONGO_URL=mongodb://127.0.0.1:27017 go test -count=1 -run TestRealMongo ./tests/
//
// The test writes to a database relmongo_test_<random> (the URL's own database, if any, is
// replaced) and drops it at the end.
func TestRealMongoTypes(t *testing.T) {
	base := os.Getenv(realMongoEnv)
	if base == "" {
		t.Skip(realMongoEnv + " is not set: this suite needs a real MongoDB 6+ (the embedded FerretDB cannot store Decimal128, NaN, nested arrays); set it to a connection string such as mongodb://127.0.0.1:27017 to run it")
	}
	t.Parallel()
	ctx := context.Background()
	pgDB, srcURL := typesDB(t)
	targetDB := pgDB // relmongo_test_<random>, unique per test run
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", realMongoEnv, err)
	}
	u.Path = "/" + targetDB
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(base).SetTimeout(30*time.Second))
	if err != nil {
		t.Fatalf("connecting to %s: %v", realMongoEnv, err)
	}
	t.Cleanup(func() {
		_ = client.Database(targetDB).Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})

	projectID := importProject(t, typesProject(false))
	body := jobRequest(projectID, srcURL, targetDB, map[string]any{"chunkRows": 4})
	body["mongodbConnectionDetails"] = map[string]any{"connectionString": u.String()}
	var started apiclient.Job
	if err := e2e.api.Do(ctx, http.MethodPost, "/api/v1/jobs", body, &started); err != nil {
		t.Fatalf("starting the job against %s: %v", realMongoEnv, err)
	}
	job := waitJob(t, started.ID)
	if job.Status != "COMPLETED" {
		t.Fatalf("job %s: %+v", job.Status, job.FailureError)
	}
	compareTypeTable(t, client.Database(targetDB).Collection("alltypes"), false, func(typeRow) bool { return false })
	for key, evs := range recordEvents(jobEvents(t, job.ID)) {
		t.Errorf("record error for id %s against MongoDB: %+v", key, evs)
	}
}
