package tests

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/freeport"
)

// buildDemoBinary builds the relmongo command into a temporary directory (the Go build cache makes
// this a link step when the packages are compiled already).
func buildDemoBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "relmongo")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/relmongo")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/relmongo: %v\n%s", err, out)
	}
	return bin
}

// arrivalLine is one line of the demo's per-table report.
var arrivalLine = regexp.MustCompile(`^main\.(\S+)\s+(\d+)\s+(documents in|elements of) (\S+)\s+(\d+)\s+(ok|MISMATCH)$`)

// TestDemoNeedsNoDatabaseServer is issue 10's acceptance 1: with every PostgreSQL setting pointed
// at a closed port, `relmongo demo --exit` builds Chinook as SQLite in its data directory, runs
// the job on the embedded stack and prints per source table counts equal to the SQLite
// database's, a sample document and the Temporal Web UI link.
func TestDemoNeedsNoDatabaseServer(t *testing.T) {
	t.Parallel()
	bin := buildDemoBinary(t)
	ports, err := freeport.Get(1)
	if err != nil {
		t.Fatal(err)
	}
	closed := strconv.Itoa(ports[0]) // free a moment ago, so nothing answers there
	dataDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "demo", "--exit", "--data-dir", dataDir,
		"--temporal-port", "0", "--ui-port", "0", "--mongo-port", "0", "--api-addr", "127.0.0.1:0", "--log-level", "warn")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RELMONGO_") && !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	pg := "postgres://postgres@127.0.0.1:" + closed + "/postgres?sslmode=disable&connect_timeout=2"
	cmd.Env = append(env, "RELMONGO_PG_URL="+pg, "RELMONGO_TEST_PG_URL="+pg, "PGHOST=127.0.0.1", "PGPORT="+closed, "DATABASE_URL="+pg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("relmongo demo --exit: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("the demo took %v", time.Since(start).Round(time.Second))
	if strings.Contains(out, "PostgreSQL") {
		t.Errorf("the demo talked about PostgreSQL although it needs no database server:\n%s", out)
	}
	dbPath := filepath.Join(dataDir, "chinook.db")
	if !strings.Contains(out, "Built the Chinook SQLite database at "+dbPath) {
		t.Errorf("the demo did not say it built %s:\n%s", dbPath, out)
	}

	// The counts the demo printed must be the SQLite database's own.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]int64{}
	for _, table := range chinook.SQLiteTables {
		var n int64
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		want[table] = n
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		m := arrivalLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		table, rows, arrived := m[1], m[2], m[5]
		if rows != strconv.FormatInt(want[table], 10) || arrived != rows || m[6] != "ok" {
			t.Errorf("report line %q: the SQLite table %s has %d rows", line, table, want[table])
		}
		seen[table] = true
	}
	for _, table := range chinook.SQLiteTables {
		if !seen[table] {
			t.Errorf("table %s is missing from the report:\n%s", table, out)
		}
	}
	for _, s := range []string{"All 11 source tables arrived complete.", "A document of invoices:", `"lines": [`, "Temporal Web UI: http://127.0.0.1:", "/namespaces/default/workflows/"} {
		if !strings.Contains(out, s) {
			t.Errorf("the output lacks %q:\n%s", s, out)
		}
	}
	if !slices.Contains(strings.Split(out, "\n"), "  COMPLETED   rows 4,580/4,580, collections done 9/9") {
		t.Errorf("no final progress line:\n%s", out)
	}
}
