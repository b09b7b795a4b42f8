package openapicheck

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testDoc = `
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "http://127.0.0.1:1"}]
paths:
  /things/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], additionalProperties: false, properties: {id: {type: string}}}
        "404": {description: no, content: {application/json: {schema: {type: object}}}}
  /list:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: object, required: [id], properties: {id: {type: string}}}}
  /things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], additionalProperties: false, properties: {name: {type: string}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "400": {description: bad, content: {application/json: {schema: {type: object}}}}
`

// TestChecker runs requests through the middleware to a server that answers what each case
// says, and compares the violations found.
func TestChecker(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		answer                   string
		wantOp                   string
		wantViolation            string // "" = none; else the one violation contains it exactly once
	}{
		{"valid", "GET", "/things/a", "", 200, `{"id":"a"}`, "GET /things/{id}", ""},
		{"missing required field", "GET", "/things/a", "", 200, `{}`, "GET /things/{id}", `property "id" is missing`},
		{"extra field", "GET", "/things/a", "", 200, `{"id":"a","x":1}`, "GET /things/{id}", `property "x" is unsupported`},
		{"same fault in every element", "GET", "/list", "", 200, `[{"id":"a"},{},{}]`, "GET /list", `at /*/id: property "id" is missing (value {})`},
		{"undocumented status", "GET", "/things/a", "", 409, `{}`, "GET /things/{id}", "status is not supported"},
		{"bug", "GET", "/things/a", "", 500, `{}`, "GET /things/{id}", "a 500 answer is a bug"},
		{"unknown path answered 404", "GET", "/nothing", "", 404, `{}`, "", ""},
		{"unknown method answered 405", "DELETE", "/things/a", "", 405, `{}`, "", ""},
		{"undocumented route", "GET", "/nothing", "", 200, `{}`, "", "the document has no operation for GET /nothing"},
		{"accepted valid body", "POST", "/things", `{"name":"n"}`, 200, `{}`, "POST /things", ""},
		{"accepted invalid body", "POST", "/things", `{"nom":"n"}`, 200, `{}`, "POST /things", "the server accepted a request the document refuses"},
		{"refused invalid body", "POST", "/things", `{"nom":"n"}`, 400, `{}`, "POST /things", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New([]byte(testDoc))
			if err != nil {
				t.Fatal(err)
			}
			var got string
			srv := httptest.NewServer(c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = string(b)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.answer)
			})))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got != tc.body {
				t.Fatalf("the handler read %q, want the whole body %q", got, tc.body)
			}
			rep := c.Report()
			if rep.Exchanges != 1 {
				t.Fatalf("%d exchanges, want 1", rep.Exchanges)
			}
			switch {
			case tc.wantViolation == "" && len(rep.Violations) > 0:
				t.Fatalf("violations %q, want none", rep.Violations)
			case tc.wantViolation != "" && (len(rep.Violations) != 1 || strings.Count(rep.Violations[0], tc.wantViolation) != 1):
				t.Fatalf("violations %q, want one containing %q", rep.Violations, tc.wantViolation)
			}
			if tc.wantOp != "" && (len(rep.Exercised) != 1 || rep.Exercised[0] != tc.wantOp) {
				t.Fatalf("exercised %q, want [%s]", rep.Exercised, tc.wantOp)
			}
			if tc.wantOp == "" && tc.wantViolation == "" && rep.Unrouted != 1 {
				t.Fatalf("unrouted %d, want 1", rep.Unrouted)
			}
			if want := 3 - len(rep.Exercised); len(rep.Missing) != want {
				t.Fatalf("missing %q, want %d operations", rep.Missing, want)
			}
		})
	}
}

// TestLongBodies: a body over MaxBody reaches the handler whole and is checked without content.
func TestLongBodies(t *testing.T) {
	c, err := New([]byte(testDoc))
	if err != nil {
		t.Fatal(err)
	}
	big := `{"name":"` + strings.Repeat("x", MaxBody) + `"}`
	var n int
	srv := httptest.NewServer(c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n = len(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	})))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/things", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n != len(big) {
		t.Fatalf("the handler read %d bytes, want %d", n, len(big))
	}
	if rep := c.Report(); len(rep.Violations) != 0 || len(rep.Exercised) != 1 {
		t.Fatalf("report %+v, want POST /things exercised without violations", rep)
	}
}
