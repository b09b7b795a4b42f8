package tests

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/project"
)

// sqliteJobRequest builds a POST /jobs body for a SQLite database file.
func sqliteJobRequest(projectID, path, targetDB string, opts map[string]any) map[string]any {
	body := jobRequest(projectID, "", targetDB, opts)
	body["jdbcConnectionDetails"] = map[string]any{"type": "SQLITE", "url": "jdbc:sqlite:" + path}
	return body
}

// sortedDocs returns every document of a collection, ordered by the Extended JSON of its _id.
func sortedDocs(t *testing.T, db, collection string) []bson.Raw {
	t.Helper()
	ctx := context.Background()
	cur, err := e2e.mongo.Database(db).Collection(collection).Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	for cur.Next(ctx) {
		docs = append(docs, slices.Clone(cur.Current))
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	idText := func(d bson.Raw) string { return extJSONValue(t, d.Lookup("_id")) }
	sort.Slice(docs, func(i, j int) bool { return idText(docs[i]) < idText(docs[j]) })
	return docs
}

// extJSONValue renders one value as canonical Extended JSON.
func extJSONValue(t *testing.T, v bson.RawValue) string {
	t.Helper()
	b, err := bson.MarshalExtJSON(bson.D{{Key: "v", Value: v}}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(string(b), `{"v":`), "}")
}

// docDifference is one place where two documents differ: path is a dotted field path with []
// for array elements, so that every element of an array shares one path.
type docDifference struct {
	path         string
	left, right  bsontype.Type
	leftValue    string
	rightValue   string
	orderOrShape bool // field names, field order or array length differ
}

// diffValues walks a and b in step and appends every difference.
func diffValues(t *testing.T, path string, a, b bson.RawValue, out *[]docDifference) {
	t.Helper()
	if a.Type != b.Type {
		*out = append(*out, docDifference{path: path, left: a.Type, right: b.Type, leftValue: extJSONValue(t, a), rightValue: extJSONValue(t, b)})
		return
	}
	switch a.Type {
	case bsontype.EmbeddedDocument, bsontype.Array:
		ae, _ := bson.Raw(a.Value).Elements()
		be, _ := bson.Raw(b.Value).Elements()
		keys := func(es []bson.RawElement) []string {
			var ks []string
			for _, e := range es {
				ks = append(ks, e.Key())
			}
			return ks
		}
		if !slices.Equal(keys(ae), keys(be)) {
			*out = append(*out, docDifference{path: path, left: a.Type, right: b.Type, orderOrShape: true,
				leftValue: strings.Join(keys(ae), ","), rightValue: strings.Join(keys(be), ",")})
			return
		}
		for i := range ae {
			p := path + "." + ae[i].Key()
			if a.Type == bsontype.Array {
				p = path + "[]"
			}
			diffValues(t, p, ae[i].Value(), be[i].Value(), out)
		}
	default:
		if !a.Equal(b) {
			*out = append(*out, docDifference{path: path, left: a.Type, right: b.Type, leftValue: extJSONValue(t, a), rightValue: extJSONValue(t, b)})
		}
	}
}

// allowedSQLiteDifference is a known difference between the documents from PostgreSQL and from
// SQLite: at this path, these BSON types on each side and, when given, these values (canonical
// Extended JSON).
type allowedSQLiteDifference struct {
	collection, path   string // collection "*" matches every collection
	postgres, sqlite   bsontype.Type
	postgresV, sqliteV string
	why                string
	seen               int
}

func (a *allowedSQLiteDifference) matches(collection string, d docDifference) bool {
	return !d.orderOrShape && (a.collection == collection || a.collection == "*") && a.path == d.path &&
		a.postgres == d.left && a.sqlite == d.right &&
		(a.postgresV == "" || a.postgresV == d.leftValue) && (a.sqliteV == "" || a.sqliteV == d.rightValue)
}

// TestChinookSQLiteMatchesPostgres is issue 10's acceptance 2: Chinook in SQLite (PascalCase
// names, its own project) and Chinook in PostgreSQL (snake_case, the demo project) yield the same
// documents, compared after sorting, apart from the closed list of type differences below.
func TestChinookSQLiteMatchesPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pgDB, pgURL := chinookDB(t)
	pgProject := importProject(t, chinook.PostgresProject())
	runJob(t, jobRequest(pgProject, pgURL, pgDB, map[string]any{"chunkRows": 700}))

	path := filepath.Join(t.TempDir(), "Chinook ünï.db")
	if err := chinook.LoadSQLite(ctx, path); err != nil {
		t.Fatal(err)
	}
	sqDB := chinook.OwnedPrefix + "sqlite_" + randomSuffix()
	sqProject := importProject(t, chinook.SQLiteProject())
	job := runJob(t, sqliteJobRequest(sqProject, path, sqDB, map[string]any{"chunkRows": 500}))
	var doc project.Project
	if err := json.Unmarshal(chinook.SQLiteProject(), &doc); err != nil {
		t.Fatal(err)
	}
	if job.Statistics.TotalTableCount != len(doc.Collections) || job.Statistics.RemainingTableCount != 0 {
		t.Errorf("totalTableCount %d remainingTableCount %d, want %d and 0", job.Statistics.TotalTableCount, job.Statistics.RemainingTableCount, len(doc.Collections))
	}

	// The closed list of differences. It holds no type difference: SQLite's INTEGER values become
	// Int32 by range like PostgreSQL's integer columns, its DATETIME text becomes the same Dates as
	// PostgreSQL's timestamps, and NUMERIC(10,2) values (stored by SQLite as REAL 0.99) come out at
	// their declared scale ("0.99", "2.00"), the text of PostgreSQL's numeric(10,2). What is left
	// is one difference in the data itself: both scripts write customer 54's city as 'Edinburgh '
	// with a trailing space, but the PostgreSQL script writes it as N'Edinburgh ', a character(n)
	// literal whose trailing spaces PostgreSQL drops when it casts it to varchar; SQLite keeps it.
	edinburgh := func(collection, path string) *allowedSQLiteDifference {
		return &allowedSQLiteDifference{collection: collection, path: path, postgres: bsontype.String, sqlite: bsontype.String,
			postgresV: `"Edinburgh"`, sqliteV: `"Edinburgh "`, why: "N'Edinburgh ' loses its trailing space in PostgreSQL"}
	}
	allowed := []*allowedSQLiteDifference{
		edinburgh("customers", ".city"),
		edinburgh("invoices", ".billingCity"),
		edinburgh("invoices", ".customer.city"),
	}

	total := 0
	for _, c := range doc.Collections {
		pg := sortedDocs(t, pgDB, c.Name)
		sq := sortedDocs(t, sqDB, c.Name)
		if len(pg) == 0 || len(pg) != len(sq) {
			t.Errorf("%s: %d documents from PostgreSQL, %d from SQLite", c.Name, len(pg), len(sq))
			continue
		}
		total += len(sq)
		unexpected := map[string]int{}
		var example []string
		for i := range pg {
			var diffs []docDifference
			diffValues(t, "", bson.RawValue{Type: bsontype.EmbeddedDocument, Value: pg[i]}, bson.RawValue{Type: bsontype.EmbeddedDocument, Value: sq[i]}, &diffs)
			for _, d := range diffs {
				ok := false
				for _, a := range allowed {
					if a.matches(c.Name, d) {
						a.seen++
						ok = true
					}
				}
				if !ok {
					key := fmt.Sprintf("%s (%s vs %s)", d.path, d.left, d.right)
					if unexpected[key] == 0 && len(example) < 5 {
						example = append(example, fmt.Sprintf("_id %s at %s: PostgreSQL %s, SQLite %s", extJSONValue(t, pg[i].Lookup("_id")), d.path, d.leftValue, d.rightValue))
					}
					unexpected[key]++
				}
			}
		}
		if len(unexpected) > 0 {
			t.Errorf("%s: differences outside the allowed list: %v\n%s", c.Name, unexpected, strings.Join(example, "\n"))
		}
	}
	if total == 0 {
		t.Fatal("no documents compared")
	}
	for _, a := range allowed {
		if a.seen == 0 {
			t.Errorf("allowed difference %s %s (%s) never occurred: remove it from the list", a.collection, a.path, a.why)
		}
	}
	t.Logf("compared %d documents in %d collections", total, len(doc.Collections))
}

// edgeDatabase is a SQLite database with one table per edge case of issue 10's acceptance 3.
const edgeDatabase = `
CREATE TABLE events(name TEXT, happened DATETIME, amount NUMERIC(10,2), payload BLOB, n INTEGER);
INSERT INTO events VALUES ('first', '2024-01-02 03:04:05', 1.5, x'00ff', 1), ('second', NULL, NULL, NULL, NULL), ('first', '2024-01-02 03:04:05', 1.5, x'00ff', 1);
CREATE TABLE scores(player TEXT, round INTEGER, points INTEGER NOT NULL, PRIMARY KEY (player, round)) WITHOUT ROWID;
INSERT INTO scores VALUES ('bob', 2, 7), ('alice', 1, 10), ('bob', 1, 3), ('alice', 2, -4);
CREATE TABLE mixed(id INTEGER PRIMARY KEY, i INTEGER, d DATETIME, m NUMERIC(10,2), t TEXT, b BLOB, u);
INSERT INTO mixed VALUES
  (1, 42, '2024-02-29 12:00:00', 0.99, 'text', x'01', 1),
  (2, 3000000000, 1700000000, 2, '0171', x'', 'one'),
  (3, 'n/a', '2024-02-29T12:00:00+02:00', 'N/A', x'74', 'blob in text', 2.5),
  (4, 2.5, 'not a date', 0.125, 'Grétrystraat ✓', 17, x'00'),
  (5, x'ff', 2459215.5, 1e21, '', NULL, NULL),
  (6, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE bad_dates(id INTEGER PRIMARY KEY, d DATETIME);
INSERT INTO bad_dates VALUES (1, '2024-02-30 00:00:00'), (2, '2024-03-01 00:00:00');
CREATE TABLE "Künstler 表"("名前" TEXT PRIMARY KEY NOT NULL, "Größe" INTEGER, "e.mail" TEXT);
INSERT INTO "Künstler 表" VALUES ('日本', 1, 'a@b.c'), ('Ölaf', NULL, NULL);
CREATE TABLE "Werk"(id INTEGER PRIMARY KEY, "künstler" TEXT REFERENCES "Künstler 表"("名前"), title TEXT);
INSERT INTO "Werk" VALUES (1, '日本', 'eins'), (2, 'Ölaf', 'zwei'), (3, '日本', 'drei');
`

// edgeProject maps every edge table; numerics are STRING because FerretDB has no Decimal128.
const edgeProject = `{
  "version": 1, "name": "sqlite-edges",
  "source": {"type": "SQLITE", "schemas": []},
  "settings": {"keyHandling": "SINGLE", "casing": "KEEP", "nullHandling": "INCLUDE"},
  "collections": [
    {"name": "events", "table": {"schema": "main", "name": "events"}, "fields": {"amount": {"type": "STRING"}}},
    {"name": "scores", "table": {"schema": "main", "name": "scores"}},
    {"name": "mixed", "table": {"schema": "main", "name": "mixed"}, "fields": {"m": {"type": "STRING"}}},
    {"name": "bad_dates", "table": {"schema": "main", "name": "bad_dates"}},
    {"name": "künstler", "table": {"schema": "main", "name": "Künstler 表"},
     "embedded": [{"kind": "EMBEDDED_DOCUMENT_ARRAY", "field": "werke", "table": {"schema": "main", "name": "Werk"},
                   "fields": {"künstler": {"exclude": true}}}]}
  ]
}`

// TestSQLiteEdgeCases is issue 10's acceptance 3: a table without a declared primary key (keyed
// by its rowid), a WITHOUT ROWID table, mixed storage classes in one column (each converted by
// the policy or reported), NULLs, BLOBs and Unicode identifiers, through the REST API.
func TestSQLiteEdgeCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "edges.db")
	w, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(edgeDatabase); err != nil {
		t.Fatalf("creating the edge database: %v", err)
	}
	w.Close()
	db := chinook.OwnedPrefix + "sqlite_edges_" + randomSuffix()
	projectID := importProject(t, []byte(edgeProject))
	id := startJob(t, sqliteJobRequest(projectID, path, db, map[string]any{"chunkRows": 2, "errorHandling": "WARN"}))
	job := waitJob(t, id)
	if job.Status != "COMPLETED" {
		msg := ""
		if job.FailureError != nil {
			msg = job.FailureError.Message
		}
		t.Fatalf("job ended %s: %s", job.Status, msg)
	}
	i32 := func(n int64) string { return fmt.Sprintf(`{"$numberInt":"%d"}`, n) }
	i64 := func(n int64) string { return fmt.Sprintf(`{"$numberLong":"%d"}`, n) }
	date := func(ms int64) string { return fmt.Sprintf(`{"$date":{"$numberLong":"%d"}}`, ms) }
	want := map[string][]string{
		// No declared key: the rowid is the _id (duplicate rows stay apart) and not a field.
		"events": {
			`{"_id":` + i32(1) + `,"name":"first","happened":` + date(1704164645000) + `,"amount":"1.50","payload":{"$binary":{"base64":"AP8=","subType":"00"}},"n":` + i32(1) + `}`,
			`{"_id":` + i32(2) + `,"name":"second","happened":null,"amount":null,"payload":null,"n":null}`,
			`{"_id":` + i32(3) + `,"name":"first","happened":` + date(1704164645000) + `,"amount":"1.50","payload":{"$binary":{"base64":"AP8=","subType":"00"}},"n":` + i32(1) + `}`,
		},
		// WITHOUT ROWID with a composite key: a WRAPPED _id, in key order.
		"scores": {
			`{"_id":{"player":"alice","round":` + i32(1) + `},"points":` + i32(10) + `}`,
			`{"_id":{"player":"alice","round":` + i32(2) + `},"points":` + i32(-4) + `}`,
			`{"_id":{"player":"bob","round":` + i32(1) + `},"points":` + i32(3) + `}`,
			`{"_id":{"player":"bob","round":` + i32(2) + `},"points":` + i32(7) + `}`,
		},
		// Mixed storage classes: the declared type when the value fits it, else its own class.
		"mixed": {
			`{"_id":` + i32(1) + `,"i":` + i32(42) + `,"d":` + date(1709208000000) + `,"m":"0.99","t":"text","b":{"$binary":{"base64":"AQ==","subType":"00"}},"u":` + i32(1) + `}`,
			`{"_id":` + i32(2) + `,"i":` + i64(3000000000) + `,"d":` + date(1700000000000) + `,"m":"2.00","t":"0171","b":{"$binary":{"base64":"","subType":"00"}},"u":"one"}`,
			`{"_id":` + i32(3) + `,"i":"n/a","d":` + date(1709200800000) + `,"m":"N/A","t":{"$binary":{"base64":"dA==","subType":"00"}},"b":"blob in text","u":{"$numberDouble":"2.5"}}`,
			`{"_id":` + i32(4) + `,"i":{"$numberDouble":"2.5"},"d":"not a date","m":"0.125","t":"Grétrystraat ✓","b":` + i32(17) + `,"u":{"$binary":{"base64":"AA==","subType":"00"}}}`,
			`{"_id":` + i32(5) + `,"i":{"$binary":{"base64":"/w==","subType":"00"}},"d":{"$numberDouble":"2.4592155E+06"},"m":"1e+21","t":"","b":null,"u":null}`,
			`{"_id":` + i32(6) + `,"i":null,"d":null,"m":null,"t":null,"b":null,"u":null}`,
		},
		// An impossible date is a record error (WARN: reported, the other row arrives).
		"bad_dates": {
			`{"_id":` + i32(2) + `,"d":` + date(1709251200000) + `}`,
		},
		// Unicode table and column names; a dotted column name is made safe (convert.FieldName).
		"künstler": {
			`{"_id":"Ölaf","Größe":null,"e．mail":null,"werke":[{"id":` + i32(2) + `,"title":"zwei"}]}`,
			`{"_id":"日本","Größe":` + i32(1) + `,"e．mail":"a@b.c","werke":[{"id":` + i32(1) + `,"title":"eins"},{"id":` + i32(3) + `,"title":"drei"}]}`,
		},
	}
	for coll, docs := range want {
		got := sortedDocs(t, db, coll)
		var gotJSON []string
		for _, d := range got {
			b, err := bson.MarshalExtJSON(d, true, false)
			if err != nil {
				t.Fatal(err)
			}
			gotJSON = append(gotJSON, string(b))
		}
		sort.Strings(gotJSON)
		sort.Strings(docs)
		if !slices.Equal(gotJSON, docs) {
			t.Errorf("%s:\ngot  %s\nwant %s", coll, strings.Join(gotJSON, "\n     "), strings.Join(docs, "\n     "))
		}
	}
	var evs []struct {
		EventType, Message, LocationName, FieldName string
		Key                                         map[string]string
	}
	if err := e2e.api.Do(ctx, http.MethodGet, "/api/v1/jobs/"+id+"/logs?limit=1000", nil, &evs); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		if strings.Contains(e.Message, "2024-02-30") && strings.Contains(e.Message, "bad_dates") || e.FieldName == "d" && strings.Contains(e.LocationName, "bad_dates") {
			found = true
		}
	}
	if !found {
		t.Errorf("no record-error event for the impossible date in bad_dates; events: %+v", evs)
	}
}

// TestSQLiteSourceErrors: a SQLite job against a missing file is refused before it starts.
func TestSQLiteSourceErrors(t *testing.T) {
	t.Parallel()
	projectID := importProject(t, []byte(edgeProject))
	missing := filepath.Join(t.TempDir(), "missing.db")
	var job apiclient.Job
	err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", sqliteJobRequest(projectID, missing, "relmongo_never", nil), &job)
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("POST /jobs with a missing SQLite file = %v, want 422 saying the file does not exist", err)
	}
}
