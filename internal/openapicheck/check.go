// Package openapicheck records the requests a test suite makes to relmongo's API and validates
// each request and response against the OpenAPI document (apiserver.OpenAPIDocument): the
// end-to-end suite uses it to keep the document exactly as the implementation behaves.
package openapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// MaxBody is how much of a request or response body is kept; a longer body is checked without
// its content (the API's largest answers, project documents, are far smaller; the test bodies
// over the 8 MiB limit are the exception).
const MaxBody = 4 << 20

// Exchange is one recorded request and its response.
type Exchange struct {
	Method, Host, RequestURI string
	RequestHeader            http.Header
	RequestBody              []byte
	RequestTruncated         bool
	Status                   int
	ResponseHeader           http.Header
	ResponseBody             []byte
	ResponseTruncated        bool
}

// Checker validates exchanges against one document and keeps the violations and the coverage.
type Checker struct {
	doc    *openapi3.T
	router routers.Router

	pending sync.WaitGroup
	mu      sync.Mutex
	// violations counts each distinct problem (polls repeat them).
	violations map[string]int
	exercised  map[string]int // "METHOD /template" -> exchanges
	unrouted   int            // 404/405 answers to paths or methods without an operation
	exchanges  int
}

// New parses the document (JSON or YAML) and prepares its router.
func New(document []byte) (*Checker, error) {
	doc, err := openapi3.NewLoader().LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	// The document's server URL names the default port; test servers listen anywhere.
	doc.Servers = nil
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the OpenAPI document: %w", err)
	}
	return &Checker{doc: doc, router: r, violations: map[string]int{}, exercised: map[string]int{}}, nil
}

// Middleware records every exchange that passes through next and checks it in the background
// (Report waits for the checks), so the API answers as fast as without it.
func (c *Checker) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := Exchange{Method: r.Method, Host: r.Host, RequestURI: r.URL.RequestURI(), RequestHeader: r.Header.Clone()}
		if r.Body != nil {
			head, _ := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
			ex.RequestBody, ex.RequestTruncated = head, len(head) > MaxBody
			if ex.RequestTruncated {
				ex.RequestBody = head[:MaxBody]
			}
			// The handler reads the whole body: what was read here, then the rest.
			r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		ex.Status, ex.ResponseHeader = rec.status, rec.header
		if ex.ResponseHeader == nil {
			ex.ResponseHeader = w.Header().Clone()
		}
		ex.ResponseBody, ex.ResponseTruncated = rec.body.Bytes(), rec.truncated
		c.pending.Add(1)
		go func() {
			defer c.pending.Done()
			c.Check(ex)
		}()
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// recorder keeps the status, the headers as sent and up to MaxBody of the body.
type recorder struct {
	http.ResponseWriter
	status    int
	header    http.Header
	body      bytes.Buffer
	truncated bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status, r.header = status, r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if room := MaxBody - r.body.Len(); room >= len(p) {
		r.body.Write(p)
	} else {
		r.body.Write(p[:max(room, 0)])
		r.truncated = true
	}
	return r.ResponseWriter.Write(p)
}

// Check validates one exchange:
//   - a request to a path and method without an operation must have been answered 404 or 405
//     (tests of unknown paths do that on purpose); anything else means an undocumented route;
//   - a request answered 2xx must match its operation (the document may not refuse what the
//     server accepts); a refused request (4xx) may break the document's rules, that is its point;
//   - every response must be documented for its status and match its schema;
//   - a 5xx other than 503 (Temporal unavailable) is a bug in itself.
func (c *Checker) Check(ex Exchange) {
	problems, op := c.check(ex)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exchanges++
	if op != "" {
		c.exercised[op]++
	} else if len(problems) == 0 {
		c.unrouted++
	}
	for _, p := range problems {
		c.violations[p]++
	}
}

func (c *Checker) check(ex Exchange) (problems []string, op string) {
	path, _, _ := strings.Cut(ex.RequestURI, "?")
	what := fmt.Sprintf("%s %s -> %d", ex.Method, path, ex.Status)
	req, err := http.NewRequest(ex.Method, "http://"+ex.Host+ex.RequestURI, bytes.NewReader(ex.RequestBody))
	if err != nil {
		return []string{what + ": cannot rebuild the request: " + err.Error()}, ""
	}
	req.Header = ex.RequestHeader.Clone()
	if len(ex.RequestBody) > 0 && req.Header.Get("Content-Type") == "" {
		// The server decodes JSON whatever the declared type; the document says application/json.
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if ex.Status == http.StatusNotFound || ex.Status == http.StatusMethodNotAllowed {
			return nil, ""
		}
		return []string{fmt.Sprintf("%s: the document has no operation for %s %s (%v)", what, ex.Method, path, err)}, ""
	}
	op = ex.Method + " " + route.Path
	what = fmt.Sprintf("%s %s -> %d", ex.Method, route.Path, ex.Status)
	if ex.Status >= 500 && ex.Status != http.StatusServiceUnavailable {
		return []string{fmt.Sprintf("%s: a %d answer is a bug: %s", what, ex.Status, clip(ex.ResponseBody))}, op
	}
	reqIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
			ExcludeRequestBody: ex.RequestTruncated}}
	ctx := context.Background()
	if ex.Status >= 200 && ex.Status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, reqIn); err != nil {
			problems = append(problems, fmt.Sprintf("%s: the server accepted a request the document refuses: %s", what, describe(err)))
		}
	}
	respIn := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqIn, Status: ex.Status, Header: ex.ResponseHeader,
		Body:    io.NopCloser(bytes.NewReader(ex.ResponseBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: ex.ResponseTruncated}}
	if err := openapi3filter.ValidateResponse(ctx, respIn); err != nil {
		problems = append(problems, fmt.Sprintf("%s: the response does not match the document: %s", what, describe(err)))
	}
	return problems, op
}

// describe flattens kin-openapi's nested errors into one line: each schema problem once, with
// array indices folded ("/*/options/mode") so a list with the same fault in every element reads
// as one problem, and the first offending value.
func describe(err error) string {
	var parts []string
	seen := map[string]bool{}
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		var me openapi3.MultiError
		var reqErr *openapi3filter.RequestError
		var respErr *openapi3filter.ResponseError
		var se *openapi3.SchemaError
		switch {
		case isType[openapi3.MultiError](err, &me):
			for _, e := range me {
				walk(prefix, e)
			}
			return
		case isType[*openapi3filter.RequestError](err, &reqErr) && reqErr.Err != nil:
			what := "body"
			if reqErr.Parameter != nil {
				what = reqErr.Parameter.In + " parameter " + reqErr.Parameter.Name
			}
			walk(prefix+what+": ", reqErr.Err)
			return
		case isType[*openapi3filter.ResponseError](err, &respErr) && respErr.Err != nil:
			walk(prefix, respErr.Err)
			return
		case isType[*openapi3.SchemaError](err, &se):
			ptr := se.JSONPointer()
			for i, p := range ptr {
				if _, convErr := strconv.Atoi(p); convErr == nil {
					ptr[i] = "*"
				}
			}
			key := prefix + "at /" + strings.Join(ptr, "/") + ": " + se.Reason
			if !seen[key] {
				seen[key] = true
				v, _ := json.Marshal(se.Value)
				parts = append(parts, key+" (value "+clip(v)+")")
			}
			return
		}
		msg := prefix + strings.Join(strings.Fields(err.Error()), " ")
		if !seen[msg] {
			seen[msg] = true
			parts = append(parts, clip([]byte(msg)))
		}
	}
	walk("", err)
	return strings.Join(parts, " | ")
}

// isType is errors.As restricted to err itself, so the walk goes down one level at a time.
func isType[T error](err error, target *T) bool {
	t, ok := err.(T)
	if ok {
		*target = t
	}
	return ok
}

func clip(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Report is the outcome of a run.
type Report struct {
	// Violations are the distinct problems, each with how many exchanges had it.
	Violations []string
	Exchanges  int
	// Exercised lists the operations the run reached; Missing those it did not.
	Exercised, Missing []string
	// Unrouted counts 404/405 answers to paths or methods the document does not have.
	Unrouted int
}

// Report waits for the checks in flight and returns what they found.
func (c *Checker) Report() Report {
	c.pending.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	rep := Report{Exchanges: c.exchanges, Unrouted: c.unrouted}
	for p, n := range c.violations {
		rep.Violations = append(rep.Violations, fmt.Sprintf("%s (%d×)", p, n))
	}
	sort.Strings(rep.Violations)
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			op := method + " " + path
			if c.exercised[op] > 0 {
				rep.Exercised = append(rep.Exercised, op)
			} else {
				rep.Missing = append(rep.Missing, op)
			}
		}
	}
	sort.Strings(rep.Exercised)
	sort.Strings(rep.Missing)
	return rep
}

// Summary is the one-line coverage figure.
func (r Report) Summary() string {
	return fmt.Sprintf("OpenAPI check: %d exchanges, %d of %d operations exercised, %d answers to undocumented paths (404/405), %d distinct violations",
		r.Exchanges, len(r.Exercised), len(r.Exercised)+len(r.Missing), r.Unrouted, len(r.Violations))
}
