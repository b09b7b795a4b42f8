package tests

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/contract"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
)

// verifiedJob is what the verification tests read of a finished job.
type verifiedJob struct {
	Status            string `json:"status"`
	VerificationJobID string `json:"verificationJobId"`
	Metadata          struct {
		VerificationRequested bool   `json:"verificationRequested"`
		VerificationStatus    string `json:"verificationStatus"`
	} `json:"metadata"`
}

type jobEvent struct {
	EventType    string            `json:"eventType"`
	Stage        string            `json:"stage"`
	Message      string            `json:"message"`
	LocationType string            `json:"locationType"`
	LocationName string            `json:"locationName"`
	Key          map[string]string `json:"key"`
	Count        int64             `json:"count"`
}

// runVerifiedJob runs a job with verification and returns its status and VERIFICATION events.
func runVerifiedJob(t *testing.T, body map[string]any, verification map[string]any) (verifiedJob, []jobEvent) {
	t.Helper()
	body["verification"] = verification
	id := startJob(t, body)
	j := waitVerified(t, id)
	if j.Status != contract.StatusCompleted {
		t.Fatalf("job %s ended %s, want COMPLETED (verification never fails a job)", id, j.Status)
	}
	if j.VerificationJobID != id || !j.Metadata.VerificationRequested {
		t.Errorf("verificationJobId %q, verificationRequested %v; want %q and true", j.VerificationJobID, j.Metadata.VerificationRequested, id)
	}
	var evs []jobEvent
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/logs?limit=5000", nil, &evs); err != nil {
		t.Fatal(err)
	}
	var out []jobEvent
	for _, e := range evs {
		if e.Stage == "VERIFICATION" {
			out = append(out, e)
		}
	}
	return j, out
}

// waitVerified polls the job until it is terminal. Verification adds a pass over the data, so it
// waits longer than waitJob; on a timeout it shows where the job stood.
func waitVerified(t *testing.T, id string) verifiedJob {
	t.Helper()
	deadline := time.Now().Add(8 * time.Minute)
	var j verifiedJob
	for {
		if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id, nil, &j); err != nil {
			t.Fatal(err)
		}
		if contract.IsTerminal(j.Status) {
			return j
		}
		if time.Now().After(deadline) {
			var evs []jobEvent
			_ = e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/logs?limit=50", nil, &evs)
			var lines []string
			for _, l := range strings.Split(e2e.logs.String(), "\n") {
				if strings.Contains(l, id) && (strings.Contains(l, "ERROR") || strings.Contains(l, "WARN")) {
					lines = append(lines, l)
				}
			}
			t.Fatalf("job %s still %s (verification %q) after 8 minutes; events %+v; worker errors:\n%s",
				id, j.Status, j.Metadata.VerificationStatus, evs, strings.Join(lines[max(0, len(lines)-20):], "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// requireVerified checks a clean verification: VERIFIED, one INFO event per collection, no ERROR.
func requireVerified(t *testing.T, j verifiedJob, evs []jobEvent, collections []string, mode string) {
	t.Helper()
	if j.Metadata.VerificationStatus != contract.VerificationVerified {
		t.Errorf("verificationStatus %q, want VERIFIED; events %+v", j.Metadata.VerificationStatus, evs)
	}
	var verified []string
	for _, e := range evs {
		if e.EventType == "ERROR" {
			t.Errorf("verification ERROR event on a clean run: %s", e.Message)
		}
		if e.LocationType == "COLLECTION" && e.EventType == "INFO" {
			verified = append(verified, e.LocationName)
			if !strings.Contains(e.Message, "counts agree") || !strings.Contains(e.Message, mode) {
				t.Errorf("collection event %q, want the counts and %q", e.Message, mode)
			}
		}
	}
	slices.Sort(verified)
	if !slices.Equal(verified, collections) {
		t.Errorf("collections verified %v, want %v", verified, collections)
	}
}

// TestVerifyChinookFlat: a clean copy of the flat Chinook project verifies in mode ALL and in mode
// SAMPLE (default sampleSize 1000: track and playlist_track sample 20 groups of 50 rows).
func TestVerifyChinookFlat(t *testing.T) {
	t.Parallel()
	_, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	collections := []string{"albums", "artists", "customers", "employees", "genres", "invoiceLines", "invoices", "mediaTypes", "playlistTracks", "playlists", "tracks"}
	t.Run("ALL", func(t *testing.T) {
		j, evs := runVerifiedJob(t, jobRequest(projectID, srcURL, "verify_all_"+randomSuffix(), map[string]any{"chunkRows": 500}),
			map[string]any{"enabled": true, "mode": "ALL"})
		requireVerified(t, j, evs, collections, "(all root rows)")
		for _, e := range evs {
			if e.LocationName == "tracks" && e.EventType == "INFO" && !strings.Contains(e.Message, "3503 documents compared") {
				t.Errorf("tracks event %q, want 3503 documents compared", e.Message)
			}
		}
	})
	t.Run("SAMPLE", func(t *testing.T) {
		j, evs := runVerifiedJob(t, jobRequest(projectID, srcURL, "verify_sample_"+randomSuffix(), map[string]any{"chunkRows": 500}),
			map[string]any{"enabled": true})
		requireVerified(t, j, evs, collections, "")
		for _, e := range evs {
			if e.LocationName == "tracks" && e.EventType == "INFO" && !strings.Contains(e.Message, "1000 documents compared (a sample of 20 groups of 50 rows") {
				t.Errorf("tracks event %q, want a sample of 1000 documents", e.Message)
			}
		}
	})
}

// TestVerifyChinookEmbeddedAll: the embedded Chinook project (arrays, nested documents, merges)
// verifies in mode ALL: the re-assembled documents equal the stored ones byte for byte.
func TestVerifyChinookEmbeddedAll(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, chinook.PostgresProject())
	j, evs := runVerifiedJob(t, jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 50}), map[string]any{"enabled": true, "mode": "ALL"})
	var names []string
	for _, e := range evs {
		if e.LocationType == "COLLECTION" {
			names = append(names, e.LocationName)
		}
	}
	slices.Sort(names)
	if len(names) < 3 {
		t.Errorf("collections verified %v, want every collection of the project", names)
	}
	requireVerified(t, j, evs, names, "(all root rows)")
}

// TestVerifyReportsAlteredDocuments: the test hook alters 2 stored documents just before they are
// compared; verification ends FAILED, the job COMPLETED, and the ERROR events name exactly the
// altered _ids, in mode SAMPLE (flat project) and in mode ALL (embedded project).
func TestVerifyReportsAlteredDocuments(t *testing.T) {
	t.Parallel()
	_, srcURL := chinookDB(t)
	tests := []struct {
		name, mode, collection string
		project                []byte
	}{
		{"SAMPLE flat", "SAMPLE", "tracks", readTestdata(t, "chinook_flat.json")},
		{"ALL embedded", "ALL", "invoices", chinook.PostgresProject()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := "verify_alter_" + randomSuffix()
			body := jobRequest(importProject(t, tc.project), srcURL, db, map[string]any{"chunkRows": 200})
			body["testHooks"] = map[string]any{"alterBeforeVerify": map[string]any{"collection": tc.collection, "count": 2}}
			j, evs := runVerifiedJob(t, body, map[string]any{"enabled": true, "mode": tc.mode})
			if j.Metadata.VerificationStatus != contract.VerificationFailed {
				t.Errorf("verificationStatus %q, want FAILED", j.Metadata.VerificationStatus)
			}
			// The altered documents, as MongoDB has them now.
			cur, err := e2e.mongo.Database(db).Collection(tc.collection).Find(context.Background(), bson.D{{Key: contract.AlteredMarkerField, Value: true}})
			if err != nil {
				t.Fatal(err)
			}
			var altered []string
			for cur.Next(context.Background()) {
				k, err := mongosink.IDKey(cur.Current.Lookup("_id"))
				if err != nil {
					t.Fatal(err)
				}
				altered = append(altered, k)
			}
			if err := cur.Err(); err != nil {
				t.Fatal(err)
			}
			var reported []string
			summary := false
			for _, e := range evs {
				if e.EventType != "ERROR" || e.LocationType != "COLLECTION" {
					continue
				}
				if e.LocationName != tc.collection {
					t.Errorf("ERROR event about %s, only %s was altered: %s", e.LocationName, tc.collection, e.Message)
				}
				if id := e.Key["_id"]; id != "" {
					reported = append(reported, id)
					if !strings.Contains(e.Message, `extra field "`+contract.AlteredMarkerField+`"`) {
						t.Errorf("difference event %q does not name the altered field", e.Message)
					}
				} else if strings.Contains(e.Message, "2 of ") && e.Count == 2 {
					summary = true
				}
			}
			slices.Sort(altered)
			slices.Sort(reported)
			if len(altered) != 2 || !slices.Equal(reported, altered) {
				t.Errorf("reported _ids %v, altered _ids %v; want the same 2", reported, altered)
			}
			if !summary {
				t.Errorf("no summary event with the count 2 among %+v", evs)
			}
		})
	}
}

// TestVerifyRequestValidation: a bad mode or sampleSize is a 400 that names the allowed values.
func TestVerifyRequestValidation(t *testing.T) {
	t.Parallel()
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	for _, tc := range []struct {
		v    map[string]any
		want string
	}{
		{map[string]any{"enabled": true, "mode": "SOME"}, `verification.mode "SOME" must be SAMPLE`},
		{map[string]any{"enabled": true, "sampleSize": 0}, "verification.sampleSize must be between 1 and 1000000"},
	} {
		body := jobRequest(projectID, "postgres://postgres@127.0.0.1:5432/none", "verify_bad", nil)
		body["verification"] = tc.v
		err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", body, nil)
		if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("verification %v: %v, want 400 with %q", tc.v, err, tc.want)
		}
	}
}
