package tests

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/stack"
)

// TestMaxConcurrentJobsAndLegacyCodes: with --max-concurrent-jobs 1 a second job (another
// project) is refused while the first is in progress; with --rm-legacy-status-codes the refusals
// use Relational Migrator 1.13–1.18's codes (470, 440, 400). The stack has no worker, so the first
// job stays NOT_STARTED (in progress) for as long as the test needs.
func TestMaxConcurrentJobsAndLegacyCodes(t *testing.T) {
	t.Parallel()
	s := startBareStack(t, func(c *stack.Config) { c.MaxConcurrentJobs = 1; c.LegacyStatusCodes = true })
	db, srcURL := seriesDB(t, 100)
	ctx := context.Background()
	p1 := importProjectTo(t, s.api, seriesProject())
	p2 := importProjectTo(t, s.api, seriesProject())
	var first apiclient.Job
	if err := s.api.Do(ctx, http.MethodPost, "/api/v1/jobs", jobRequestTo(s.Dev.MongoURI(), p1, srcURL, db, nil), &first); err != nil {
		t.Fatal(err)
	}
	code := func(body map[string]any) (int, string) {
		err := s.api.Do(ctx, http.MethodPost, "/api/v1/jobs", body, nil)
		var apiErr *apiclient.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("got %v, want an API error", err)
		}
		return apiErr.Status, apiErr.Error()
	}
	if st, msg := code(jobRequestTo(s.Dev.MongoURI(), p2, srcURL, db+"_other", nil)); st != 470 || !strings.Contains(msg, "--max-concurrent-jobs") {
		t.Errorf("second job over the limit: %d %s, want 470 naming --max-concurrent-jobs", st, msg)
	}
	if st, msg := code(jobRequestTo(s.Dev.MongoURI(), p1, srcURL, db, nil)); st != 470 {
		t.Errorf("same project and target: %d %s, want 470", st, msg)
	}
	noDB := jobRequestTo(s.Dev.MongoURI(), p2, srcURL, db, nil)
	noDB["mongodbConnectionDetails"] = map[string]any{"connectionString": strings.TrimRight(s.Dev.MongoURI(), "/")}
	if st, msg := code(noDB); st != 440 {
		t.Errorf("connection string without a database: %d %s, want 440", st, msg)
	}
	expectControl(t, s.api, first.ID, "stop", http.StatusOK, "CANCELLING")
	expectControl(t, s.api, first.ID, "pause", http.StatusBadRequest)
	expectControl(t, s.api, first.ID, "stop", http.StatusOK, "CANCELLING")
}
