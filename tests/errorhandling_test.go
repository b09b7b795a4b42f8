package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

// Record errors under each errorHandling (API.md, Record errors). The table has 20 rows; the bad
// ones are honest failures: doubles FerretDB refuses (NaN, ±Infinity) and a numeric overridden to
// DOUBLE whose value no double represents exactly.

// badRow is a row that cannot become a document on the embedded target.
type badRow struct {
	id     int
	column string
	set    string // SQL assignment that makes the row bad
}

var badRows = []badRow{
	{5, "val", "val = 'NaN'"},
	{9, "amount", "amount = 0.10000000000000000001"},
	{13, "val", "val = 'Infinity'"},
	{17, "val", "val = '-Infinity'"},
}

// readingsDB creates the table readings with 20 good rows, then makes the first nBad of badRows bad.
func readingsDB(t *testing.T, nBad int) (name, url string) {
	t.Helper()
	name, url = emptyTestDB(t)
	stmts := []string{
		"CREATE TABLE readings (id integer PRIMARY KEY, val double precision, amount numeric, note text)",
		"INSERT INTO readings SELECT i, i * 0.5, (i || '.25')::numeric, 'row ' || i FROM generate_series(1, 20) i",
	}
	for _, b := range badRows[:nBad] {
		stmts = append(stmts, fmt.Sprintf("UPDATE readings SET %s WHERE id = %d", b.set, b.id))
	}
	conn := pgConn(t, url)
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return name, url
}

func readingsProject() []byte {
	b, _ := json.Marshal(map[string]any{
		"version": 1, "name": "readings",
		"source":   map[string]any{"type": "POSTGRESQL", "schemas": []string{"public"}},
		"settings": map[string]any{"casing": "KEEP"},
		"collections": []any{map[string]any{
			"name": "readings", "table": map[string]any{"schema": "public", "name": "readings"},
			// DOUBLE applies only when the value is exactly a double: 0.10000000000000000001 is not.
			"fields": map[string]any{"amount": map[string]any{"type": "DOUBLE"}},
		}},
	})
	return b
}

func TestErrorHandling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		handling  string
		tolerance int
		bad       int
		// chunkRows 4 with chunk 1 (rows 5-8) failing once after its first batch: the record
		// error of row 5 is reported by both attempts and must count once.
		chunkRows  int
		failChunk1 bool
		status     string
		eventType  string // of the per-record events; "" = none
		summary    bool   // one WARNING per table with the count (SKIP)
	}{
		{name: "FAIL tolerance 0", handling: "FAIL", tolerance: 0, bad: 1, chunkRows: 100, status: "FAILED", eventType: "ERROR"},
		{name: "FAIL tolerance 3 with 3 bad rows", handling: "FAIL", tolerance: 3, bad: 3, chunkRows: 100, status: "COMPLETED", eventType: "ERROR"},
		{name: "FAIL tolerance 3 with 4 bad rows", handling: "FAIL", tolerance: 3, bad: 4, chunkRows: 100, status: "FAILED", eventType: "ERROR"},
		{name: "FAIL default tolerance retried chunk", handling: "", bad: 1, chunkRows: 4, failChunk1: true, status: "FAILED", eventType: "ERROR"},
		{name: "WARN", handling: "WARN", bad: 4, chunkRows: 4, failChunk1: true, status: "COMPLETED", eventType: "WARNING"},
		{name: "SKIP", handling: "SKIP", bad: 4, chunkRows: 4, failChunk1: true, status: "COMPLETED", summary: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, srcURL := readingsDB(t, tc.bad)
			opts := map[string]any{"chunkRows": tc.chunkRows}
			if tc.handling != "" {
				opts["errorHandling"] = tc.handling
				opts["errorTolerance"] = tc.tolerance
			}
			body := jobRequest(importProject(t, readingsProject()), srcURL, db, opts)
			if tc.failChunk1 {
				body["testHooks"] = map[string]any{"failChunkOnce": 1}
			}
			job := waitJob(t, startJob(t, body))
			if job.Status != tc.status {
				t.Fatalf("job %s, want %s (failure %+v)", job.Status, tc.status, job.FailureError)
			}
			if tc.status == "FAILED" {
				if job.FailureError == nil || job.FailureError.ErrorType != "RecordErrorLimitExceeded" || !strings.Contains(job.FailureError.Message, "errorTolerance") {
					t.Errorf("failureError %+v, want RecordErrorLimitExceeded naming errorTolerance", job.FailureError)
				}
			}
			if tc.failChunk1 && !activityRetried(t, job.ID+"-readings") {
				t.Error("the failing-chunk hook did not make CopyChunk retry: the test proves nothing about retries")
			}

			evs := jobEvents(t, job.ID)
			byKey := recordEvents(evs)
			for _, b := range badRows[:tc.bad] {
				got := byKey[strconv.Itoa(b.id)]
				if tc.eventType == "" {
					if len(got) != 0 {
						t.Errorf("row %d: record events %+v under %s", b.id, got, tc.handling)
					}
					continue
				}
				if len(got) != 1 {
					t.Errorf("row %d: %d record events, want exactly 1: %+v", b.id, len(got), got)
					continue
				}
				e := got[0]
				if e.EventType != tc.eventType || e.LocationType != "TABLE" || e.LocationName != "public.readings" || e.FieldName != b.column || e.Count != 1 {
					t.Errorf("row %d: event %+v, want %s on public.readings column %s", b.id, e, tc.eventType, b.column)
				}
				if !strings.Contains(e.Message, "key (id="+strconv.Itoa(b.id)+")") || !strings.Contains(e.Message, b.column) {
					t.Errorf("row %d: message %q does not name key and column", b.id, e.Message)
				}
			}
			if tc.eventType != "" && len(byKey) != tc.bad {
				t.Errorf("%d rows with record events, want %d", len(byKey), tc.bad)
			}
			var summaries []apiEvent
			for _, e := range evs {
				if e.EventType == "WARNING" && len(e.Key) == 0 && e.ErrorType == "RecordError" {
					summaries = append(summaries, e)
				}
			}
			switch {
			case tc.summary:
				if len(summaries) != 1 || summaries[0].Count != int64(tc.bad) || summaries[0].LocationName != "public.readings" ||
					!strings.Contains(summaries[0].Message, fmt.Sprintf("%d records were skipped", tc.bad)) {
					t.Errorf("summaries %+v, want one WARNING for public.readings with count %d", summaries, tc.bad)
				}
			case len(summaries) > 0:
				t.Errorf("unexpected summaries %+v", summaries)
			}

			if tc.status != "COMPLETED" {
				return
			}
			// Every other row arrives, exactly; a bad row is never written with altered values.
			coll := e2e.mongo.Database(db).Collection("readings")
			n, err := coll.CountDocuments(context.Background(), bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(20-tc.bad) {
				t.Errorf("%d documents, want %d", n, 20-tc.bad)
			}
			for id := 1; id <= 20; id++ {
				var doc bson.M
				err := coll.FindOne(context.Background(), bson.M{"_id": int32(id)}).Decode(&doc)
				isBad := false
				for _, b := range badRows[:tc.bad] {
					isBad = isBad || b.id == id
				}
				if isBad {
					if err == nil {
						t.Errorf("bad row %d was written: %v", id, doc)
					}
					continue
				}
				if err != nil {
					t.Errorf("row %d: %v", id, err)
					continue
				}
				if doc["val"] != float64(id)*0.5 || doc["amount"] != float64(id)+0.25 || doc["note"] != "row "+strconv.Itoa(id) {
					t.Errorf("row %d: %v", id, doc)
				}
			}
			if job.Statistics.TotalEventsSeen != 20 {
				t.Errorf("totalEventsSeen %d, want 20", job.Statistics.TotalEventsSeen)
			}
		})
	}
}
