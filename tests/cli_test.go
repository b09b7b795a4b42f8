package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/chinook"
)

// cliBinary builds the relmongo command once for the CLI tests.
var cliBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "relmongo-cli-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "relmongo")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/relmongo")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/relmongo: %v\n%s", err, out)
	}
	return bin, nil
})

// cliResult is what one run of the CLI printed and how it exited.
type cliResult struct {
	stdout, stderr string
	code           int
}

// cliEnv is the environment of a CLI run: the API address from RELMONGO_API_URL (the flag is
// tested too), no token, no other RELMONGO_ setting of the developer's shell.
func cliEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RELMONGO_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "RELMONGO_API_URL="+e2e.stack.APIURL), extra...)
}

// runCLI runs the relmongo binary with args (stdin: in) and returns its output and exit code.
func runCLI(t *testing.T, in string, args ...string) cliResult {
	t.Helper()
	bin, err := cliBinary()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cliEnv("RELMONGO_SOURCE_PASSWORD=")
	cmd.Stdin = strings.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running relmongo %v: %v", args, err)
	}
	return cliResult{out.String(), errOut.String(), code}
}

// want fails the test unless the run exited with code and its output contains every string.
func (r cliResult) want(t *testing.T, what string, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
	}
	for _, s := range contains {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("%s: the output does not contain %q\nstdout:\n%s\nstderr:\n%s", what, s, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "goroutine ") {
		t.Fatalf("%s: a Go stack trace was printed:\n%s", what, r.stderr)
	}
}

// TestCLIDemo is issue 9's acceptance 1: the demo through the CLI alone — import the Chinook
// project, start a job and watch it to completion, read its logs — then a failing job, checking
// the output and exit code of each step.
func TestCLIDemo(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	target := targetURI(db)

	var doc map[string]any
	if err := json.Unmarshal(chinook.PostgresProject(), &doc); err != nil {
		t.Fatal(err)
	}
	name := "cli-chinook-" + randomSuffix()
	doc["name"] = name
	projectFile := filepath.Join(t.TempDir(), "project.json")
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(projectFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	imported := runCLI(t, "", "projects", "import", "-f", projectFile)
	imported.want(t, "projects import", 0)
	projectID := strings.TrimSpace(imported.stdout)
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(projectID) {
		t.Fatalf("projects import printed %q, want the project id", imported.stdout)
	}
	list := runCLI(t, "", "projects", "list", "--output", "json", "--api", e2e.stack.APIURL)
	list.want(t, "projects list", 0, projectID)
	var projects []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(list.stdout), &projects); err != nil {
		t.Fatalf("projects list --output json is not JSON: %v\n%s", err, list.stdout)
	}
	shown := runCLI(t, "", "projects", "show", name)
	shown.want(t, "projects show", 0, "Name:           "+name, "tracks[]+=public.track")
	if !regexp.MustCompile(`(?m)^tracks\s+public\.track\s+album=public\.album, album\.artist=public\.artist`).MatchString(shown.stdout) {
		t.Fatalf("projects show has no line for tracks:\n%s", shown.stdout)
	}

	// Start by project name and watch to the end; the output is a pipe, so plain lines.
	started := runCLI(t, "", "jobs", "start", "--project", name, "--source-url", srcURL, "--target", target, "--drop", "--watch", "--interval", "200ms")
	started.want(t, "jobs start --watch", 0, "COMPLETED")
	var collections []string
	for _, c := range doc["collections"].([]any) {
		collections = append(collections, c.(map[string]any)["name"].(string))
	}
	for _, c := range collections {
		if !regexp.MustCompile(`(?m)^` + c + `\s+DONE\s`).MatchString(started.stdout) {
			t.Fatalf("the summary has no DONE line for collection %s:\n%s", c, started.stdout)
		}
	}
	if strings.ContainsAny(started.stdout, "\r\x1b") {
		t.Fatalf("output to a pipe has carriage returns or escape sequences: %q", started.stdout)
	}
	jobID := regexp.MustCompile(`started job ([0-9a-f-]{36})`).FindStringSubmatch(started.stderr)
	if jobID == nil {
		t.Fatalf("jobs start --watch did not say which job it started:\n%s", started.stderr)
	}
	id := jobID[1]
	conn := pgConn(t, srcURL)
	for coll, table := range map[string]string{"tracks": "track", "genres": "genre", "invoices": "invoice"} {
		var rows int64
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		n, err := e2e.mongo.Database(db).Collection(coll).CountDocuments(context.Background(), bson.D{})
		if err != nil || n != rows {
			t.Fatalf("%s has %d documents (%v), want %d", coll, n, err, rows)
		}
		if !regexp.MustCompile(`(?m)^` + coll + `\s+DONE\s+` + thousandsOf(rows) + `\s`).MatchString(started.stdout) {
			t.Fatalf("the summary does not show %s rows read for %s:\n%s", thousandsOf(rows), coll, started.stdout)
		}
	}

	logs := runCLI(t, "", "jobs", "logs", id)
	logs.want(t, "jobs logs", 0, "TIME", "INFO     snapshot completed")
	logsJSON := runCLI(t, "", "jobs", "logs", id, "--output", "json", "--limit", "1")
	logsJSON.want(t, "jobs logs --output json", 0)
	var events []struct{ EventType, Message string }
	if err := json.Unmarshal([]byte(logsJSON.stdout), &events); err != nil || len(events) != 1 || events[0].Message != "snapshot completed" {
		t.Fatalf("jobs logs --output json --limit 1: %v %+v\n%s", err, events, logsJSON.stdout)
	}
	show := runCLI(t, "", "jobs", "show", id, "--output", "json")
	show.want(t, "jobs show --output json", 0)
	var status struct {
		ID, Status string
		Options    map[string]any
	}
	if err := json.Unmarshal([]byte(show.stdout), &status); err != nil || status.ID != id || status.Status != "COMPLETED" || status.Options["dropCollections"] != true {
		t.Fatalf("jobs show --output json: %v %+v\n%s", err, status, show.stdout)
	}
	runCLI(t, "", "jobs", "list", "--project", projectID).want(t, "jobs list", 0, id+"  COMPLETED  "+name)
	runCLI(t, "", "jobs", "watch", id).want(t, "jobs watch of a finished job", 0, "job "+id+" COMPLETED")

	// A failing job: a filter that would escape its parentheses fails the job.
	failing := runCLI(t, "", "jobs", "start", "--project", projectID, "--source-url", srcURL, "--target", targetURI(db+"_bad"),
		"--collections", "genres", "--where", "public.genre=1=0) OR (1=1", "--output", "json")
	failing.want(t, "jobs start of the failing job", 0)
	var failed struct{ ID string }
	if err := json.Unmarshal([]byte(failing.stdout), &failed); err != nil || failed.ID == "" {
		t.Fatalf("jobs start --output json: %v\n%s", err, failing.stdout)
	}
	watched := runCLI(t, "", "jobs", "watch", failed.ID, "--interval", "200ms")
	watched.want(t, "jobs watch of the failing job", 1, "job "+failed.ID+" FAILED", "balanced parentheses")

	// Errors: the API's message and the documented exit codes.
	runCLI(t, "", "jobs", "watch", "no-such-job").want(t, "watching an unknown job", 2, "HTTP 404", "no-such-job")
	runCLI(t, "", "jobs", "pause", id).want(t, "pausing a finished job", 2, "HTTP 409")
	runCLI(t, "", "jobs", "start", "--project", projectID, "--source-url", srcURL).want(t, "a job without a target", 2, "give --target")
	runCLI(t, "", "jobs", "list", "--api", "http://127.0.0.1:1").want(t, "an unreachable API", 4, "is the relmongo API running there?")
}

// thousandsOf prints n as the CLI does (15,607).
func thousandsOf(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestCLIWatchTerminal is issue 9's acceptance 2: `jobs watch` of a throttled job under a
// pseudo-terminal redraws its bars in place with growing figures, and the same watch into a pipe
// prints plain lines without any escape sequence.
func TestCLIWatchTerminal(t *testing.T) {
	t.Parallel()
	bin, err := cliBinary()
	if err != nil {
		t.Fatal(err)
	}
	db, srcURL := chinookDB(t)
	projectID := importProject(t, chinook.PostgresProject())
	body := jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 200, "chunkWindow": 2})
	body["collectionFilters"] = []string{"tracks", "genres"}
	body["testHooks"] = map[string]any{"throttleRowsPerSecond": 250}
	id := startJob(t, body)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var ttyOut, plainOut bytes.Buffer
	var ttyErr, plainErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		cmd := exec.CommandContext(ctx, bin, "jobs", "watch", id, "--interval", "250ms")
		cmd.Env = cliEnv("TERM=xterm")
		f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 150})
		if err != nil {
			ttyErr = err
			return
		}
		defer f.Close()
		_, _ = io.Copy(&ttyOut, f) // ends with EIO when the process exits and the pty closes
		ttyErr = cmd.Wait()
	}()
	go func() {
		defer wg.Done()
		cmd := exec.CommandContext(ctx, bin, "jobs", "watch", id, "--interval", "250ms", "--plain-every", "1s")
		cmd.Env = cliEnv("TERM=xterm")
		cmd.Stdout, cmd.Stderr = &plainOut, &plainOut
		plainErr = cmd.Run()
	}()
	wg.Wait()
	if ttyErr != nil || plainErr != nil {
		t.Fatalf("watch under a pty: %v; into a pipe: %v\npty output: %q\npipe output:\n%s", ttyErr, plainErr, ttyOut.String(), plainOut.String())
	}
	tty, plain := ttyOut.String(), plainOut.String()

	// Under the pty: the block is redrawn in place (cursor up, erase line) with growing figures.
	if n := len(regexp.MustCompile(`\x1b\[\d+A`).FindAllString(tty, -1)); n < 3 {
		t.Fatalf("%d cursor-up sequences under a pty, want several redraws: %q", n, tty)
	}
	if !strings.Contains(tty, "\r\x1b[K") {
		t.Fatalf("no line erase under a pty: %q", tty)
	}
	bars := distinct(regexp.MustCompile(`tracks\s+\[[#.]+\]\s+\d+% ([\d,]+)/3,503 rows`), tty)
	if len(bars) < 3 {
		t.Fatalf("the tracks bar showed %v rows, want at least 3 distinct values: %q", bars, tty)
	}
	if !strings.Contains(tty, "rows/s") || !strings.Contains(tty, "ETA ") || !strings.Contains(tty, "job "+id+" COMPLETED") {
		t.Fatalf("no rate, ETA or summary under a pty: %q", tty)
	}

	// Into a pipe: plain lines only, still several progress values, and the summary.
	if strings.ContainsAny(plain, "\r\x1b") {
		t.Fatalf("output to a pipe has carriage returns or escape sequences: %q", plain)
	}
	lines := distinct(regexp.MustCompile(`(?m)^  tracks  RUNNING  ([\d,]+)/3,503 rows`), plain)
	if len(lines) < 2 {
		t.Fatalf("the plain output showed tracks at %v rows, want at least 2 distinct values:\n%s", lines, plain)
	}
	if !regexp.MustCompile(`(?m)^tracks\s+DONE\s+3,503\s`).MatchString(plain) || !strings.Contains(plain, "job "+id+" COMPLETED") {
		t.Fatalf("no summary in the plain output:\n%s", plain)
	}
}

// distinct returns the distinct first submatches of re in s, in order of appearance.
func distinct(re *regexp.Regexp, s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}
