package tests

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	// Registers the "sqlserver" database/sql driver used to load the test databases.
	_ "github.com/microsoft/go-mssqldb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/connstr"
)

// The SQL Server suite runs only against a real server, which cannot run on the machines this
// project is developed on. Run it with SQL Server in Docker (see README.md):
//
//	docker run -d --name relmongo-mssql -e ACCEPT_EULA=Y -e 'MSSQL_SA_PASSWORD=Relmongo-Test1' \
//	    -p 127.0.0.1:1433:1433 mcr.microsoft.com/mssql/server:2022-latest
//	RELMONGO_MSSQL_URL='sqlserver://sa:Relmongo-Test1@127.0.0.1:1433?database=master&encrypt=disable' \
//	    go test ./tests/ -run MSSQL -v
//
// The URL's login must be allowed to create databases: every test creates its own
// relmongo_test_* database (SNAPSHOT isolation on) and drops it at the end.

// mssqlEnv is the parsed RELMONGO_MSSQL_URL.
func mssqlEnv(t *testing.T) connstr.Source {
	t.Helper()
	raw := os.Getenv("RELMONGO_MSSQL_URL")
	if raw == "" {
		t.Skip("RELMONGO_MSSQL_URL not set: the SQL Server suite needs a real SQL Server (see the comment in tests/mssql_test.go and README.md)")
	}
	cs, err := connstr.ParseSource(connstr.TypeSQLServer, raw, "", "")
	if err != nil {
		t.Fatalf("RELMONGO_MSSQL_URL: %v", err)
	}
	return cs
}

// mssqlDB creates a fresh database on the server with SNAPSHOT isolation allowed, runs the
// given batches in it, drops it at cleanup, and returns its connection (for the test's
// own queries) and the source URL a job uses.
func mssqlDB(t *testing.T, admin connstr.Source, batches []string) (*sql.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	name := chinook.OwnedPrefix + "test_" + randomSuffix()
	adm, err := sql.Open("sqlserver", admin.MSSQLConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { adm.Close() })
	q := "[" + name + "]" // name is relmongo_test_<hex>: nothing to escape
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+q); err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = adm.ExecContext(ctx, "ALTER DATABASE "+q+" SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
		if _, err := adm.ExecContext(ctx, "DROP DATABASE "+q); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	if _, err := adm.ExecContext(ctx, "ALTER DATABASE "+q+" SET ALLOW_SNAPSHOT_ISOLATION ON"); err != nil {
		t.Fatalf("allowing SNAPSHOT isolation on %s: %v", name, err)
	}
	cs := admin
	cs.Database = name
	db, err := sql.Open("sqlserver", cs.MSSQLConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i, b := range batches {
		if _, err := db.ExecContext(ctx, b); err != nil {
			t.Fatalf("batch %d of the script: %v", i+1, err)
		}
	}
	return db, cs.MSSQLConnString()
}

// chinookBatches returns the batches of Chinook_SqlServer.sql after its own CREATE DATABASE
// and USE (the tables go into the test's database), split at GO lines.
func chinookBatches(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "chinook", "Chinook_SqlServer.sql"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	const marker = "USE [Chinook];"
	i := strings.Index(script, marker)
	if i < 0 {
		t.Fatalf("Chinook_SqlServer.sql has no %q line", marker)
	}
	var batches []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(script[i+len(marker):]))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.EqualFold(strings.TrimSpace(line), "GO") {
			if s := strings.TrimSpace(cur.String()); s != "" {
				batches = append(batches, s)
			}
			cur.Reset()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		batches = append(batches, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return batches
}

// mssqlJob is jobRequest for a SQL Server source.
func mssqlJob(projectID, sourceURL, targetDB string, opts map[string]any) map[string]any {
	body := jobRequest(projectID, sourceURL, targetDB, opts)
	body["jdbcConnectionDetails"] = map[string]any{"type": connstr.TypeSQLServer, "url": sourceURL}
	return body
}

// TestMSSQLChinookMatchesPostgreSQL migrates Chinook from SQL Server with its project and from
// PostgreSQL with the demo project, and requires the same documents in every collection. The
// closed list of accepted differences (also in project_sqlserver.json's description):
//   - artistAlbumTitles.albumTitles is sorted by title, i.e. by each server's collation: the
//     arrays are compared as sorted lists.
func TestMSSQLChinookMatchesPostgreSQL(t *testing.T) {
	admin := mssqlEnv(t)
	t.Parallel()
	_, msURL := mssqlDB(t, admin, chinookBatches(t))
	pgDB, pgURL := chinookDB(t)
	msTarget := pgDB + "_mssql"

	pgProject := importProject(t, chinook.PostgresProject())
	runJob(t, jobRequest(pgProject, pgURL, pgDB, map[string]any{"chunkRows": 100}))

	msProjectDoc, err := os.ReadFile(filepath.Join("..", "internal", "chinook", "project_sqlserver.json"))
	if err != nil {
		t.Fatal(err)
	}
	msProject := importProject(t, msProjectDoc)
	job := runJob(t, mssqlJob(msProject, msURL, msTarget, map[string]any{"chunkRows": 100}))
	if !job.Statistics.SnapshotCompleted {
		t.Error("snapshotCompleted is false on a COMPLETED job")
	}

	var project struct {
		Collections []struct{ Name string } `json:"collections"`
	}
	if err := json.Unmarshal(msProjectDoc, &project); err != nil {
		t.Fatal(err)
	}
	if len(project.Collections) == 0 {
		t.Fatal("the SQL Server project has no collections")
	}
	for _, c := range project.Collections {
		t.Run(c.Name, func(t *testing.T) {
			want := collectionDocs(t, pgDB, c.Name)
			got := collectionDocs(t, msTarget, c.Name)
			if len(want) == 0 {
				t.Fatalf("the PostgreSQL run wrote no %s", c.Name)
			}
			if len(got) != len(want) {
				t.Errorf("%d documents, want %d", len(got), len(want))
			}
			for id, w := range want {
				g, ok := got[id]
				if !ok {
					t.Errorf("no document with _id %s", id)
					continue
				}
				if g != w {
					t.Errorf("_id %s:\n got %s\nwant %s", id, g, w)
				}
			}
		})
	}
}

// collectionDocs reads a collection as canonical Extended JSON by _id, field order kept and
// the collation-ordered albumTitles arrays sorted.
func collectionDocs(t *testing.T, db, collection string) map[string]string {
	t.Helper()
	ctx := context.Background()
	cur, err := e2e.mongo.Database(db).Collection(collection).Find(ctx, bson.D{}, options.Find())
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	out := map[string]string{}
	for cur.Next(ctx) {
		var d bson.D
		if err := cur.Decode(&d); err != nil {
			t.Fatal(err)
		}
		for i, e := range d {
			if e.Key == "albumTitles" {
				if a, ok := e.Value.(bson.A); ok {
					sort.Slice(a, func(x, y int) bool { return fmt.Sprint(a[x]) < fmt.Sprint(a[y]) })
					d[i].Value = a
				}
			}
		}
		id, err := bson.MarshalExtJSON(bson.D{{Key: "_id", Value: d[0].Value}}, true, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bson.MarshalExtJSON(d, true, false)
		if err != nil {
			t.Fatal(err)
		}
		out[string(id)] = string(b)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// mssqlWords are distinct under SQL_Latin1_General_CP1_CI_AS (case-insensitive, accent-
// sensitive) and all in code page 1252; hyphens, apostrophes and spaces sort differently under
// the varchar (SQL) and nvarchar (Unicode) rules of that collation, which is what a boundary
// bound as nvarchar would get wrong.
var mssqlWords = []string{
	"apple", "Apfel", "äpfel", "Bär", "bar", "barn", "bar-b-q", "barbq", "co-op", "coop", "co op",
	"o'neil", "oneil", "O'Neill", "zebra", "Zèbre", "éclair", "eclairs", "naïve", "naive", "Ñandú",
	"nandu", "Çava", "cava2", "MiXeD", "mixed-case", "_under", "-dash", "~tilde", "123", "0123",
	"a", "B", "ä", "á", "à", "â", "Z", "z1", "Œuvre", "oeuvre2", "Æsir", "aesir2",
}

// TestMSSQLCollationKeysEveryRowOnce chunks a table keyed by (varchar with an SQL_ collation,
// int), whose names need quoting, two rows per chunk: every row must be read exactly once.
func TestMSSQLCollationKeysEveryRowOnce(t *testing.T) {
	admin := mssqlEnv(t)
	t.Parallel()
	const parts = 3
	var values []string
	for _, w := range mssqlWords {
		for p := 1; p <= parts; p++ {
			values = append(values, fmt.Sprintf("(N'%s', %d, N'%s #%d')", strings.ReplaceAll(w, "'", "''"), p, strings.ReplaceAll(w, "'", "''"), p))
		}
	}
	_, url := mssqlDB(t, admin, []string{
		"CREATE TABLE [dbo].[Word ]]Parts] ([Wörd] varchar(40) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL, [Part] int NOT NULL, " +
			"[Note] nvarchar(60) NULL, CONSTRAINT [PK_WordParts] PRIMARY KEY ([Wörd], [Part]))",
		"INSERT INTO [dbo].[Word ]]Parts] ([Wörd], [Part], [Note]) VALUES " + strings.Join(values, ", "),
	})
	doc := `{"version": 1, "name": "mssql-words", "source": {"type": "SQL_SERVER", "schemas": ["dbo"]},
	  "settings": {"keyHandling": "WRAPPED", "casing": "KEEP", "nullHandling": "INCLUDE"},
	  "collections": [{"name": "words", "table": {"schema": "dbo", "name": "Word ]Parts"}}]}`
	projectID := importProject(t, []byte(doc))
	target := chinook.OwnedPrefix + "words_" + randomSuffix()
	job := runJob(t, mssqlJob(projectID, url, target, map[string]any{"chunkRows": 2}))
	rows := int64(len(mssqlWords) * parts)
	if job.Statistics.TotalEventsSeen != rows {
		t.Errorf("%d rows read, want %d: a chunk boundary skipped or repeated rows", job.Statistics.TotalEventsSeen, rows)
	}
	ctx := context.Background()
	cur, err := e2e.mongo.Database(target).Collection("words").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	seen := map[string]int{}
	for cur.Next(ctx) {
		var d struct {
			ID struct {
				Word string `bson:"Wörd"`
				Part int32  `bson:"Part"`
			} `bson:"_id"`
			Note string `bson:"Note"`
		}
		if err := cur.Decode(&d); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%s #%d", d.ID.Word, d.ID.Part)
		seen[key]++
		if d.Note != key {
			t.Errorf("document %s has note %q", key, d.Note)
		}
	}
	for _, w := range mssqlWords {
		for p := 1; p <= parts; p++ {
			key := fmt.Sprintf("%s #%d", w, p)
			if seen[key] != 1 {
				t.Errorf("row %q written %d times", key, seen[key])
			}
			delete(seen, key)
		}
	}
	for k := range seen {
		t.Errorf("unexpected document %q (text changed on the way?)", k)
	}
}

// TestMSSQLBadInput: a wrong password, an unreachable host, a missing database and a missing
// table are refused by POST /jobs with 422 and a message that says what is wrong, in bounded
// time.
func TestMSSQLBadInput(t *testing.T) {
	admin := mssqlEnv(t)
	t.Parallel()
	_, url := mssqlDB(t, admin, chinookBatches(t)[:1])
	cs, err := connstr.ParseSource(connstr.TypeSQLServer, url, "", "")
	if err != nil {
		t.Fatal(err)
	}
	msProjectDoc, err := os.ReadFile(filepath.Join("..", "internal", "chinook", "project_sqlserver.json"))
	if err != nil {
		t.Fatal(err)
	}
	projectID := importProject(t, msProjectDoc)
	variant := func(edit func(*connstr.Source)) string {
		c := cs
		c.Params = map[string]string{}
		for k, v := range cs.Params {
			c.Params[k] = v
		}
		edit(&c)
		return c.MSSQLConnString()
	}
	cases := []struct {
		name, url, want string
	}{
		{"wrong password", variant(func(c *connstr.Source) { c.Password += "-wrong" }), "login failed"},
		{"unreachable host", variant(func(c *connstr.Source) { c.Host, c.Port = "127.0.0.1", 1 }), "source"},
		{"missing database", variant(func(c *connstr.Source) { c.Database += "_absent" }), "does not exist"},
		{"no database", variant(func(c *connstr.Source) { c.Database = "" }), "names no database"},
		// Only the first batch (the Album table) was loaded: the other tables are missing.
		{"missing table", url, "Artist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			err := e2e.api.Do(ctx, http.MethodPost, "/api/v1/jobs", mssqlJob(projectID, tc.url, "relmongo_bad", nil), nil)
			var apiErr *apiclient.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want an API error", err)
			}
			if apiErr.Status != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422 (%s)", apiErr.Status, apiErr.Error())
			}
			if msg := apiErr.Message + " " + apiErr.Description; !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.want)) {
				t.Errorf("error %q does not mention %q", msg, tc.want)
			}
			if strings.Contains(apiErr.Error(), cs.Password) && cs.Password != "" {
				t.Error("the password appears in the error")
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("answered after %s", d)
			}
		})
	}
}
