package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// Exit codes of every command (documented in --help and the README). A job's end decides the
// code of `jobs watch` and `jobs start --watch`; the other codes are shared by all commands.
const (
	exitOK           = 0   // success; for watch, the job COMPLETED
	exitFailed       = 1   // the job FAILED, or an error not listed below
	exitUsage        = 2   // bad flags or arguments, an unreadable input file, or a request the API refused (400, 404, 409, 413, 422)
	exitCancelled    = 3   // the watched job was CANCELLED
	exitAPI          = 4   // the API cannot be reached, refused the token (401, 403) or failed (5xx)
	exitVerification = 5   // the watched job COMPLETED but its verification FAILED or was ABORTED
	exitInterrupted  = 130 // Ctrl-C stopped the command (a watched job keeps running)
)

// exitCodesHelp is the exit code table printed by --help of the API commands.
const exitCodesHelp = `Exit codes:
    0  success (jobs watch: the job COMPLETED)
    1  the job FAILED (its failureError is printed), or an unexpected error
    2  usage or input error: bad flags or arguments, an unreadable file, or a request the API
       refused (400 invalid, 404 unknown id, 409 conflict, 422 cannot run); the API's message is printed
    3  the job was CANCELLED
    4  the API is unreachable, refused the token (401/403) or failed (5xx)
    5  the job COMPLETED but its verification FAILED or was ABORTED (jobs logs --type ERROR lists why)
  130  interrupted by Ctrl-C (watching stops; the job keeps running)`

// exitError carries the exit code an error should end the process with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is a usage or input error (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	var ee *exitError
	var ae *apiclient.Error
	var ue *apiclient.UnreachableError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		return exitAPI
	case errors.As(err, &ae):
		if ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden || ae.Status >= 500 {
			return exitAPI
		}
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	// cobra's own argument errors are plain errors; recognise them by their wording.
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "required flag",
		"accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(err.Error(), p) {
			return exitUsage
		}
	}
	return exitFailed
}

// describeError is the message printed for an error, with a hint when the API could not be
// reached or refused the token.
func describeError(err error) string {
	msg := err.Error()
	var ae *apiclient.Error
	var ue *apiclient.UnreachableError
	switch {
	case errors.As(err, &ue):
		msg += "\n  is the relmongo API running there? Set its address with --api or RELMONGO_API_URL"
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		msg += "\n  set the API's token with --token or RELMONGO_API_TOKEN"
	}
	return msg
}

// apiFlags are the flags shared by the commands that call the REST API (jobs, projects, schedules).
type apiFlags struct {
	url    string
	token  string
	output string
}

// addAPIFlags registers --api, --token and, when withOutput, --output on cmd and its subcommands.
// The token's default is read from the environment when the command runs, never shown in --help.
func addAPIFlags(cmd *cobra.Command, withOutput bool) *apiFlags {
	f := &apiFlags{}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.url, "api", envOr("RELMONGO_API_URL", "http://127.0.0.1:8278"), "base URL of the relmongo REST API (env RELMONGO_API_URL)")
	pf.StringVar(&f.token, "token", "", "bearer token of the API, if it requires one (default: env RELMONGO_API_TOKEN)")
	if withOutput {
		pf.StringVar(&f.output, "output", "table", "output format: table or json")
	}
	return f
}

// client returns an API client for the flags.
func (f *apiFlags) client() *apiclient.Client {
	token := f.token
	if token == "" {
		token = os.Getenv("RELMONGO_API_TOKEN")
	}
	return apiclient.New(strings.TrimRight(f.url, "/"), token)
}

// jsonOutput reports whether --output is json; another value than table or json is a usage error.
func (f *apiFlags) jsonOutput() (bool, error) {
	switch f.output {
	case "json":
		return true, nil
	case "table", "":
		return false, nil
	}
	return false, usageErrorf("--output %q: use table or json", f.output)
}

// usageArgs makes cobra's argument checks usage errors (exit 2) that say how to get help.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageErrorf("%s %v; see %s --help", cmd.CommandPath(), err, cmd.CommandPath())
		}
		return nil
	}
}

// groupCmd is a command that only holds subcommands: an unknown subcommand is a usage error (cobra
// would print the help and exit 0).
func groupCmd(use, short string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
}

// readInput reads a file, or standard input for "-".
func readInput(cmd *cobra.Command, path string) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageErrorf("reading %s: %v", path, err)
	}
	return data, nil
}

// readJSONFile reads one JSON value from path ("-" = standard input).
func readJSONFile(cmd *cobra.Command, path string) (json.RawMessage, error) {
	if path == "" {
		return nil, usageErrorf("--file is required: a JSON file, or - for standard input")
	}
	data, err := readInput(cmd, path)
	if err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, usageErrorf("%s is not valid JSON: fix it and retry", path)
	}
	return json.RawMessage(data), nil
}

// printJSON prints a value (an API answer as raw JSON or a decoded one) indented.
func printJSON(w io.Writer, v any) error {
	if raw, ok := v.(json.RawMessage); ok {
		var decoded any
		if err := json.Unmarshal(raw, &decoded); err != nil {
			_, err = w.Write(raw)
			return err
		}
		v = decoded
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// terminalWidth returns the column count of w when it is a terminal that can redraw lines in
// place (not TERM=dumb), and ok=false otherwise.
func terminalWidth(w io.Writer) (width int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile || os.Getenv("TERM") == "dumb" || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return width, true
}

// isTerminal reports whether w is a terminal that understands carriage returns and line erasing.
func isTerminal(w io.Writer) bool {
	_, ok := terminalWidth(w)
	return ok
}

// resolveProject returns the id of the project whose id or name is ref.
func resolveProject(ctx context.Context, c *apiclient.Client, ref string) (apiclient.ProjectSummary, error) {
	ps, err := c.ListProjects(ctx)
	if err != nil {
		return apiclient.ProjectSummary{}, err
	}
	for _, p := range ps {
		if p.ID == ref {
			return p, nil
		}
	}
	for _, p := range ps {
		if p.Name == ref {
			return p, nil
		}
	}
	return apiclient.ProjectSummary{}, usageErrorf("no project has the id or name %q; `relmongo projects list` shows them", ref)
}
