package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// chinookCollections maps the demo project's collections to their tables and key columns.
var chinookCollections = []struct {
	collection, table string
	key               []string
}{
	{"albums", "album", []string{"album_id"}},
	{"artists", "artist", []string{"artist_id"}},
	{"customers", "customer", []string{"customer_id"}},
	{"employees", "employee", []string{"employee_id"}},
	{"genres", "genre", []string{"genre_id"}},
	{"invoices", "invoice", []string{"invoice_id"}},
	{"invoiceLines", "invoice_line", []string{"invoice_line_id"}},
	{"mediaTypes", "media_type", []string{"media_type_id"}},
	{"playlists", "playlist", []string{"playlist_id"}},
	{"playlistTracks", "playlist_track", []string{"playlist_id", "track_id"}},
	{"tracks", "track", []string{"track_id"}},
}

// camel is the test's own snake_case -> camelCase (independent of the code under test).
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// TestChinookSnapshot is the walking skeleton end to end: import a flat Chinook project (one
// collection per table) through the API, run a job to COMPLETED, then compare every collection's count and every document field by
// field with PostgreSQL (playlist_track has a composite key).
func TestChinookSnapshot(t *testing.T) {
	t.Parallel()
	db, srcURL := chinookDB(t)
	projectID := importProject(t, readTestdata(t, "chinook_flat.json"))
	job := runJob(t, jobRequest(projectID, srcURL, db, map[string]any{"chunkRows": 500}))
	if !job.Statistics.SnapshotCompleted {
		t.Error("snapshotCompleted is false on a COMPLETED job")
	}
	if job.Statistics.TotalTableCount != 11 || job.Statistics.RemainingTableCount != 0 {
		t.Errorf("totalTableCount %d remainingTableCount %d, want 11 and 0", job.Statistics.TotalTableCount, job.Statistics.RemainingTableCount)
	}
	if len(job.Statistics.MigratedTables) != 11 {
		t.Errorf("migratedTables = %v, want 11 tables", job.Statistics.MigratedTables)
	}
	var totalRows int64
	conn := pgConn(t, srcURL)
	for _, c := range chinookCollections {
		n := compareCollection(t, conn, db, c.collection, c.table, c.key)
		totalRows += n
	}
	if job.Statistics.TotalEventsSeen != totalRows || job.Statistics.TotalEvents != totalRows {
		t.Errorf("totalEventsSeen %d totalEvents %d, want %d", job.Statistics.TotalEventsSeen, job.Statistics.TotalEvents, totalRows)
	}
	if job.Statistics.ElapsedSeconds < 0 || job.Statistics.TotalEventSize <= 0 {
		t.Errorf("elapsedSeconds %d totalEventSize %d", job.Statistics.ElapsedSeconds, job.Statistics.TotalEventSize)
	}

	t.Run("listed in the Temporal Web UI", func(t *testing.T) {
		ui := e2e.stack.Dev.UIURL()
		resp, err := http.Get(ui + "/")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("UI / answered %v %v", resp, err)
		}
		resp.Body.Close()
		q := url.QueryEscape(fmt.Sprintf("WorkflowId = '%s'", job.ID))
		deadline := time.Now().Add(10 * time.Second)
		for {
			var body struct {
				Executions []struct {
					Execution struct{ WorkflowID string } `json:"execution"`
					Type      struct{ Name string }       `json:"type"`
				} `json:"executions"`
			}
			err := getJSON(ui+"/api/v1/namespaces/default/workflows?query="+q, &body)
			if err == nil && len(body.Executions) == 1 && body.Executions[0].Execution.WorkflowID == job.ID {
				if body.Executions[0].Type.Name != "relmongo.Migration" {
					t.Errorf("workflow type %q", body.Executions[0].Type.Name)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s not listed by the UI server: %v %+v", job.ID, err, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// compareCollection checks count and every document of one collection against its table and
// returns the row count.
func compareCollection(t *testing.T, conn *pgx.Conn, db, collection, table string, key []string) int64 {
	t.Helper()
	ctx := context.Background()
	cols, types := tableColumns(t, conn, table)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = pgx.Identifier{c}.Sanitize() + "::text"
	}
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(exprs, ", "), pgx.Identifier{table}.Sanitize()))
	if err != nil {
		t.Fatal(err)
	}
	type row = []*string
	var all []row
	for rows.Next() {
		r := make(row, len(cols))
		dest := make([]any, len(cols))
		for i := range r {
			dest[i] = &r[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	rows.Close()
	coll := e2e.mongo.Database(db).Collection(collection)
	n, err := coll.CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(all)) {
		t.Errorf("%s: %d documents, want %d (one per row of %s)", collection, n, len(all), table)
	}
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]bson.M{}
	for cur.Next(ctx) {
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			t.Fatal(err)
		}
		docs[fmt.Sprint(m["_id"])] = m
	}
	for _, r := range all {
		var id any
		if len(key) == 1 {
			id = int32Of(t, *r[indexOf(cols, key[0])])
		} else {
			d := bson.M{}
			for _, k := range key {
				d[camel(k)] = int32Of(t, *r[indexOf(cols, k)])
			}
			id = d
		}
		doc, ok := docs[fmt.Sprint(id)]
		if !ok {
			t.Errorf("%s: no document with _id %v", collection, id)
			continue
		}
		want := len(cols) - len(key) + 1
		if len(doc) != want {
			t.Errorf("%s %v: %d fields, want %d: %v", collection, id, len(doc), want, doc)
		}
		for i, c := range cols {
			if indexOf(key, c) >= 0 {
				if _, present := doc[camel(c)]; present {
					t.Errorf("%s %v: key column %s repeated as a field", collection, id, c)
				}
				continue
			}
			got, present := doc[camel(c)]
			if !present {
				t.Errorf("%s %v: field %s missing", collection, id, camel(c))
				continue
			}
			if msg := sameValue(types[i], r[i], got); msg != "" {
				t.Errorf("%s %v field %s: %s", collection, id, camel(c), msg)
			}
		}
	}
	return int64(len(all))
}

func tableColumns(t *testing.T, conn *pgx.Conn, table string) (cols, types []string) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
		types = append(types, ty)
	}
	return cols, types
}

// sameValue compares a source value (as PostgreSQL prints it) with the stored BSON value under
// the demo project's policy.
func sameValue(sqlType string, src *string, got any) string {
	if src == nil {
		if got != nil {
			return fmt.Sprintf("got %#v, want null", got)
		}
		return ""
	}
	switch sqlType {
	case "integer":
		n, _ := strconv.ParseInt(*src, 10, 32)
		if v, ok := got.(int32); !ok || int64(v) != n {
			return fmt.Sprintf("got %#v, want int32 %d", got, n)
		}
	case "character varying", "numeric": // numeric overridden to STRING: exact text
		if v, ok := got.(string); !ok || v != *src {
			return fmt.Sprintf("got %#v, want string %q", got, *src)
		}
	case "timestamp without time zone":
		want, err := time.Parse("2006-01-02 15:04:05", *src)
		if err != nil {
			return err.Error()
		}
		if v, ok := got.(primitive.DateTime); !ok || v.Time().UTC() != want {
			return fmt.Sprintf("got %#v, want Date %s", got, want)
		}
	default:
		return "unexpected SQL type " + sqlType
	}
	return ""
}

func int32Of(t *testing.T, s string) int32 {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return int32(n)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func getJSON(u string, out any) error {
	return apiclient.New(u, "").Do(context.Background(), http.MethodGet, "", nil, out)
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
