package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// composeFile is the part of docker-compose.yml the test reads.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     any               `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Profiles []string `yaml:"profiles"`
}

// relmongoBinary is where the Dockerfile installs relmongo.
const relmongoBinary = "/usr/local/bin/relmongo"

// envReadRe finds the environment variables relmongo's commands read.
var envReadRe = regexp.MustCompile(`(?:envOr|Getenv|LookupEnv)\("([A-Z0-9_]+)"`)

// envRead lists the variables this package's (non-test) sources read.
func envRead(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envReadRe.FindAllStringSubmatch(string(src), -1) {
			out[m[1]] = true
		}
	}
	if !out["RELMONGO_API_TOKEN"] || !out["TEMPORAL_ADDRESS"] {
		t.Fatalf("the scan of envOr/Getenv calls found only %v", out)
	}
	return out
}

// relmongoArgs checks that args are a relmongo command line whose flags exist, and returns the
// flag values it sets (by name) or a problem.
func relmongoArgs(args []string) (string, map[string]string, error) {
	root := rootCmd() // fresh: parsing sets the flags' values
	cmd, rest, err := root.Find(args)
	if err != nil {
		return "", nil, errors.New(strings.Join(strings.Fields(err.Error()), " ")) // cobra's is multi-line
	}
	if cmd == root {
		return "", nil, fmt.Errorf("%q is not a relmongo command", strings.Join(args, " "))
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return "", nil, fmt.Errorf("`relmongo %s`: %w", strings.Join(args, " "), err)
	}
	vals := map[string]string{}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { vals[f.Name] = f.Value.String() })
	return cmd.Name(), vals, nil
}

// composeProblems lists every way the compose file disagrees with relmongo.
func composeProblems(data []byte, envs map[string]bool) []string {
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		return []string{"docker-compose.yml does not parse: " + err.Error() +
			" (depends_on must use the long form {condition: ...}, environment the map form)"}
	}
	var probs []string
	bad := func(service, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("service %s: ", service)+fmt.Sprintf(format, args...))
	}
	relmongoEnv := map[string]map[string]string{}
	for _, name := range sortedKeys(cf.Services) {
		s := cf.Services[name]
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				bad(name, "port %q is not published on 127.0.0.1 only", p)
			}
		}
		for _, v := range s.Volumes {
			vol, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(vol, ".") && !strings.HasPrefix(vol, "/") && cf.Volumes != nil {
				if _, ok := cf.Volumes[vol]; !ok {
					bad(name, "volume %s is not declared under volumes:", vol)
				}
			}
		}
		for dep, d := range s.DependsOn {
			target, ok := cf.Services[dep]
			switch {
			case !ok:
				bad(name, "depends on %s, which is not a service", dep)
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				bad(name, "waits for %s to be healthy, but %s has no healthcheck", dep, dep)
			case !slices.Contains([]string{"service_started", "service_healthy", "service_completed_successfully"}, d.Condition):
				bad(name, "depends on %s with condition %q", dep, d.Condition)
			case len(s.Profiles) == 0 && len(target.Profiles) > 0:
				bad(name, "starts by default but depends on %s, which only starts with profile %v", dep, target.Profiles)
			}
		}
		if s.Build == nil {
			continue // not relmongo
		}
		args, ok := s.Command.([]any)
		if !ok {
			bad(name, "command must be a list of relmongo arguments")
			continue
		}
		cmdline := make([]string, len(args))
		for i, a := range args {
			cmdline[i] = fmt.Sprint(a)
		}
		cmdName, flags, err := relmongoArgs(cmdline)
		if err != nil {
			bad(name, "%v", err)
			continue
		}
		relmongoEnv[name] = s.Environment
		for _, k := range sortedKeys(s.Environment) {
			if (strings.HasPrefix(k, "RELMONGO_") || strings.HasPrefix(k, "TEMPORAL_")) && !envs[k] {
				bad(name, "sets %s, which relmongo never reads (it reads %s)", k, strings.Join(sortedKeys(envs), ", "))
			}
		}
		if addr := s.Environment["TEMPORAL_ADDRESS"]; addr != "" {
			host, port, _ := net.SplitHostPort(addr)
			if t, ok := cf.Services[host]; !ok {
				bad(name, "TEMPORAL_ADDRESS %s names no service", addr)
			} else if !publishes(t, port) {
				bad(name, "TEMPORAL_ADDRESS %s: service %s does not publish port %s", addr, host, port)
			}
		}
		if s.Healthcheck != nil && len(s.Healthcheck.Test) > 2 && s.Healthcheck.Test[0] == "CMD" {
			if s.Healthcheck.Test[1] != relmongoBinary {
				bad(name, "healthcheck runs %s; the image has only %s", s.Healthcheck.Test[1], relmongoBinary)
			} else if _, _, err := relmongoArgs(s.Healthcheck.Test[2:]); err != nil {
				bad(name, "healthcheck: %v", err)
			}
		}
		if cmdName != "api" {
			continue
		}
		listen := flags["listen"]
		if err := checkListen(listen, s.Environment["RELMONGO_API_TOKEN"]); err != nil {
			bad(name, "%v", err)
		}
		_, port, _ := net.SplitHostPort(listen)
		if len(s.Ports) == 0 {
			bad(name, "publishes no port; relmongo api listens on %s", listen)
		}
		for _, p := range s.Ports {
			if c := containerPort(p); c != port {
				bad(name, "publishes container port %s but relmongo api listens on %s (--listen)", c, listen)
			}
		}
	}
	// api and workers share the store and the key that seals connection secrets.
	var first string
	for _, name := range sortedKeys(relmongoEnv) {
		env := relmongoEnv[name]
		if first == "" {
			first = name
			continue
		}
		for _, k := range []string{"RELMONGO_SECRET_KEY", "RELMONGO_STORE", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"} {
			if env[k] != relmongoEnv[first][k] {
				bad(name, "%s is %q but %q for %s: api and workers must share it", k, env[k], relmongoEnv[first][k], first)
			}
		}
	}
	if len(relmongoEnv) < 2 {
		probs = append(probs, fmt.Sprintf("expected relmongo api and worker services built from the Dockerfile, found %v", sortedKeys(relmongoEnv)))
	}
	return probs
}

func containerPort(p string) string {
	parts := strings.Split(p, ":")
	return parts[len(parts)-1]
}

func publishes(s composeService, port string) bool {
	return slices.ContainsFunc(s.Ports, func(p string) bool { return containerPort(p) == port })
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestComposeFile checks docker-compose.yml against relmongo itself: the commands and health
// checks of the relmongo services use flags that exist, the RELMONGO_*/TEMPORAL_* variables they
// set are ones relmongo reads, the api's published port is its --listen port, and every
// depends_on names a service (with a healthcheck when it waits for health).
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	envs := envRead(t)
	for _, p := range composeProblems(data, envs) {
		t.Error(p)
	}
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dockerfile), relmongoBinary) {
		t.Errorf("the Dockerfile does not install %s, which docker-compose.yml runs", relmongoBinary)
	}
}

// TestComposeProblems: each kind of disagreement is found, with a message that names it.
func TestComposeProblems(t *testing.T) {
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	envs := envRead(t)
	if probs := composeProblems(data, envs); len(probs) > 0 {
		t.Fatalf("the real file has problems: %v", probs)
	}
	tests := []struct{ name, old, new, want string }{
		{"unknown flag", `"--listen"`, `"--listn"`, "service relmongo-api: `relmongo api --listn"},
		{"unknown command", `command: ["worker"]`, `command: ["wroker"]`, `service relmongo-worker: unknown command "wroker" for "relmongo" Did you mean this? worker`},
		{"healthcheck flag", `"list", "--api"`, `"list", "--apy"`, "service relmongo-api: healthcheck: `relmongo schedules list --apy"},
		{"unread variable", "RELMONGO_STORE: postgres:", "RELMONGO_STOR: postgres:", "sets RELMONGO_STOR, which relmongo never reads"},
		{"port", `"127.0.0.1:8278:8278"`, `"127.0.0.1:8278:8279"`, "publishes container port 8279 but relmongo api listens on 0.0.0.0:8278"},
		{"public port", `"127.0.0.1:27017:27017"`, `"27017:27017"`, `service mongo: port "27017:27017" is not published on 127.0.0.1 only`},
		{"no token", "      RELMONGO_API_TOKEN: ${RELMONGO_API_TOKEN:?set RELMONGO_API_TOKEN in .env}\n", "", "refusing to listen on 0.0.0.0:8278 without an API token"},
		{"unknown dependency", "      relmongo-api: {condition: service_healthy}", "      relmongo-apy: {condition: service_healthy}", "service relmongo-worker: depends on relmongo-apy, which is not a service"},
		{"no healthcheck", "      relmongo-api: {condition: service_healthy}", "      temporal-ui: {condition: service_healthy}", "waits for temporal-ui to be healthy, but temporal-ui has no healthcheck"},
		{"temporal address", "TEMPORAL_ADDRESS: temporal:7233\n  TEMPORAL_NAMESPACE", "TEMPORAL_ADDRESS: temporal:7234\n  TEMPORAL_NAMESPACE", "service temporal does not publish port 7234"},
		{"short depends_on", "    depends_on:\n      mssql: {condition: service_healthy}", "    depends_on: [mssql]", "depends_on must use the long form"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(data), tc.old) {
				t.Fatalf("docker-compose.yml no longer contains %q: update the test", tc.old)
			}
			probs := composeProblems([]byte(strings.Replace(string(data), tc.old, tc.new, 1)), envs)
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Fatalf("problems %q, want one containing %q", probs, tc.want)
			}
		})
	}
}
