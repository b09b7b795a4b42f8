package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/freeport"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source/connect"
	"github.com/relmongo/relmongo/internal/stack"
)

// itemProject maps one small table whose rows carry a last_modified column.
const itemProject = `{
  "version": 1, "name": "items",
  "source": {"type": "POSTGRESQL", "schemas": ["public"]},
  "settings": {"casing": "CAMEL_CASE"},
  "collections": [{"name": "items", "table": {"schema": "public", "name": "item"}}]}`

const windowFilter = "last_modified > :windowStart AND last_modified <= :windowEnd"

var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// scheduledJob is the part of a job status these tests read.
type scheduledJob struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	ScheduleID string `json:"scheduleId"`
	Statistics struct {
		TotalEventsSeen int64 `json:"totalEventsSeen"`
	} `json:"statistics"`
}

// scheduleView is the part of a schedule these tests read.
type scheduleView struct {
	ID             string `json:"id"`
	Paused         bool   `json:"paused"`
	Actions        int    `json:"actions"`
	SkippedOverlap int    `json:"skippedOverlap"`
	RecentRuns     []struct {
		JobID  string `json:"jobId"`
		Status string `json:"status"`
	} `json:"recentRuns"`
}

// itemsDB creates a Chinook database with an item table of n rows and returns it.
func itemsDB(t *testing.T, n int) (db, url string) {
	t.Helper()
	db, url = chinookDB(t)
	conn := pgConn(t, url)
	_, err := conn.Exec(context.Background(), `CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL,
		last_modified timestamptz NOT NULL DEFAULT clock_timestamp());
		INSERT INTO item (id, name, qty) SELECT g, 'item ' || g, g FROM generate_series(1, `+fmt.Sprint(n)+`) g`)
	if err != nil {
		t.Fatal(err)
	}
	return db, url
}

// createSchedule posts a schedule and deletes it at cleanup.
func createSchedule(t *testing.T, body map[string]any) scheduleView {
	t.Helper()
	var v scheduleView
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/schedules", body, &v); err != nil {
		t.Fatalf("creating the schedule: %v", err)
	}
	t.Cleanup(func() {
		_ = e2e.api.Do(context.Background(), http.MethodDelete, "/api/v1/schedules/"+v.ID, nil, nil)
	})
	return v
}

// scheduleJobs lists the jobs of one schedule.
func scheduleJobs(t *testing.T, id string) []scheduledJob {
	t.Helper()
	var all []scheduledJob
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs", nil, &all); err != nil {
		t.Fatal(err)
	}
	var out []scheduledJob
	for _, j := range all {
		if j.ScheduleID == id {
			out = append(out, j)
		}
	}
	return out
}

// runTime is the scheduled time at the end of a scheduled job's ID.
func runTime(t *testing.T, scheduleID, jobID string) time.Time {
	t.Helper()
	ts, err := time.Parse("20060102T150405Z", strings.TrimPrefix(jobID, scheduleID+"-"))
	if err != nil {
		t.Fatalf("job id %q is not <scheduleId>-<yyyymmddThhmmssZ>: %v", jobID, err)
	}
	return ts
}

// waitRun polls until a COMPLETED run scheduled after `after` exists, failing on a FAILED run or
// on two runs in progress at once; it returns every job seen.
func waitRun(t *testing.T, scheduleID string, after time.Time, timeout time.Duration) []scheduledJob {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		jobs := scheduleJobs(t, scheduleID)
		inProgress := 0
		for _, j := range jobs {
			switch j.Status {
			case "COMPLETED":
				if runTime(t, scheduleID, j.ID).After(after) {
					return jobs
				}
			case "FAILED", "CANCELLED":
				var full json.RawMessage
				_ = e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+j.ID, nil, &full)
				t.Fatalf("scheduled job %s ended %s: %s", j.ID, j.Status, full)
			default:
				inProgress++
			}
		}
		if inProgress > 1 {
			t.Fatalf("%d jobs of schedule %s in progress at once: %+v", inProgress, scheduleID, jobs)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed run of %s scheduled after %s within %s: %+v", scheduleID, after.Format(time.RFC3339), timeout, jobs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitIdle waits until no job of the schedule is in progress.
func waitIdle(t *testing.T, scheduleID string) []scheduledJob {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		jobs := scheduleJobs(t, scheduleID)
		busy := false
		for _, j := range jobs {
			if j.Status != "COMPLETED" && j.Status != "FAILED" && j.Status != "CANCELLED" {
				busy = true
			}
		}
		if !busy {
			return jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs of %s still in progress: %+v", scheduleID, jobs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func scheduleAction(t *testing.T, id, action string, body any) scheduleView {
	t.Helper()
	var v scheduleView
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/schedules/"+id+"/"+action, body, &v); err != nil {
		t.Fatalf("%s schedule %s: %v", action, id, err)
	}
	return v
}

// TestScheduleWindowedRuns: an interval schedule with a windowed filter copies what changed
// between runs; each run is a job with the schedule's id; the documents end equal to the rows
// (a deleted row's document stays, as documented), without duplicates, and later runs read only
// their window.
func TestScheduleWindowedRuns(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 5)
	conn := pgConn(t, srcURL)
	projectID := importProject(t, []byte(itemProject))
	job := jobRequest(projectID, srcURL, db, nil)
	job["relationalTableFilters"] = map[string]any{"public": map[string]any{"item": map[string]any{"whereClause": windowFilter}}}
	sid := "win-" + randomSuffix()
	createSchedule(t, map[string]any{"id": sid, "spec": map[string]any{"interval": "2s"}, "overlap": "SKIP", "job": job})

	waitRun(t, sid, time.Time{}, 90*time.Second)
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO item (id, name, qty) VALUES (6, 'item 6', 6)`)
	exec(`UPDATE item SET qty = 200, last_modified = clock_timestamp() WHERE id = 2`)
	exec(`DELETE FROM item WHERE id = 3`)
	waitRun(t, sid, time.Now().Add(time.Second), 90*time.Second)
	exec(`UPDATE item SET name = 'six', last_modified = clock_timestamp() WHERE id = 6`)
	exec(`UPDATE item SET qty = 100, last_modified = clock_timestamp() WHERE id = 1`)
	waitRun(t, sid, time.Now().Add(time.Second), 90*time.Second)
	scheduleAction(t, sid, "pause", nil)
	jobs := waitIdle(t, sid)

	want := map[int32]string{}
	rows, err := conn.Query(context.Background(), "SELECT id, name, qty FROM item")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, qty int32
		var name string
		if err := rows.Scan(&id, &name, &qty); err != nil {
			t.Fatal(err)
		}
		want[id] = fmt.Sprintf("%s/%d", name, qty)
	}
	rows.Close()
	cur, err := e2e.mongo.Database(db).Collection("items").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int32]string{}
	var docs []bson.M
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		id, _ := d["_id"].(int32)
		if _, dup := got[id]; dup {
			t.Errorf("duplicate document for id %d", id)
		}
		got[id] = fmt.Sprintf("%v/%v", d["name"], d["qty"])
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("document %d = %q, want the row %q", id, got[id], w)
		}
	}
	if got[3] != "item 3/3" || len(got) != len(want)+1 {
		t.Errorf("the deleted row's document should stay (documented): got %v", got)
	}
	completed, narrow := 0, 0
	for _, j := range jobs {
		if !jobIDPattern.MatchString(j.ID) || !strings.HasPrefix(j.ID, sid+"-") {
			t.Errorf("job id %q does not match ^[A-Za-z0-9-]+$ with the schedule's prefix", j.ID)
		}
		if j.Status == "COMPLETED" {
			completed++
			if j.Statistics.TotalEventsSeen < 5 {
				narrow++
			}
		}
	}
	if completed < 3 || narrow == 0 {
		t.Errorf("want >= 3 completed runs, some reading only their window: %+v", jobs)
	}
}

// TestScheduleOverlapSkip: runs slower than the interval are skipped, never run concurrently.
func TestScheduleOverlapSkip(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 8)
	projectID := importProject(t, []byte(itemProject))
	job := jobRequest(projectID, srcURL, db, nil)
	job["testHooks"] = map[string]any{"throttleRowsPerSecond": 2}
	sid := "skip-" + randomSuffix()
	createSchedule(t, map[string]any{"id": sid, "spec": map[string]any{"interval": "2s"}, "overlap": "SKIP", "job": job})
	deadline := time.Now().Add(14 * time.Second)
	for time.Now().Before(deadline) {
		inProgress := 0
		for _, j := range scheduleJobs(t, sid) {
			if j.Status != "COMPLETED" && j.Status != "FAILED" && j.Status != "CANCELLED" {
				inProgress++
			}
		}
		if inProgress > 1 {
			t.Fatalf("%d jobs in progress at once", inProgress)
		}
		time.Sleep(150 * time.Millisecond)
	}
	v := scheduleAction(t, sid, "pause", nil)
	var got scheduleView
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/schedules/"+sid, nil, &got); err != nil {
		t.Fatal(err)
	}
	if !v.Paused || got.SkippedOverlap == 0 || got.Actions == 0 {
		t.Fatalf("want skipped actions and a paused schedule, got %+v", got)
	}
	waitIdle(t, sid)
}

// TestScheduleControl: pause, unpause, trigger and a backfill over a past window through the API;
// the schedule is visible through the Temporal Web UI server's API.
func TestScheduleControl(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 3)
	projectID := importProject(t, []byte(itemProject))
	job := jobRequest(projectID, srcURL, db, nil)
	job["relationalTableFilters"] = map[string]any{"public": map[string]any{"item": map[string]any{"whereClause": windowFilter}}}
	sid := "ctl-" + randomSuffix()
	v := createSchedule(t, map[string]any{"id": sid, "spec": map[string]any{"interval": "1h"}, "paused": true, "job": job})
	if !v.Paused {
		t.Fatalf("created paused, got %+v", v)
	}
	if v = scheduleAction(t, sid, "unpause", nil); v.Paused {
		t.Fatal("unpause did not unpause")
	}
	if v = scheduleAction(t, sid, "pause", nil); !v.Paused {
		t.Fatal("pause did not pause")
	}
	scheduleAction(t, sid, "unpause", nil)
	start := time.Now().Add(-time.Second)
	scheduleAction(t, sid, "trigger", nil)
	waitRun(t, sid, start, time.Minute)
	// Intervals of 1h fall on whole hours: this past window holds exactly two of them.
	hour := time.Now().UTC().Truncate(time.Hour)
	scheduleAction(t, sid, "backfill", map[string]any{
		"startAt": hour.Add(-150 * time.Minute).Format(time.RFC3339), "endAt": hour.Add(-30 * time.Minute).Format(time.RFC3339)})
	jobs := waitIdle(t, sid)
	deadline := time.Now().Add(time.Minute)
	for len(jobs) < 3 && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		jobs = waitIdle(t, sid)
	}
	ids := map[string]string{}
	for _, j := range jobs {
		ids[j.ID] = j.Status
	}
	for _, h := range []time.Time{hour.Add(-2 * time.Hour), hour.Add(-time.Hour)} {
		id := sid + "-" + h.Format("20060102T150405Z")
		if ids[id] != "COMPLETED" {
			t.Errorf("backfilled run %s: %q (jobs %v)", id, ids[id], ids)
		}
	}
	if len(jobs) != 3 {
		t.Errorf("want the triggered run and two backfilled runs, got %v", ids)
	}

	// The Web UI lists the schedule (its server reads Temporal's visibility, eventually consistent).
	ui := e2e.stack.Dev.UIURL()
	if ui == "" {
		t.Fatal("the test stack has no Web UI")
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(ui + "/api/v1/namespaces/" + e2e.stack.Dev.Namespace() + "/schedules")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), sid) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the Web UI's schedule list lacks %s: %d %s", sid, resp.StatusCode, body)
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	var list []scheduleView
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/schedules", nil, &list); err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, l := range list {
		listed = listed || l.ID == sid
	}
	if !listed {
		t.Errorf("GET /schedules lacks %s", sid)
	}
	var patched struct {
		Overlap string            `json:"overlap"`
		Spec    map[string]string `json:"spec"`
	}
	if err := e2e.api.Do(context.Background(), http.MethodPatch, "/api/v1/schedules/"+sid,
		map[string]any{"overlap": "BUFFER_ONE", "spec": map[string]any{"interval": "2h"}}, &patched); err != nil {
		t.Fatal(err)
	}
	if patched.Overlap != "BUFFER_ONE" || patched.Spec["interval"] != "2h" {
		t.Errorf("PATCH answered %+v", patched)
	}
	if err := e2e.api.Do(context.Background(), http.MethodDelete, "/api/v1/schedules/"+sid, nil, nil); err != nil {
		t.Fatal(err)
	}
	var apiErr *apiclient.Error
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/schedules/"+sid, nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("a deleted schedule answers %v, want 404", err)
	}
}

// TestScheduleBadRequests: schedule definitions are validated like jobs, every problem at once.
func TestScheduleBadRequests(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 1)
	conn := pgConn(t, srcURL)
	if _, err := conn.Exec(context.Background(), `CREATE TABLE note (body text)`); err != nil {
		t.Fatal(err)
	}
	projectID := importProject(t, []byte(itemProject))
	keyless := importProject(t, []byte(`{"version": 1, "name": "notes", "source": {"type": "POSTGRESQL", "schemas": ["public"]},
		"collections": [{"name": "notes", "table": {"schema": "public", "name": "note"}}]}`))
	cases := []struct {
		name   string
		body   func() map[string]any
		status int
		want   []string
	}{
		{"every problem", func() map[string]any {
			j := jobRequest(projectID, srcURL, db, map[string]any{"dropCollections": true})
			j["relationalTableFilters"] = map[string]any{"public": map[string]any{"track": map[string]any{"whereClause": "x > :windowStart"}}}
			return map[string]any{"id": "bad id", "spec": map[string]any{"interval": "1ms", "timeZone": "Mars/Base"}, "overlap": "NEVER", "lookback": "-1s", "job": j}
		}, 400, []string{"id", "spec.interval", "spec.timeZone", "overlap", "lookback", "dropCollections", "window parameter"}},
		{"no spec", func() map[string]any {
			return map[string]any{"job": jobRequest(projectID, srcURL, db, nil)}
		}, 400, []string{"spec is required"}},
		{"keyless root", func() map[string]any {
			return map[string]any{"spec": map[string]any{"interval": "1h"}, "job": jobRequest(keyless, srcURL, db, nil)}
		}, 400, []string{"primary key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/schedules", tc.body(), nil)
			var apiErr *apiclient.Error
			if !errors.As(err, &apiErr) || apiErr.Status != tc.status {
				t.Fatalf("got %v, want %d", err, tc.status)
			}
			text := apiErr.Message + " " + apiErr.Description
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("the error does not mention %q: %s", w, text)
				}
			}
		})
	}
	// A plain job may not use window parameters.
	j := jobRequest(projectID, srcURL, db, nil)
	j["relationalTableFilters"] = map[string]any{"public": map[string]any{"item": map[string]any{"whereClause": windowFilter}}}
	var apiErr *apiclient.Error
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", j, nil); !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Fatalf("a job with window parameters: %v, want 400", err)
	}
}

// TestWindowParameterIsData: a window parameter's value reaches PostgreSQL as a bound value, so a
// value that looks like SQL is refused as a timestamp and nothing runs; a literal that spells a
// parameter name stays text.
func TestWindowParameterIsData(t *testing.T) {
	t.Parallel()
	_, srcURL := itemsDB(t, 3)
	conn := pgConn(t, srcURL)
	if _, err := conn.Exec(context.Background(), `CREATE TABLE x (a int)`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cs, err := connstr.ParseSource("POSTGRESQL", srcURL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	src, err := connect.Open(ctx, cs, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	cat, err := src.Introspect(ctx, []string{"public"})
	if err != nil {
		t.Fatal(err)
	}
	var p project.Project
	if err := json.Unmarshal([]byte(itemProject), &p); err != nil {
		t.Fatal(err)
	}
	count := func(where string, params map[string]string) (int64, error) {
		filters := map[string]map[string]project.TableFilter{"public": {"item": {WhereClause: where}}}
		plans, probs := project.Resolve(&p, cat, nil, filters)
		if len(probs) > 0 {
			t.Fatal(probs.Error())
		}
		plans[0].Root.WindowParams = params
		return src.CountRows(ctx, plans[0].Root)
	}
	if _, err := count("last_modified > :windowStart", map[string]string{"windowStart": "'; DROP TABLE x; --"}); err == nil ||
		!strings.Contains(err.Error(), "timestamp") {
		t.Fatalf("an SQL-looking value must fail as a timestamp, got %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM x").Scan(&n); err != nil {
		t.Fatalf("table x is gone: %v", err)
	}
	params := map[string]string{"windowStart": "1970-01-01T00:00:00Z", "windowEnd": "2999-01-01T00:00:00Z"}
	if got, err := count("last_modified > :windowStart AND last_modified <= :windowEnd AND name <> ':windowStart'", params); err != nil || got != 3 {
		t.Fatalf("a windowed count = %d, %v; want 3", got, err)
	}
	if got, err := count("last_modified > :windowEnd::timestamptz", params); err != nil || got != 0 {
		t.Fatalf("a future window = %d, %v; want 0", got, err)
	}
}

// TestScheduleSurvivesRestart: a schedule created on a stack keeps running after the stack is
// stopped and started again on the same data directory and ports (what `relmongo dev` does).
func TestScheduleSurvivesRestart(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 3)
	ports, err := freeport.Get(2)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(&testLogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := stack.Config{DataDir: t.TempDir(), TemporalPort: ports[0], UIPort: -1, APIAddr: fmt.Sprintf("127.0.0.1:%d", ports[1]), Logger: logger, WrapAPI: apiCheck.Middleware}
	start := func() (*stack.Stack, *apiclient.Client) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s, err := stack.Start(ctx, cfg)
		if err != nil {
			t.Fatalf("starting the stack on %s: %v", cfg.DataDir, err)
		}
		return s, apiclient.New(s.APIURL, "")
	}
	s, api := start()
	closed := false
	defer func() {
		if !closed {
			_ = s.Close()
		}
	}()
	var p map[string]any
	if err := json.Unmarshal([]byte(itemProject), &p); err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	if err := api.Do(context.Background(), http.MethodPost, "/api/v1/project/import", p, &created); err != nil {
		t.Fatal(err)
	}
	job := jobRequest(created.ID, srcURL, db, nil)
	job["relationalTableFilters"] = map[string]any{"public": map[string]any{"item": map[string]any{"whereClause": windowFilter}}}
	sid := "restart-" + randomSuffix()
	if err := api.Do(context.Background(), http.MethodPost, "/api/v1/schedules", map[string]any{"id": sid, "spec": map[string]any{"interval": "2s"}, "job": job}, nil); err != nil {
		t.Fatal(err)
	}
	completedAfter := func(api *apiclient.Client, after time.Time) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			var jobs []scheduledJob
			if err := api.Do(context.Background(), http.MethodGet, "/api/v1/jobs", nil, &jobs); err == nil {
				for _, j := range jobs {
					if j.ScheduleID == sid && j.Status == "COMPLETED" && runTime(t, sid, j.ID).After(after) {
						return
					}
				}
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Fatalf("no completed run of %s after %s", sid, after.Format(time.RFC3339))
	}
	completedAfter(api, time.Time{})
	if err := s.Close(); err != nil {
		t.Logf("closing the first stack: %v", err)
	}
	closed = true
	restarted := time.Now()
	s2, api2 := start()
	defer s2.Close()
	var v scheduleView
	if err := api2.Do(context.Background(), http.MethodGet, "/api/v1/schedules/"+sid, nil, &v); err != nil || v.ID != sid {
		t.Fatalf("the schedule after the restart: %+v, %v", v, err)
	}
	completedAfter(api2, restarted)
	if err := api2.Do(context.Background(), http.MethodPost, "/api/v1/schedules/"+sid+"/pause", nil, nil); err != nil {
		t.Fatal(err)
	}
	// Let the last run end before the stack closes, so no activity is cut mid-write.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var jobs []scheduledJob
		busy := false
		if err := api2.Do(context.Background(), http.MethodGet, "/api/v1/jobs?type=IN_PROGRESS", nil, &jobs); err == nil {
			busy = len(jobs) > 0
		}
		if !busy {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestScheduleOfDeletedProject: each run of a schedule whose project was deleted is a FAILED job
// that says what happened and what to do.
func TestScheduleOfDeletedProject(t *testing.T) {
	t.Parallel()
	db, srcURL := itemsDB(t, 2)
	projectID := importProject(t, []byte(itemProject))
	sid := "orphan-" + randomSuffix()
	job := jobRequest(projectID, srcURL, db, nil)
	const password = "sched-secret-7c1f" // trust authentication ignores it; it must never show
	job["jdbcConnectionDetails"].(map[string]any)["password"] = password
	createSchedule(t, map[string]any{"id": sid, "spec": map[string]any{"interval": "1h"}, "paused": true, "job": job})
	desc, err := e2e.stack.Temporal.ScheduleClient().GetHandle(context.Background(), sid).Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var shown json.RawMessage
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/schedules/"+sid, nil, &shown); err != nil {
		t.Fatal(err)
	}
	wa, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || len(wa.Args) != 1 {
		t.Fatalf("unexpected schedule action %#v", desc.Schedule.Action)
	}
	payload, ok := wa.Args[0].(*commonpb.Payload)
	if !ok || !strings.Contains(string(payload.Data), `"source":`) {
		t.Fatalf("unexpected action input %#v", wa.Args[0])
	}
	if strings.Contains(string(payload.Data), password) || strings.Contains(string(shown), password) {
		t.Fatal("the schedule holds the password in plain text")
	}
	if err := e2e.api.Do(context.Background(), http.MethodDelete, "/api/v1/project/"+projectID, nil, nil); err != nil {
		t.Fatal(err)
	}
	scheduleAction(t, sid, "trigger", nil)
	deadline := time.Now().Add(time.Minute)
	for {
		jobs := scheduleJobs(t, sid)
		if len(jobs) == 1 && jobs[0].Status == "FAILED" {
			var j apiclient.Job
			if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+jobs[0].ID, nil, &j); err != nil {
				t.Fatal(err)
			}
			if j.FailureError == nil || !strings.Contains(j.FailureError.Message, "was deleted") || !strings.Contains(j.FailureError.Message, sid) {
				t.Fatalf("the failure does not say the project was deleted: %+v", j.FailureError)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no FAILED run of %s: %+v", sid, jobs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
