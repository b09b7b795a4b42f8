package activities

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/savedconn"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
)

// TestResolveSavedConnections: a scheduled run resolves the saved connections its schedule names
// as they are now; a deleted one, or one that became another source type, is a setup problem that
// says what to do.
func TestResolveSavedConnections(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	key, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	a := New(st, key, nil)
	save := func(id string, v any, masked string) {
		t.Helper()
		c, err := savedconn.Seal(key, id, v, masked)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	save("pg", savedconn.Source{Type: "POSTGRESQL", URL: "postgres://h/db", User: "u", Password: "pw-now"}, "jdbc:postgresql://h:5432/db?user=u&password=*****")
	save("ms", savedconn.Source{Type: "SQL_SERVER", URL: "sqlserver://h?database=x"}, "jdbc:sqlserver://h:1433;databaseName=x")
	save("tgt", savedconn.Target{ConnectionString: "mongodb://w:pw@m:27017/sales"}, "mongodb://w:*****@m:27017/sales")

	run := func(src, tgt string) contract.ScheduledRunInput {
		return contract.ScheduledRunInput{ScheduleID: "nightly", Job: contract.MigrationInput{Connections: contract.Connections{
			SourceType: "POSTGRESQL", SourceConnectionID: src, TargetConnectionID: tgt,
			Source: secret.Sealed{Ciphertext: "v1:given-source"}, Target: secret.Sealed{Ciphertext: "v1:given-target"}}}}
	}

	// None named: nothing to resolve.
	var job store.Job
	if conns, err := a.resolveSavedConnections(ctx, run("", ""), &job); conns != nil || err != nil {
		t.Fatalf("no saved connection: %+v, %v", conns, err)
	}

	// Both named: sealed as they are now, shown masked on the job.
	conns, err := a.resolveSavedConnections(ctx, run("pg", "tgt"), &job)
	if err != nil || conns == nil {
		t.Fatalf("resolve: %v", err)
	}
	var src contract.SourceSecret
	var tgt contract.TargetSecret
	if err := key.OpenJSON(conns.Source, &src); err != nil || src != (contract.SourceSecret{URL: "postgres://h/db", User: "u", Password: "pw-now"}) {
		t.Fatalf("source %+v, %v", src, err)
	}
	if err := key.OpenJSON(conns.Target, &tgt); err != nil || tgt.ConnectionString != "mongodb://w:pw@m:27017/sales" {
		t.Fatalf("target %+v, %v", tgt, err)
	}
	if conns.SourceType != "POSTGRESQL" || job.JDBCConnectionString != "jdbc:postgresql://h:5432/db?user=u&password=*****" ||
		job.MongoConnectionString != "mongodb://w:*****@m:27017/sales" || job.TargetKey == "" {
		t.Fatalf("conns %+v job %+v", conns, job)
	}

	// Only the target named: the given source ciphertext stays.
	if conns, err := a.resolveSavedConnections(ctx, run("", "tgt"), &store.Job{}); err != nil || conns.Source.Ciphertext != "v1:given-source" {
		t.Fatalf("target only: %+v, %v", conns, err)
	}

	for _, tc := range []struct {
		name, src, tgt, want string
	}{
		{"deleted", "gone", "", "saved connection gone of schedule nightly was deleted: save it again under this id"},
		{"other type", "ms", "", "saved connection ms is now a SQL_SERVER connection but schedule nightly reads a POSTGRESQL source"},
		{"target as source", "tgt", "", "is a MongoDB connection"},
		{"source as target", "", "pg", "not as a MongoDB target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.resolveSavedConnections(ctx, run(tc.src, tc.tgt), &store.Job{})
			var rs *runSetupError
			if !errors.As(err, &rs) || !strings.Contains(rs.msg, tc.want) {
				t.Fatalf("got %v, want a setup problem saying %q", err, tc.want)
			}
		})
	}
}
