package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/project"
)

// recommendGolden is the golden RECOMMENDED project of Chinook that internal/project's unit test
// pins on a hand-built catalog; here it is compared with what the live database gives.
const recommendGolden = "../internal/project/testdata/recommend_chinook.json"

// createResponse is the answer of POST /project.
type createResponse struct {
	Project project.Project  `json:"project"`
	Reasons []project.Reason `json:"reasons"`
}

// createBody builds a POST /project body for a Chinook database.
func createBody(name, srcURL, mapping string) map[string]any {
	return map[string]any{
		"name":                  name,
		"jdbcConnectionDetails": map[string]any{"type": "POSTGRESQL", "url": srcURL},
		"schemas":               []string{"public"},
		"mapping":               mapping,
	}
}

// createProject posts body to POST /project and requires 200.
func createProject(t *testing.T, body any) createResponse {
	t.Helper()
	var out createResponse
	if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/project", body, &out); err != nil {
		t.Fatalf("creating the project: %v", err)
	}
	if out.Project.ID == "" || out.Project.LastModified == nil {
		t.Fatalf("the created project has no id or lastModified: %+v", out.Project)
	}
	return out
}

// apiStatus calls the API and returns the status and the error body (nil error for 200).
func apiStatus(t *testing.T, method, path string, body any) (int, *apiclient.Error) {
	t.Helper()
	err := e2e.api.Do(context.Background(), method, path, body, nil)
	if err == nil {
		return http.StatusOK, nil
	}
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return apiErr.Status, apiErr
}

// normalized renders a project as indented JSON without its server-assigned id and lastModified
// and with the given name, as the golden files are written.
func normalized(t *testing.T, p project.Project, name string) []byte {
	t.Helper()
	p.ID, p.LastModified, p.Name = "", nil, name
	b, err := json.MarshalIndent(&p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestCreateProjectFromSource creates projects from a live Chinook database: ONE_TO_ONE is the
// per-table model, RECOMMENDED equals the golden file (document and reasons), a table subset
// maps only those tables, and nothing of the connection is stored.
func TestCreateProjectFromSource(t *testing.T) {
	t.Parallel()
	_, srcURL := chinookDB(t)
	// The local PostgreSQL trusts connections, so any password works; it must never be stored.
	const password = "Pw-create-5d1e77-secret"
	withPassword := strings.Replace(srcURL, "postgres://postgres@", "postgres://postgres:"+password+"@", 1)

	t.Run("ONE_TO_ONE is the per-table model", func(t *testing.T) {
		name := "one-to-one-" + randomSuffix()
		got := createProject(t, createBody(name, withPassword, "ONE_TO_ONE"))
		if len(got.Reasons) != 0 {
			t.Errorf("ONE_TO_ONE gave reasons: %v", got.Reasons)
		}
		p := got.Project
		if p.Name != name || p.Version != 1 || p.Source.Type != "POSTGRESQL" || !slices.Equal(p.Source.Schemas, []string{"public"}) {
			t.Errorf("project header %+v", p)
		}
		if p.Settings != (project.Settings{KeyHandling: "SINGLE", Casing: "KEEP", NullHandling: "INCLUDE"}) {
			t.Errorf("settings %+v", p.Settings)
		}
		var names []string
		for _, c := range p.Collections {
			names = append(names, c.Name)
			if c.Table != (project.TableRef{Schema: "public", Name: c.Name}) || len(c.Fields) > 0 || len(c.Embedded) > 0 || c.KeyHandling != "" {
				t.Errorf("collection %s is not the plain per-table rule: %+v", c.Name, c)
			}
		}
		if !slices.Equal(names, chinook.Tables) {
			t.Errorf("collections %v, want one per table %v", names, chinook.Tables)
		}
		var stored json.RawMessage
		if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/project/"+p.ID, nil, &stored); err != nil {
			t.Fatal(err)
		}
		var storedP project.Project
		if err := json.Unmarshal(stored, &storedP); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(normalized(t, storedP, ""), normalized(t, p, "")) || !storedP.LastModified.Equal(*p.LastModified) || storedP.ID != p.ID {
			t.Errorf("GET returns another document than the create response:\n%s", stored)
		}
		for _, secret := range []string{password, "postgres://", "127.0.0.1"} {
			if bytes.Contains(stored, []byte(secret)) {
				t.Errorf("the stored project holds %q: the connection must not be stored", secret)
			}
		}
	})

	t.Run("RECOMMENDED equals the golden project", func(t *testing.T) {
		got := createProject(t, createBody("recommended-"+randomSuffix(), srcURL, "RECOMMENDED"))
		want, err := os.ReadFile(recommendGolden)
		if err != nil {
			t.Fatal(err)
		}
		if doc := normalized(t, got.Project, "chinook-recommended"); !bytes.Equal(doc, want) {
			t.Errorf("RECOMMENDED from the live database differs from %s:\n%s", recommendGolden, doc)
		}
		wantReasons, err := os.ReadFile(strings.TrimSuffix(recommendGolden, ".json") + "_reasons.json")
		if err != nil {
			t.Fatal(err)
		}
		gotReasons, _ := json.MarshalIndent(got.Reasons, "", "  ")
		if !bytes.Equal(append(gotReasons, '\n'), wantReasons) {
			t.Errorf("reasons differ from the golden file:\n%s", gotReasons)
		}
	})

	t.Run("a table subset", func(t *testing.T) {
		body := createBody("subset-"+randomSuffix(), srcURL, "RECOMMENDED")
		body["tables"] = []string{"public.track", "genre", "public.media_type"}
		got := createProject(t, body)
		var shape []string
		for _, c := range got.Project.Collections {
			shape = append(shape, c.Name)
			for _, e := range c.Embedded {
				shape = append(shape, c.Name+"."+e.Field)
			}
		}
		if want := []string{"track", "track.media_type", "track.genre"}; !slices.Equal(shape, want) {
			t.Errorf("subset shape %v, want %v", shape, want)
		}
	})

	t.Run("name in use", func(t *testing.T) {
		name := "taken-" + randomSuffix()
		createProject(t, createBody(name, srcURL, "ONE_TO_ONE"))
		if status, e := apiStatus(t, http.MethodPost, "/api/v1/project", createBody(name, srcURL, "RECOMMENDED")); status != http.StatusConflict {
			t.Errorf("a second project named %s: %d %v, want 409", name, status, e)
		}
	})

	t.Run("sources that cannot be read or mapped: 422", func(t *testing.T) {
		unknownTable := createBody("u-"+randomSuffix(), srcURL, "ONE_TO_ONE")
		unknownTable["tables"] = []string{"album", "public.no_such_table", "nope"}
		noSchema := createBody("s-"+randomSuffix(), srcURL, "ONE_TO_ONE")
		noSchema["schemas"] = []string{"public", "no_such_schema"}
		unreachable := createBody("r-"+randomSuffix(), "postgres://postgres:"+password+"@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "ONE_TO_ONE")
		mysql := createBody("m-"+randomSuffix(), "jdbc:mysql://127.0.0.1/x", "ONE_TO_ONE")
		mysql["jdbcConnectionDetails"].(map[string]any)["type"] = "MYSQL"
		tests := []struct {
			name  string
			body  map[string]any
			wants []string
		}{
			{"unknown tables", unknownTable, []string{"tables[1]", "no_such_table", "tables[2]", `"nope"`}},
			{"schema without tables", noSchema, []string{"no_such_schema"}},
			{"unreachable source", unreachable, []string{"127.0.0.1:1"}},
			{"unsupported database", mysql, []string{"MySQL"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, e := apiStatus(t, http.MethodPost, "/api/v1/project", tt.body)
				if status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d (%v), want 422", status, e)
				}
				text := e.Message + " " + e.Description
				t.Logf("422: %s", text)
				for _, w := range tt.wants {
					if !strings.Contains(text, w) {
						t.Errorf("error %q does not mention %s", text, w)
					}
				}
				if strings.Contains(text, password) {
					t.Errorf("the error reveals the password: %s", text)
				}
			})
		}
	})

	t.Run("bad requests: 400", func(t *testing.T) {
		with := func(mut func(m map[string]any)) map[string]any {
			m := createBody("bad-"+randomSuffix(), srcURL, "RECOMMENDED")
			mut(m)
			return m
		}
		tests := []struct {
			name string
			body any
			want string
		}{
			{"malformed JSON", []byte(`{"name": "x",`), "malformed JSON"},
			{"empty body", []byte(``), "empty"},
			{"unknown field", with(func(m map[string]any) { m["casing"] = "CAMEL_CASE" }), `unknown field "casing"`},
			{"no name", with(func(m map[string]any) { delete(m, "name") }), "name is required"},
			{"name too long", with(func(m map[string]any) { m["name"] = strings.Repeat("n", 51) }), "1 to 50 characters"},
			{"no connection", with(func(m map[string]any) { delete(m, "jdbcConnectionDetails") }), "jdbcConnectionDetails is required"},
			{"no type", with(func(m map[string]any) { delete(m["jdbcConnectionDetails"].(map[string]any), "type") }), "type is required"},
			{"unknown type", with(func(m map[string]any) { m["jdbcConnectionDetails"].(map[string]any)["type"] = "FOO" }), "FOO"},
			{"no url", with(func(m map[string]any) { delete(m["jdbcConnectionDetails"].(map[string]any), "url") }), "url is required"},
			{"bad url", with(func(m map[string]any) { m["jdbcConnectionDetails"].(map[string]any)["url"] = "jdbc:oracle:thin:@x" }), "jdbcConnectionDetails"},
			{"no schemas", with(func(m map[string]any) { delete(m, "schemas") }), "schemas must list"},
			{"schema twice", with(func(m map[string]any) { m["schemas"] = []string{"public", "public"} }), "listed twice"},
			{"empty table", with(func(m map[string]any) { m["tables"] = []string{"public."} }), "names no table"},
			{"table twice", with(func(m map[string]any) { m["tables"] = []string{"album", "album"} }), "repeats tables[0]"},
			{"no mapping", with(func(m map[string]any) { delete(m, "mapping") }), "mapping is required"},
			{"unknown mapping", with(func(m map[string]any) { m["mapping"] = "EMBED_ALL" }), "ONE_TO_ONE or RECOMMENDED"},
			{"mapping of the wrong type", with(func(m map[string]any) { m["mapping"] = 1 }), `"mapping"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, e := apiStatus(t, http.MethodPost, "/api/v1/project", tt.body)
				if status != http.StatusBadRequest {
					t.Fatalf("status %d (%v), want 400", status, e)
				}
				if text := e.Message + " " + e.Description; !strings.Contains(text, tt.want) {
					t.Errorf("error %q does not say %q", text, tt.want)
				}
			})
		}
		// Every problem at once.
		status, e := apiStatus(t, http.MethodPost, "/api/v1/project", map[string]any{"name": "", "schemas": []string{}, "mapping": "X"})
		if status != http.StatusBadRequest || !strings.Contains(e.Message, "4 problem(s)") {
			t.Errorf("several problems: %d %v, want 400 listing 4", status, e)
		}
	})
}

// TestRecommendedProjectRuns creates the RECOMMENDED project of Chinook, overrides its numeric
// columns to STRING through PUT (the embedded target has no Decimal128), runs a job to COMPLETED
// and compares every document of every collection, field and array order included, with
// documents built from PostgreSQL.
func TestRecommendedProjectRuns(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	p := createProject(t, createBody("recommended-run-"+randomSuffix(), srcURL, "RECOMMENDED")).Project
	asString := project.Field{Type: "STRING", Description: "exact decimal text; FerretDB has no Decimal128"}
	setField := func(fields *map[string]project.Field, col string, f project.Field) {
		if *fields == nil {
			*fields = map[string]project.Field{}
		}
		(*fields)[col] = f
	}
	found := 0
	var walk func(es []project.Embedded)
	walk = func(es []project.Embedded) {
		for i := range es {
			switch es[i].Table.Name {
			case "invoice_line", "track":
				setField(&es[i].Fields, "unit_price", asString)
				found++
			}
			walk(es[i].Embedded)
		}
	}
	for i := range p.Collections {
		c := &p.Collections[i]
		switch c.Table.Name {
		case "invoice":
			setField(&c.Fields, "total", asString)
			found++
		case "track":
			setField(&c.Fields, "unit_price", asString)
			found++
		}
		walk(c.Embedded)
	}
	if found != 4 {
		t.Fatalf("found %d numeric columns to override, want 4 (invoice.total, lines, tracks, playlist tracks)", found)
	}
	var updated project.Project
	if err := e2e.api.Do(context.Background(), http.MethodPut, "/api/v1/project/"+p.ID, &p, &updated); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	job := runJob(t, jobRequest(p.ID, srcURL, db, map[string]any{"chunkRows": 100}))
	if job.Statistics.TotalTableCount != len(p.Collections) {
		t.Errorf("totalTableCount %d, want %d", job.Statistics.TotalTableCount, len(p.Collections))
	}

	conn := pgConn(t, srcURL)
	artist := loadTable(t, conn, "artist", "artist_id")
	album := loadTable(t, conn, "album", "album_id")
	genre := loadTable(t, conn, "genre", "genre_id")
	media := loadTable(t, conn, "media_type", "media_type_id")
	track := loadTable(t, conn, "track", "track_id")
	employee := loadTable(t, conn, "employee", "employee_id")
	customer := loadTable(t, conn, "customer", "customer_id")
	invoice := loadTable(t, conn, "invoice", "invoice_id")
	line := loadTable(t, conn, "invoice_line", "invoice_line_id")
	playlist := loadTable(t, conn, "playlist", "playlist_id")
	pt := loadTable(t, conn, "playlist_track", "playlist_id, track_id")

	// fields renders a row with the column names as they are (casing KEEP), leaving out skip.
	fields := func(tb *sqlTable, r []any, skip ...string) bson.D {
		var d bson.D
		for i, c := range tb.cols {
			if !slices.Contains(skip, c) {
				d = append(d, bson.E{Key: c, Value: r[i]})
			}
		}
		return d
	}
	lookup := func(tb *sqlTable, id any) any {
		n, ok := id.(int32)
		if !ok {
			return nil
		}
		return fields(tb, tb.byPK[n])
	}
	// trackBody is a track as RECOMMENDED renders it: media_type and genre documents in place of
	// their ids, after the columns.
	trackBody := func(r []any, skip ...string) bson.D {
		d := fields(track, r, append([]string{"genre_id", "media_type_id"}, skip...)...)
		d = append(d, bson.E{Key: "media_type", Value: lookup(media, track.get(r, "media_type_id"))})
		return append(d, bson.E{Key: "genre", Value: lookup(genre, track.get(r, "genre_id"))})
	}
	withID := func(r []any, d bson.D) bson.D { return append(bson.D{{Key: "_id", Value: r[0]}}, d...) }
	want := map[string][]bson.D{}
	plain := map[string]*sqlTable{"album": album, "artist": artist, "customer": customer, "employee": employee}
	for coll, tb := range plain {
		for _, r := range tb.rows {
			want[coll] = append(want[coll], withID(r, fields(tb, r, tb.cols[0])))
		}
	}
	for _, r := range invoice.rows {
		lines := bson.A{}
		for _, l := range line.rows {
			if line.get(l, "invoice_id") == r[0] {
				lines = append(lines, fields(line, l, "invoice_id"))
			}
		}
		want["invoice"] = append(want["invoice"], withID(r, append(fields(invoice, r, "invoice_id"), bson.E{Key: "lines", Value: lines})))
	}
	for _, r := range playlist.rows {
		tracks := bson.A{}
		for _, x := range pt.rows {
			if pt.get(x, "playlist_id") == r[0] {
				tracks = append(tracks, trackBody(track.byPK[pt.get(x, "track_id").(int32)]))
			}
		}
		want["playlist"] = append(want["playlist"], withID(r, append(fields(playlist, r, "playlist_id"), bson.E{Key: "tracks", Value: tracks})))
	}
	for _, r := range track.rows {
		want["track"] = append(want["track"], withID(r, trackBody(r, "track_id")))
	}
	if len(want) != len(p.Collections) {
		t.Fatalf("expected documents for %d collections, the project has %d", len(want), len(p.Collections))
	}
	for coll, docs := range want {
		compareDocuments(t, db, coll, docs)
	}
}

// compareDocuments compares a collection with the expected documents as canonical Extended JSON,
// field order and array order included.
func compareDocuments(t *testing.T, db, coll string, docs []bson.D) {
	t.Helper()
	ctx := context.Background()
	cur, err := e2e.mongo.Database(db).Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for cur.Next(ctx) {
		ext, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			t.Fatal(err)
		}
		got[fmt.Sprint(cur.Current.Lookup("_id"))] = string(ext)
	}
	if len(got) != len(docs) {
		t.Errorf("%s: %d documents, want %d", coll, len(got), len(docs))
	}
	mismatches := 0
	for _, d := range docs {
		raw, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		ext, _ := bson.MarshalExtJSON(bson.Raw(raw), true, false)
		id := fmt.Sprint(bson.Raw(raw).Lookup("_id"))
		if got[id] != string(ext) {
			mismatches++
			if mismatches <= 2 {
				t.Errorf("%s _id %s:\n got %s\nwant %s", coll, id, clip(got[id]), clip(string(ext)))
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%s: %d of %d documents differ", coll, mismatches, len(docs))
	}
}

// TestProjectCRUD covers GET, PUT and DELETE of a project with their 400, 404 and 409 answers.
func TestProjectCRUD(t *testing.T) {
	t.Parallel()
	id := importProject(t, readTestdata(t, "chinook_flat.json"))
	otherID := importProject(t, readTestdata(t, "chinook_flat.json"))
	get := func(id string) project.Project {
		t.Helper()
		var p project.Project
		if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/project/"+id, nil, &p); err != nil {
			t.Fatalf("GET %s: %v", id, err)
		}
		return p
	}
	orig := get(id)
	other := get(otherID)

	t.Run("PUT replaces mapping and settings", func(t *testing.T) {
		p := get(id)
		p.Settings.Casing = "SNAKE_CASE"
		p.Collections = p.Collections[:2]
		p.Collections[0].Fields = map[string]project.Field{"title": {Rename: "album.title"}}
		p.LastModified = nil // ignored anyway
		time.Sleep(5 * time.Millisecond)
		var resp project.Project
		if err := e2e.api.Do(context.Background(), http.MethodPut, "/api/v1/project/"+id, &p, &resp); err != nil {
			t.Fatal(err)
		}
		stored := get(id)
		if stored.ID != id || resp.ID != id {
			t.Errorf("ids %q %q, want %q", stored.ID, resp.ID, id)
		}
		if !stored.LastModified.After(*orig.LastModified) || !stored.LastModified.Equal(*resp.LastModified) {
			t.Errorf("lastModified %v (response %v), want later than %v", stored.LastModified, resp.LastModified, orig.LastModified)
		}
		if stored.Settings.Casing != "SNAKE_CASE" || len(stored.Collections) != 2 || stored.Collections[0].Fields["title"].Rename != "album.title" {
			t.Errorf("the update was not stored: %+v", stored)
		}
		// Without an id in the body, the path decides.
		p.ID, p.Description = "", "edited again"
		if err := e2e.api.Do(context.Background(), http.MethodPut, "/api/v1/project/"+id, &p, nil); err != nil {
			t.Fatal(err)
		}
		if got := get(id); got.Description != "edited again" {
			t.Errorf("description %q", got.Description)
		}
	})

	t.Run("PUT errors", func(t *testing.T) {
		valid := get(id)
		invalid := valid
		invalid.Name = ""
		invalid.Settings.KeyHandling = "RANDOM"
		invalid.Collections = append([]project.Collection{{Name: "a$b", Table: project.TableRef{Schema: "public"}}}, valid.Collections...)
		renamed := valid
		renamed.Name = other.Name
		wrongID := valid
		wrongID.ID = otherID
		noID := valid
		noID.ID = ""
		tests := []struct {
			name   string
			path   string
			body   any
			status int
			wants  []string
		}{
			{"every problem listed", id, invalid, 400, []string{"4 problem(s)", "$.name", "$.settings.keyHandling", "$.collections[0].name", "$.collections[0].table.name"}},
			{"unknown field", id, []byte(`{"version": 1, "nme": "x"}`), 400, []string{`unknown field "nme"`}},
			{"id of another project", id, wrongID, 400, []string{"differs from the path"}},
			{"bad id", "a_b", valid, 400, []string{"invalid project id"}},
			{"unknown project", "no-such-project", noID, 404, []string{"not found"}},
			{"name of another project", id, renamed, 409, []string{"already used"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, e := apiStatus(t, http.MethodPut, "/api/v1/project/"+tt.path, tt.body)
				if status != tt.status {
					t.Fatalf("status %d (%v), want %d", status, e, tt.status)
				}
				for _, w := range tt.wants {
					if text := e.Message + " " + e.Description; !strings.Contains(text, w) {
						t.Errorf("error %q does not say %q", text, w)
					}
				}
			})
		}
		if got := get(id); got.Name != valid.Name || !got.LastModified.Equal(*valid.LastModified) {
			t.Error("a refused PUT changed the project")
		}
	})

	t.Run("GET and DELETE of unknown or bad ids", func(t *testing.T) {
		for _, tt := range []struct {
			method, path string
			status       int
		}{
			{http.MethodGet, "no-such-project", 404},
			{http.MethodDelete, "no-such-project", 404},
			{http.MethodGet, "a_b", 400},
			{http.MethodDelete, "a_b", 400},
		} {
			if status, e := apiStatus(t, tt.method, "/api/v1/project/"+tt.path, nil); status != tt.status {
				t.Errorf("%s %s: %d %v, want %d", tt.method, tt.path, status, e, tt.status)
			}
		}
	})

	t.Run("DELETE is refused while a job runs", func(t *testing.T) {
		db, srcURL := chinookDB(t)
		jobProject := importProject(t, readTestdata(t, "chinook_flat.json"))
		body := jobRequest(jobProject, srcURL, db, map[string]any{"chunkRows": 100})
		body["collectionFilters"] = []string{"tracks"}
		body["testHooks"] = map[string]any{"throttleRowsPerSecond": 100}
		jobID := startJob(t, body)
		status, e := apiStatus(t, http.MethodDelete, "/api/v1/project/"+jobProject, nil)
		if status != http.StatusConflict || !strings.Contains(e.Description, "IN_PROGRESS") {
			t.Errorf("DELETE during a job: %d %v, want 409 saying how to find the jobs", status, e)
		}
		if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs/"+jobID+"/stop", nil, nil); err != nil {
			t.Fatalf("stopping the job: %v", err)
		}
		if j := waitJob(t, jobID); j.Status != "CANCELLED" {
			t.Fatalf("the stopped job is %s", j.Status)
		}
		var deleted struct{ ID, Name string }
		if err := e2e.api.Do(context.Background(), http.MethodDelete, "/api/v1/project/"+jobProject, nil, &deleted); err != nil {
			t.Fatalf("DELETE after the job: %v", err)
		}
		if deleted.ID != jobProject || deleted.Name == "" {
			t.Errorf("DELETE answered %+v", deleted)
		}
		if status, _ := apiStatus(t, http.MethodGet, "/api/v1/project/"+jobProject, nil); status != http.StatusNotFound {
			t.Errorf("GET after DELETE: %d, want 404", status)
		}
		// The finished job keeps its frozen copy of the project.
		if status, e := apiStatus(t, http.MethodGet, "/api/v1/jobs/"+jobID, nil); status != http.StatusOK {
			t.Errorf("the job of a deleted project: %d %v", status, e)
		}
	})

	t.Run("DELETE", func(t *testing.T) {
		if err := e2e.api.Do(context.Background(), http.MethodDelete, "/api/v1/project/"+otherID, nil, nil); err != nil {
			t.Fatal(err)
		}
		if status, _ := apiStatus(t, http.MethodDelete, "/api/v1/project/"+otherID, nil); status != http.StatusNotFound {
			t.Errorf("second DELETE: %d, want 404", status)
		}
	})
}

// TestProjectExportImportRoundTrip: export, then import (after deleting the original, since
// names are unique), then export again gives the same document apart from id and lastModified,
// for the demo project and for a RECOMMENDED one.
func TestProjectExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	_, srcURL := chinookDB(t)
	recommended := createProject(t, createBody("roundtrip-"+randomSuffix(), srcURL, "RECOMMENDED")).Project.ID
	demo := importProject(t, chinook.PostgresProject())
	for name, id := range map[string]string{"recommended": recommended, "demo": demo} {
		t.Run(name, func(t *testing.T) {
			first := exportRaw(t, id)
			if err := e2e.api.Do(context.Background(), http.MethodDelete, "/api/v1/project/"+id, nil, nil); err != nil {
				t.Fatal(err)
			}
			var summary struct{ ID string }
			if err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/project/import", first, &summary); err != nil {
				t.Fatalf("importing the export: %v", err)
			}
			if summary.ID == id || summary.ID == "" {
				t.Fatalf("the import got id %q (the original was %q)", summary.ID, id)
			}
			second := exportRaw(t, summary.ID)
			a, b := withoutServerFields(t, first), withoutServerFields(t, second)
			if !bytes.Equal(a, b) {
				t.Errorf("export after import differs:\nfirst  %s\nsecond %s", a, b)
			}
		})
	}
}

// exportRaw returns GET /project/{id}/export as bytes.
func exportRaw(t *testing.T, id string) []byte {
	t.Helper()
	resp, err := http.Get(e2e.stack.APIURL + "/api/v1/project/" + id + "/export")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("export %s: %d %v %s", id, resp.StatusCode, err, b)
	}
	return b
}

// withoutServerFields drops id and lastModified from an exported document, keeping the rest
// byte for byte (field order included).
func withoutServerFields(t *testing.T, doc []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["id"]; !ok {
		t.Errorf("the export has no id: %s", doc)
	}
	if _, ok := m["lastModified"]; !ok {
		t.Errorf("the export has no lastModified: %s", doc)
	}
	delete(m, "id")
	delete(m, "lastModified")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
