package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/savedconn"
)

// savedJob is the part of the job status object that names saved connections (ext).
type savedJob struct {
	ID                   string `json:"id"`
	Status               string `json:"status"`
	JDBCConnectionString string `json:"jdbcConnectionString"`
	JDBCConnectionID     string `json:"jdbcConnectionId"`
	MongoConnectionID    string `json:"mongoDbConnectionId"`
}

// TestSavedConnections saves both connections with a first job (savePassword), runs a second job
// that names them only by id (existingConnectionId) and checks its data exactly; it checks the
// 404 of an unknown id, the 400 of a source id used as a target, the masked listing, and that the
// password is nowhere in clear: not in API answers, logs, nor the raw bytes of the store file.
func TestSavedConnections(t *testing.T) {
	t.Parallel()
	const password = "Pw-saved-e2e-51d0c7aa"
	ctx := context.Background()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	srcID := "e2e-src-" + randomSuffix()

	// 1. A job with full details saves them: the source under the id given, the target under a
	// generated one. (The local PostgreSQL trusts connections, so any password works.)
	first := jobRequest(projectID, srcURL, db, nil)
	first["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "url": srcURL, "password": password, "id": srcID, "savePassword": true}
	first["mongodbConnectionDetails"] = map[string]any{"connectionString": targetURI(db), "savePassword": true}
	first["collectionFilters"] = []string{"artists", "genres"}
	job1 := runJob(t, first)
	var st1 savedJob
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/jobs/"+job1.ID, nil, &st1); err != nil {
		t.Fatal(err)
	}
	tgtID := st1.MongoConnectionID
	if st1.JDBCConnectionID != srcID || len(tgtID) != 36 {
		t.Fatalf("first job reports jdbcConnectionId %q mongoDbConnectionId %q, want %q and a UUID", st1.JDBCConnectionID, tgtID, srcID)
	}

	// 2. A second job names both saved connections and nothing else.
	second := jobRequest(projectID, "", db, nil)
	second["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "existingConnectionId": srcID}
	second["mongodbConnectionDetails"] = map[string]any{"existingConnectionId": tgtID}
	second["collectionFilters"] = []string{"albums", "tracks", "playlistTracks"}
	job2 := runJob(t, second)
	var st2 savedJob
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/jobs/"+job2.ID, nil, &st2); err != nil {
		t.Fatal(err)
	}
	if st2.JDBCConnectionID != srcID || st2.MongoConnectionID != tgtID || !strings.Contains(st2.JDBCConnectionString, db) ||
		!strings.Contains(st2.JDBCConnectionString, "password=*****") {
		t.Errorf("second job %+v: want the saved ids and the masked source of %s with its password masked", st2, db)
	}
	conn := pgConn(t, srcURL)
	want := map[string]int64{"albums": 347, "tracks": 3503, "playlistTracks": 8715}
	for _, c := range chinookCollections {
		if n, ok := want[c.collection]; ok {
			if got := compareCollection(t, conn, db, c.collection, c.table, c.key); got != n {
				t.Errorf("%s: %d documents, want %d", c.collection, got, n)
			}
		}
	}
	if job2.Statistics.TotalEventsSeen != 347+3503+8715 {
		t.Errorf("second job read %d rows, want %d", job2.Statistics.TotalEventsSeen, 347+3503+8715)
	}

	// 3. Errors: an unknown id is a 404 with API.md's error body; a source named as a target, 400.
	unknown := jobRequest(projectID, srcURL, db, nil)
	unknown["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "existingConnectionId": "no-such-connection"}
	var raw json.RawMessage
	status, apiErr := apiStatus(t, http.MethodPost, "/api/v1/jobs", unknown)
	if status != http.StatusNotFound || apiErr.Message != `saved connection "no-such-connection" not found` || apiErr.Timestamp == "" ||
		!strings.Contains(apiErr.Description, "GET /api/v1/connections") {
		t.Errorf("unknown id: %d %+v", status, apiErr)
	}
	crossed := jobRequest(projectID, srcURL, db, nil)
	crossed["mongodbConnectionDetails"] = map[string]any{"existingConnectionId": srcID}
	if status, apiErr := apiStatus(t, http.MethodPost, "/api/v1/jobs", crossed); status != http.StatusBadRequest ||
		!strings.Contains(apiErr.Description, "not as a MongoDB target") {
		t.Errorf("a source named as a target: %d %+v", status, apiErr)
	}

	// 4. The listing shows both, masked.
	var list []struct{ ID, Kind, Type, URL, CreatedAt string }
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/connections", nil, &list); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, c := range list {
		switch c.ID {
		case srcID:
			found++
			if c.Kind != "JDBC" || c.Type != "POSTGRESQL" || !strings.Contains(c.URL, "/"+db) || !strings.Contains(c.URL, "password=*****") || c.CreatedAt == "" {
				t.Errorf("listed source %+v", c)
			}
		case tgtID:
			found++
			if c.Kind != "MONGODB" || c.Type != "MONGODB" || c.URL != targetURI(db) {
				t.Errorf("listed target %+v", c)
			}
		}
	}
	if found != 2 {
		t.Errorf("GET /connections lists %d of the 2 saved connections: %+v", found, list)
	}

	// 5. The password is in no answer, no log line, and not in clear in the store's files (the
	// database and its write-ahead log); the sealed record opens with the stack's key.
	for _, path := range []string{"/api/v1/connections", "/api/v1/connections/" + srcID, "/api/v1/jobs/" + job1.ID, "/api/v1/jobs/" + job2.ID, "/api/v1/jobs"} {
		if err := e2e.api.Do(ctx, http.MethodGet, path, nil, &raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), password) {
			t.Errorf("GET %s reveals the password", path)
		}
	}
	if strings.Contains(e2e.logs.String(), password) {
		t.Error("the logs reveal the password")
	}
	checked := 0
	for _, f := range []string{e2e.stack.StorePath, e2e.stack.StorePath + "-wal"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if bytes.Contains(b, []byte(password)) {
			t.Errorf("the store file %s holds the password in clear", f)
		}
	}
	if checked == 0 {
		t.Fatalf("no store file at %s", e2e.stack.StorePath)
	}
	rec, err := e2e.stack.Store.GetConnection(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	if src, err := savedconn.OpenSource(e2e.stack.Key, rec); err != nil || src.Password != password {
		t.Errorf("positive control: the saved source opens to %q, %v; want the password", src.Password, err)
	}

	// 6. A deleted connection is gone: naming it is a 404 again.
	if err := e2e.api.Do(ctx, http.MethodDelete, "/api/v1/connections/"+srcID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if status, apiErr := apiStatus(t, http.MethodPost, "/api/v1/jobs", second); status != http.StatusNotFound {
		t.Errorf("after DELETE: %d %+v, want 404", status, apiErr)
	}
}

// TestSavedConnectionProject creates a project from a live source and saves its connection, then
// creates a second project from the saved connection alone.
func TestSavedConnectionProject(t *testing.T) {
	t.Parallel()
	_, srcURL := chinookDB(t)
	id := "e2e-proj-src-" + randomSuffix()
	body := createBody("sp-"+randomSuffix(), srcURL, "ONE_TO_ONE")
	body["jdbcConnectionDetails"].(map[string]any)["savePassword"] = true
	body["jdbcConnectionDetails"].(map[string]any)["id"] = id
	var first struct {
		JDBCConnectionID string `json:"jdbcConnectionId"`
	}
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/project", body, &first); err != nil {
		t.Fatal(err)
	}
	if first.JDBCConnectionID != id {
		t.Fatalf("jdbcConnectionId %q, want %q", first.JDBCConnectionID, id)
	}
	again := createBody("sp2-"+randomSuffix(), "", "ONE_TO_ONE")
	again["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "existingConnectionId": id}
	out := createProject(t, again)
	if len(out.Project.Collections) != 11 {
		t.Errorf("project from the saved connection has %d collections, want Chinook's 11", len(out.Project.Collections))
	}
	wrongType := createBody("sp3-"+randomSuffix(), "", "ONE_TO_ONE")
	wrongType["jdbcConnectionDetails"] = map[string]any{"type": "SQL_SERVER", "existingConnectionId": id}
	if status, apiErr := apiStatus(t, http.MethodPost, "/api/v1/project", wrongType); status != http.StatusBadRequest ||
		!strings.Contains(apiErr.Description, "is a POSTGRESQL connection") {
		t.Errorf("type mismatch: %d %+v", status, apiErr)
	}
}

// TestScheduleSavedConnection creates a schedule whose job saves both connections: the schedule
// then holds them by id only (no ciphertext, no password), a triggered run resolves them and
// completes with exact data, and once the source connection is deleted the next run fails with a
// setup error that names it — proof that runs resolve saved connections when they fire.
func TestScheduleSavedConnection(t *testing.T) {
	t.Parallel()
	const password = "Pw-sched-saved-0e6b"
	ctx := context.Background()
	db, srcURL := itemsDB(t, 5)
	projectID := importProject(t, []byte(itemProject))
	sid, srcID, tgtID := "saved-"+randomSuffix(), "e2e-ssrc-"+randomSuffix(), "e2e-stgt-"+randomSuffix()
	job := jobRequest(projectID, srcURL, db, nil)
	job["jdbcConnectionDetails"] = map[string]any{"type": "POSTGRESQL", "url": srcURL, "password": password, "id": srcID, "savePassword": true}
	job["mongodbConnectionDetails"] = map[string]any{"connectionString": targetURI(db), "id": tgtID, "savePassword": true}
	createSchedule(t, map[string]any{"id": sid, "spec": map[string]any{"interval": "1h"}, "paused": true, "job": job})

	var view struct {
		Job struct {
			JDBCConnectionID  string `json:"jdbcConnectionId"`
			MongoConnectionID string `json:"mongodbConnectionId"`
		} `json:"job"`
	}
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/schedules/"+sid, nil, &view); err != nil {
		t.Fatal(err)
	}
	if view.Job.JDBCConnectionID != srcID || view.Job.MongoConnectionID != tgtID {
		t.Fatalf("the schedule names %+v, want %s and %s", view.Job, srcID, tgtID)
	}
	desc, err := e2e.stack.Temporal.ScheduleClient().GetHandle(ctx, sid).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wa, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || len(wa.Args) != 1 {
		t.Fatalf("unexpected schedule action %#v", desc.Schedule.Action)
	}
	payload, ok := wa.Args[0].(*commonpb.Payload)
	if !ok {
		t.Fatalf("unexpected action input %#v", wa.Args[0])
	}
	data := string(payload.Data)
	if !strings.Contains(data, `"sourceConnectionId":"`+srcID+`"`) || !strings.Contains(data, `"source":{"ciphertext":""}`) ||
		!strings.Contains(data, `"target":{"ciphertext":""}`) || strings.Contains(data, password) {
		t.Fatalf("the schedule action should hold the saved connections by id only: %s", data)
	}

	start := time.Now().UTC().Truncate(time.Second).Add(-time.Second)
	scheduleAction(t, sid, "trigger", nil)
	runs := waitRun(t, sid, start, 90*time.Second)
	var first savedJob
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/jobs/"+runs[0].ID, nil, &first); err != nil {
		t.Fatal(err)
	}
	if first.JDBCConnectionID != srcID || first.MongoConnectionID != tgtID || !strings.Contains(first.JDBCConnectionString, "password=*****") {
		t.Errorf("the run's job %+v: want the saved ids and the saved source, masked", first)
	}
	if n, err := e2e.mongo.Database(db).Collection("items").CountDocuments(ctx, bson.D{}); err != nil || n != 5 {
		t.Errorf("the run wrote %d documents (%v), want 5", n, err)
	}

	if err := e2e.api.Do(ctx, http.MethodDelete, "/api/v1/connections/"+srcID, nil, nil); err != nil {
		t.Fatal(err)
	}
	// The next run gets another job id, which is the scheduled time to the second.
	firstAt := runTime(t, sid, runs[0].ID)
	waitFor(t, 5*time.Second, "the next second", func() bool { return time.Now().UTC().Truncate(time.Second).After(firstAt) })
	// The first run's job is COMPLETED slightly before its ScheduledRun workflow closes; a trigger
	// while it is open would be skipped (overlap policy SKIP) and no second run would come.
	waitFor(t, 30*time.Second, "the first run's workflow to close", func() bool {
		d, err := e2e.stack.Temporal.ScheduleClient().GetHandle(ctx, sid).Describe(ctx)
		return err == nil && len(d.Info.RunningWorkflows) == 0
	})
	scheduleAction(t, sid, "trigger", nil)
	waitFor(t, time.Minute, "a failed run after the connection was deleted", func() bool {
		for _, j := range scheduleJobs(t, sid) {
			if j.Status != "FAILED" {
				continue
			}
			var full apiclient.Job
			if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/jobs/"+j.ID, nil, &full); err != nil {
				t.Fatal(err)
			}
			if full.FailureError == nil || !strings.Contains(full.FailureError.Message, "saved connection "+srcID+" of schedule "+sid+" was deleted") {
				t.Fatalf("the failed run does not say the saved connection was deleted: %+v", full.FailureError)
			}
			return true
		}
		return false
	})
}
