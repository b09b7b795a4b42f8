package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeAPI answers the job and project endpoints the CLI calls, from fixed data; a watched job
// advances one step per status poll.
type fakeAPI struct {
	mu       sync.Mutex
	steps    []string // statuses the job goes through, one per GET /jobs/j1 ("COMPLETED+FAILED": verification FAILED)
	polls    int
	lastBody string
	lastPath string
	lastGet  string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodGet {
		f.lastBody, f.lastPath = string(b), r.Method+" "+r.URL.RequestURI()
	} else if r.URL.Path != "/api/v1/project" {
		f.lastGet = r.URL.RequestURI()
	}
	w.Header().Set("Content-Type", "application/json")
	status := "RUNNING"
	if len(f.steps) > 0 {
		status = f.steps[min(f.polls, len(f.steps)-1)]
	}
	verification := ""
	if st, v, ok := strings.Cut(status, "+"); ok {
		status, verification = st, v
	}
	job := func() string {
		fail := ""
		if verification != "" {
			fail = `,"metadata":{"verificationRequested":true,"verificationStatus":"` + verification + `"}`
		}
		if status == "FAILED" {
			fail = `,"failureError":{"errorType":"SOURCE","message":"syntax error at or near \"(\"","failedLocation":"genres","failedLocationType":"COLLECTION"}`
		}
		return `{"id":"j1","projectId":"p1","status":"` + status + `","submittedAt":"2026-01-01T00:00:00Z","options":{"mode":"SNAPSHOT"},` +
			`"statistics":{"elapsedSeconds":3,"totalTableCount":1,"remainingTableCount":0,"totalEvents":10,"totalEventsSeen":10}` + fail + `}`
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /api/v1/project":
		_, _ = w.Write([]byte(`[{"id":"p1","name":"chinook","type":"POSTGRESQL","lastModified":"2026-01-01T00:00:00Z"}]`))
	case "POST /api/v1/project/import":
		_, _ = w.Write([]byte(`{"id":"p2","name":"imported","type":"POSTGRESQL","lastModified":"2026-01-01T00:00:00Z"}`))
	case "GET /api/v1/project/p1/export":
		_, _ = w.Write([]byte(`{"version":1,"name":"chinook","source":{"type":"POSTGRESQL","schemas":["public"]},"collections":[]}`))
	case "POST /api/v1/jobs", "POST /api/v1/jobs/j1/pause":
		_, _ = w.Write([]byte(job()))
	case "GET /api/v1/jobs":
		_, _ = w.Write([]byte("[" + job() + "]"))
	case "GET /api/v1/jobs/j1":
		_, _ = w.Write([]byte(job()))
		f.polls++
	case "GET /api/v1/jobs/j1/tables":
		_, _ = w.Write([]byte(`{"jobId":"j1","status":"` + status + `","collections":[{"collection":"genres","state":"RUNNING","rootTable":"public.genre","estimatedRows":10,"rowsRead":4}]}`))
	case "GET /api/v1/jobs/j1/logs":
		_, _ = w.Write([]byte(`[{"eventType":"INFO","message":"job completed","timestamp":"2026-01-01T00:00:03Z","stackTrace":[]},` +
			`{"eventType":"INFO","message":"job started","timestamp":"2026-01-01T00:00:00Z","stackTrace":[]}]`))
	case "POST /api/v1/jobs/gone/stop":
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"message":"job gone is COMPLETED: it cannot be stopped","timestamp":"2026-01-01T00:00:00Z"}`))
	case "GET /api/v1/jobs/secret":
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"missing or wrong bearer token","timestamp":"2026-01-01T00:00:00Z"}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"no endpoint ` + r.URL.Path + `","timestamp":"2026-01-01T00:00:00Z"}`))
	}
}

// runCLI runs the relmongo command with args and returns its output and exit code.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := rootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("relmongo: " + describeError(err) + "\n")
	}
	return out.String(), errOut.String(), exitCode(err)
}

func TestJobsAndProjectsCommands(t *testing.T) {
	t.Setenv("RELMONGO_SOURCE_PASSWORD", "pw-from-env")
	t.Setenv("RELMONGO_API_TOKEN", "")
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	exported := filepath.Join(dir, "export.json")
	cases := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		out      []string // substrings of stdout
		errOut   []string // substrings of stderr
		sent     string   // substring of the last non-GET request's method, path and body
		get      string   // the last GET's path and query (project look-ups aside)
		wantJSON bool
	}{
		{name: "start from flags prints the id", args: []string{"jobs", "start", "--project", "chinook", "--source-url", "postgres://u@h/db", "--target", "mongodb://h/t", "--drop"},
			out: []string{"j1\n"}, sent: `POST /api/v1/jobs {"jdbcConnectionDetails":{"password":"pw-from-env","type":"POSTGRESQL","url":"postgres://u@h/db"},"mongodbConnectionDetails":{"connectionString":"mongodb://h/t"},"options":{"dropCollections":true,"mode":"SNAPSHOT"},"projectId":"p1","verification":{"enabled":false}}`},
		{name: "start with json output prints the status object", args: []string{"jobs", "start", "--project", "p1", "--source-url", "postgres://h/db", "--target", "mongodb://h/t", "--output", "json"},
			wantJSON: true, out: []string{`"status": "RUNNING"`, `"options": {`}},
		{name: "start reads the password from stdin", stdin: "pw-from-stdin\n", args: []string{"jobs", "start", "--project", "p1", "--source-url", "postgres://h/db", "--target", "mongodb://h/t", "--source-password-stdin"},
			sent: `"password":"pw-from-stdin"`},
		{name: "start with an unknown project", args: []string{"jobs", "start", "--project", "nope", "--source-url", "postgres://h/db", "--target", "mongodb://h/t"},
			code: exitUsage, errOut: []string{`no project has the id or name "nope"`}},
		{name: "start without what it needs", args: []string{"jobs", "start"}, code: exitUsage, errOut: []string{"projectId is missing: give --project"}},
		{name: "pause", args: []string{"jobs", "pause", "j1"}, out: []string{"job j1: RUNNING\n"}, sent: "POST /api/v1/jobs/j1/pause"},
		{name: "a refused control shows the API's message", args: []string{"jobs", "stop", "gone"}, code: exitUsage, errOut: []string{"HTTP 409: job gone is COMPLETED: it cannot be stopped"}},
		{name: "a refused token", args: []string{"jobs", "show", "secret"}, code: exitAPI, errOut: []string{"HTTP 401: missing or wrong bearer token", "--token or RELMONGO_API_TOKEN"}},
		{name: "an unknown job", args: []string{"jobs", "show", "j2"}, code: exitUsage, errOut: []string{"HTTP 404"}},
		{name: "show", args: []string{"jobs", "show", "j1"}, out: []string{"Status:       RUNNING", "genres      RUNNING  4"}},
		{name: "list", args: []string{"jobs", "list", "--in-progress", "--limit", "5", "--project", "chinook", "--sort", "status,ASC"},
			out: []string{"ID  STATUS   PROJECT  SUBMITTED             ELAPSED  ROWS   COLLECTIONS\nj1  RUNNING  chinook  2026-01-01T00:00:00Z  3s       10/10  1/1\n"},
			get: "/api/v1/jobs?limit=5&projectId=p1&sort=status%2CASC&type=IN_PROGRESS"},
		{name: "an unknown job", args: []string{"jobs", "logs", "j2", "--limit", "3", "--offset", "1", "--type", "error"}, code: exitUsage, errOut: []string{"HTTP 404"},
			get: "/api/v1/jobs/j2/logs?eventType=ERROR&limit=3&offset=1"},
		{name: "logs are printed oldest first", args: []string{"jobs", "logs", "j1"}, out: []string{"INFO     job started\n2026-01-01T00:00:03Z  INFO     job completed\n"}},
		{name: "logs as json keep the API's order", args: []string{"jobs", "logs", "j1", "--output", "json"}, wantJSON: true, out: []string{"job completed"}},
		{name: "a bad output format", args: []string{"jobs", "show", "j1", "--output", "yaml"}, code: exitUsage, errOut: []string{`--output "yaml": use table or json`}},
		{name: "a missing argument", args: []string{"jobs", "watch"}, code: exitUsage, errOut: []string{"accepts 1 arg(s), received 0"}},
		{name: "an unknown flag", args: []string{"jobs", "list", "--bogus"}, code: exitUsage, errOut: []string{"unknown flag: --bogus"}},
		{name: "an unknown subcommand", args: []string{"jobs", "bogus"}, code: exitUsage, errOut: []string{`unknown command "bogus"`}},
		{name: "import prints the id", stdin: `{"name":"x"}`, args: []string{"projects", "import", "-f", "-"}, out: []string{"p2\n"}, sent: `POST /api/v1/project/import {"name":"x"}`},
		{name: "import of a file that is not JSON", stdin: `{`, args: []string{"projects", "import", "-f", "-"}, code: exitUsage, errOut: []string{"- is not valid JSON"}},
		{name: "list projects", args: []string{"projects", "list"}, out: []string{"ID  NAME     TYPE        LAST MODIFIED\np1  chinook  POSTGRESQL  2026-01-01T00:00:00Z\n"}},
		{name: "export by name to a file", args: []string{"projects", "export", "chinook", "-o", exported}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.stdin, append(tc.args, "--api", srv.URL)...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.out {
				if !strings.Contains(out, s) {
					t.Fatalf("stdout\n%s\ndoes not contain %q", out, s)
				}
			}
			for _, s := range tc.errOut {
				if !strings.Contains(errOut, s) {
					t.Fatalf("stderr\n%s\ndoes not contain %q", errOut, s)
				}
			}
			if tc.sent != "" && !strings.Contains(api.lastPath+" "+api.lastBody, tc.sent) {
				t.Fatalf("last request %s %s, want %s", api.lastPath, api.lastBody, tc.sent)
			}
			if tc.get != "" && api.lastGet != tc.get {
				t.Fatalf("last GET %s, want %s", api.lastGet, tc.get)
			}
			if tc.wantJSON && !json.Valid([]byte(out)) {
				t.Fatalf("--output json printed something else than JSON:\n%s", out)
			}
			if strings.Contains(out+errOut, "pw-from") {
				t.Fatalf("a password was printed:\n%s\n%s", out, errOut)
			}
		})
	}
	doc, err := os.ReadFile(exported)
	if err != nil || !strings.Contains(string(doc), `"name": "chinook"`) {
		t.Fatalf("the exported file: %v\n%s", err, doc)
	}
}

func TestWatchExitCodes(t *testing.T) {
	cases := []struct {
		steps []string
		code  int
		out   []string
		err   string
	}{
		{[]string{"RUNNING", "RUNNING", "COMPLETED"}, exitOK, []string{"job j1  RUNNING", "  genres  RUNNING  4/10 rows (40.0%)", "job j1 COMPLETED after 3s"}, ""},
		{[]string{"RUNNING", "FAILED"}, exitFailed, []string{"failure: SOURCE: syntax error"}, `job j1 FAILED: SOURCE: syntax error at or near "(" (COLLECTION genres)`},
		{[]string{"CANCELLED"}, exitCancelled, []string{"job j1 CANCELLED after 3s"}, "job j1 was CANCELLED"},
		{[]string{"RUNNING+VERIFYING", "COMPLETED+VERIFIED"}, exitOK, []string{"verification VERIFYING", "verification: VERIFIED"}, ""},
		{[]string{"RUNNING+VERIFYING", "COMPLETED+FAILED"}, exitVerification, []string{"verification: FAILED"},
			"job j1 COMPLETED but its verification FAILED: see relmongo jobs logs j1 --type ERROR"},
	}
	for _, tc := range cases {
		t.Run(tc.steps[len(tc.steps)-1], func(t *testing.T) {
			srv := httptest.NewServer(&fakeAPI{steps: tc.steps})
			defer srv.Close()
			out, errOut, code := runCLI(t, "", "jobs", "watch", "j1", "--interval", "10ms", "--api", srv.URL)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\n%s\n%s", code, tc.code, out, errOut)
			}
			for _, s := range tc.out {
				if !strings.Contains(out, s) {
					t.Fatalf("stdout\n%s\ndoes not contain %q", out, s)
				}
			}
			if !strings.Contains(errOut, tc.err) {
				t.Fatalf("stderr %q does not contain %q", errOut, tc.err)
			}
			if strings.ContainsAny(out, "\r\x1b") {
				t.Fatalf("plain output has a carriage return or an escape sequence: %q", out)
			}
		})
	}
	// No server at all: exit 4 after the grace period would be too slow for a unit test; a
	// one-shot command shows the code.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, errOut, code := runCLI(t, "", "jobs", "show", "j1", "--api", url)
	if code != exitAPI || !strings.Contains(errOut, "is the relmongo API running there?") {
		t.Fatalf("an unreachable API: exit %d, %s", code, errOut)
	}
}
