package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/savedconn"
	"github.com/relmongo/relmongo/internal/store"
)

const testPassword = "Pw-unit-93b1c"

// connServer is a server on a fresh SQLite store holding a saved source "src1" (PostgreSQL, with
// a password) and a saved target "tgt1".
func connServer(t *testing.T) *Server {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "relmongo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := New(st, nil, testKey(t), Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, c := range []struct {
		id     string
		v      any
		masked string
	}{
		{"src1", savedconn.Source{Type: "POSTGRESQL", URL: "postgres://h/db", User: "app", Password: testPassword}, "jdbc:postgresql://h:5432/db?user=app&password=*****"},
		{"tgt1", savedconn.Target{ConnectionString: "mongodb://u:" + testPassword + "@m/db"}, "mongodb://u:*****@m/db"},
	} {
		rec, err := savedconn.Seal(s.key, c.id, c.v, c.masked)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutConnection(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestResolveSaved(t *testing.T) {
	s := connServer(t)
	cases := []struct {
		name       string
		jdbc       *jdbcDetails
		mongo      *mongoDetails
		wantStatus int    // 0 = resolved
		wantText   string // substring of the error
		wantJDBC   jdbcDetails
		wantMongo  string
		wantIDs    savedIDs
		wantRefs   savedIDs
	}{
		{name: "both saved", jdbc: &jdbcDetails{Type: ptr("POSTGRESQL"), ExistingConnectionID: "src1"}, mongo: &mongoDetails{ExistingConnectionID: "tgt1"},
			wantJDBC: jdbcDetails{URL: ptr("postgres://h/db"), User: "app", Password: testPassword}, wantMongo: "mongodb://u:" + testPassword + "@m/db",
			wantIDs: savedIDs{JDBC: "src1", Mongo: "tgt1"}, wantRefs: savedIDs{JDBC: "src1", Mongo: "tgt1"}},
		{name: "rotated password is no reference", jdbc: &jdbcDetails{Type: ptr("POSTGRESQL"), ExistingConnectionID: "src1", URL: ptr("postgres://h/db"), Password: "new"},
			wantJDBC: jdbcDetails{URL: ptr("postgres://h/db"), User: "app", Password: "new"}, wantIDs: savedIDs{JDBC: "src1"}},
		{name: "given details untouched", jdbc: &jdbcDetails{Type: ptr("POSTGRESQL"), URL: ptr("postgres://x/y"), Password: "p"}, mongo: &mongoDetails{ConnectionString: ptr("mongodb://a/b")},
			wantJDBC: jdbcDetails{URL: ptr("postgres://x/y"), Password: "p"}, wantMongo: "mongodb://a/b"},
		{name: "unknown source", jdbc: &jdbcDetails{Type: ptr("POSTGRESQL"), ExistingConnectionID: "nope"}, wantStatus: 404, wantText: `saved connection \"nope\" not found`},
		{name: "unknown target", mongo: &mongoDetails{ExistingConnectionID: "nope"}, wantStatus: 404, wantText: "GET /api/v1/connections"},
		{name: "target as source", jdbc: &jdbcDetails{Type: ptr("POSTGRESQL"), ExistingConnectionID: "tgt1"}, wantStatus: 400, wantText: "is a MongoDB connection"},
		{name: "source as target", mongo: &mongoDetails{ExistingConnectionID: "src1"}, wantStatus: 400, wantText: "not as a MongoDB target"},
		{name: "other type", jdbc: &jdbcDetails{Type: ptr("SQL_SERVER"), ExistingConnectionID: "src1"}, wantStatus: 400, wantText: "is a POSTGRESQL connection but jdbcConnectionDetails.type is SQL_SERVER"},
		{name: "other url", jdbc: &jdbcDetails{Type: ptr("POSTGRESQL"), ExistingConnectionID: "src1", URL: ptr("postgres://elsewhere/db")}, wantStatus: 400, wantText: "url differs"},
		{name: "other connection string", mongo: &mongoDetails{ExistingConnectionID: "tgt1", ConnectionString: ptr("mongodb://elsewhere/db")}, wantStatus: 400, wantText: "connectionString differs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			use, ok := s.resolveSaved(w, httptest.NewRequest(http.MethodPost, "/api/v1/jobs", nil), tc.jdbc, tc.mongo)
			if tc.wantStatus != 0 {
				if ok || w.Code != tc.wantStatus || !strings.Contains(w.Body.String(), tc.wantText) {
					t.Fatalf("got ok=%v %d %s; want %d saying %q", ok, w.Code, w.Body, tc.wantStatus, tc.wantText)
				}
				if strings.Contains(w.Body.String(), testPassword) {
					t.Fatalf("the error reveals the password: %s", w.Body)
				}
				return
			}
			if !ok {
				t.Fatalf("not resolved: %d %s", w.Code, w.Body)
			}
			if use.ids != tc.wantIDs || use.refs != tc.wantRefs || len(use.saves) != 0 {
				t.Errorf("ids %+v refs %+v saves %d; want %+v %+v 0", use.ids, use.refs, len(use.saves), tc.wantIDs, tc.wantRefs)
			}
			if tc.jdbc != nil && (*tc.jdbc.URL != *tc.wantJDBC.URL || tc.jdbc.User != tc.wantJDBC.User || tc.jdbc.Password != tc.wantJDBC.Password) {
				t.Errorf("jdbc resolved to %s %q %q, want %s %q %q", *tc.jdbc.URL, tc.jdbc.User, tc.jdbc.Password, *tc.wantJDBC.URL, tc.wantJDBC.User, tc.wantJDBC.Password)
			}
			if tc.mongo != nil && *tc.mongo.ConnectionString != tc.wantMongo {
				t.Errorf("mongo resolved to %s, want %s", *tc.mongo.ConnectionString, tc.wantMongo)
			}
		})
	}
}

// TestSaveConnections: savePassword saves under the given id, else the named saved connection,
// else a new UUID; the store holds ciphertext only; an id of the other kind is a 409.
func TestSaveConnections(t *testing.T) {
	s := connServer(t)
	ctx := context.Background()
	save := func(jdbc *jdbcDetails, mongo *mongoDetails, mongoURI string) (connectionUse, *httptest.ResponseRecorder) {
		t.Helper()
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/v1/jobs", nil)
		var src connstr.Source
		if jdbc != nil {
			var err error
			if src, err = connstr.ParseSource(*jdbc.Type, *jdbc.URL, jdbc.User, jdbc.Password); err != nil {
				t.Fatal(err)
			}
		}
		var use connectionUse
		if !s.planSaves(w, &use, jdbc, src, mongo, mongoURI) {
			t.Fatalf("planSaves: %d %s", w.Code, w.Body)
		}
		s.saveConnections(w, r, use)
		return use, w
	}

	use, w := save(&jdbcDetails{Type: ptr("POSTGRESQL"), URL: ptr("postgres://db.example/sales"), User: "etl", Password: testPassword, ID: "sales", SavePassword: true},
		&mongoDetails{SavePassword: true}, "mongodb://w:"+testPassword+"@m/sales")
	if w.Code != http.StatusOK || use.ids.JDBC != "sales" || use.refs.JDBC != "sales" || len(use.ids.Mongo) != 36 || use.refs.Mongo != use.ids.Mongo {
		t.Fatalf("saved %+v / %+v: %d %s", use.ids, use.refs, w.Code, w.Body)
	}
	got, err := s.store.GetConnection(ctx, "sales")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "JDBC" || got.MaskedURL != "jdbc:postgresql://db.example:5432/sales?user=etl&password=*****" || bytes.Contains(got.Sealed, []byte(testPassword)) {
		t.Fatalf("stored %+v", got)
	}
	src, err := savedconn.OpenSource(s.key, got)
	if err != nil || src.Password != testPassword || src.Type != "POSTGRESQL" {
		t.Fatalf("opened %+v, %v", src, err)
	}
	tgt, err := s.store.GetConnection(ctx, use.ids.Mongo)
	if err != nil || tgt.Kind != "MONGODB" || tgt.MaskedURL != "mongodb://w:*****@m/sales" || bytes.Contains(tgt.Sealed, []byte(testPassword)) {
		t.Fatalf("stored target %+v, %v", tgt, err)
	}

	// A rotated password saved back under the connection it named.
	use, w = save(&jdbcDetails{Type: ptr("POSTGRESQL"), URL: ptr("postgres://h/db"), User: "app", Password: "rotated", ExistingConnectionID: "src1", SavePassword: true}, nil, "")
	if w.Code != http.StatusOK || use.ids.JDBC != "src1" {
		t.Fatalf("resave: %+v %d %s", use.ids, w.Code, w.Body)
	}
	got, _ = s.store.GetConnection(ctx, "src1")
	if src, err := savedconn.OpenSource(s.key, got); err != nil || src.Password != "rotated" {
		t.Fatalf("src1 after resave: %+v, %v", src, err)
	}

	// A source under a target's id.
	_, w = save(&jdbcDetails{Type: ptr("POSTGRESQL"), URL: ptr("postgres://h/db"), ID: "tgt1", SavePassword: true}, nil, "")
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), `saved connection \"tgt1\" is a MONGODB connection`) {
		t.Fatalf("kind clash: %d %s", w.Code, w.Body)
	}
	if c, _ := s.store.GetConnection(ctx, "tgt1"); c.Kind != "MONGODB" {
		t.Fatalf("the clash replaced tgt1: %+v", c)
	}
}

// TestConnectionEndpoints lists, reads and deletes saved connections through the router: masked
// urls, no secret and no ciphertext in any answer.
func TestConnectionEndpoints(t *testing.T) {
	s := connServer(t)
	h := s.Handler()
	call := func(method, path string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		if strings.Contains(w.Body.String(), testPassword) || strings.Contains(w.Body.String(), "v1:") {
			t.Fatalf("%s %s reveals a secret or its ciphertext: %s", method, path, w.Body)
		}
		return w.Code, w.Body.String()
	}
	code, body := call(http.MethodGet, "/api/v1/connections")
	var list []connectionView
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK {
		t.Fatalf("list: %d %s", code, body)
	}
	if len(list) != 2 || list[0].ID != "src1" || list[0].Kind != "JDBC" || list[0].Type != "POSTGRESQL" ||
		list[0].URL != "jdbc:postgresql://h:5432/db?user=app&password=*****" || list[0].CreatedAt == "" ||
		list[1].ID != "tgt1" || list[1].Type != "MONGODB" || list[1].URL != "mongodb://u:*****@m/db" {
		t.Fatalf("list %+v", list)
	}
	if code, body := call(http.MethodGet, "/api/v1/connections/tgt1"); code != http.StatusOK || !strings.Contains(body, `"kind":"MONGODB"`) {
		t.Fatalf("get: %d %s", code, body)
	}
	if code, body := call(http.MethodDelete, "/api/v1/connections/src1"); code != http.StatusOK || !strings.Contains(body, `"id":"src1"`) {
		t.Fatalf("delete: %d %s", code, body)
	}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodDelete, "/api/v1/connections/src1", http.StatusNotFound},
		{http.MethodGet, "/api/v1/connections/src1", http.StatusNotFound},
		{http.MethodGet, "/api/v1/connections/a%20b", http.StatusBadRequest},
		{http.MethodPut, "/api/v1/connections/tgt1", http.StatusMethodNotAllowed},
	} {
		if code, body := call(tc.method, tc.path); code != tc.want {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.want)
		}
	}
	if _, body := call(http.MethodGet, "/api/v1/connections"); !strings.HasPrefix(body, `[{"id":"tgt1"`) {
		t.Errorf("after delete: %s", body)
	}
}

func TestSavedConnectionProblems(t *testing.T) {
	cases := []struct {
		id, existing string
		save         bool
		want         []string
	}{
		{id: "mine", existing: "c-1", save: true},
		{id: "ignored without savePassword!", save: false},
		{id: "a b", save: true, want: []string{`x.id "a b"`}},
		{existing: strings.Repeat("c", 65), want: []string{"x.existingConnectionId"}},
	}
	for _, tc := range cases {
		var p requestProblems
		savedConnectionProblems(&p, "x", tc.id, tc.existing, tc.save)
		if len(p.invalid) != len(tc.want) {
			t.Fatalf("%+v: problems %q, want %q", tc, p.invalid, tc.want)
		}
		for i, w := range tc.want {
			if !strings.Contains(p.invalid[i], w) {
				t.Errorf("problem %q does not mention %q", p.invalid[i], w)
			}
		}
	}
}
