package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/logging"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/stack"
)

// demoDatabase is the database the demo writes into on the target (and, for a PostgreSQL source,
// the database it (re)creates on that server).
const demoDatabase = "relmongo_demo"

func demoCmd(g *globals) *cobra.Command {
	f := &devFlags{}
	var sourceSpec, pgURL string
	var exit bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Migrate the Chinook sample database into the embedded MongoDB and show the result (needs no database server)",
		Long: "Builds the Chinook sample database as a SQLite file in the data directory (if it is not there yet), starts the dev stack " +
			"(Temporal, its Web UI, the embedded MongoDB-compatible FerretDB, the API and a worker), imports the Chinook project, " +
			"runs a job through the REST API with a live progress display, and prints per source table the rows read and what " +
			"arrived, one sample document and the Temporal Web UI link. It keeps running until Ctrl-C so you can explore (--exit stops when done).\n\n" +
			"--source picks another database to load Chinook into instead:\n" +
			"  --source sqlite                     the default: <data-dir>/chinook.db\n" +
			"  --source sqlite:///path/chinook.db  another SQLite file (built if absent, reused if it holds Chinook)\n" +
			"  --source postgres                   PostgreSQL at $RELMONGO_PG_URL or postgres://postgres@127.0.0.1:5432/postgres\n" +
			"  --source postgres://user:pw@host:5432/postgres\n" +
			"                                      that PostgreSQL server: the demo (re)creates the database " + demoDatabase + " there and touches no other",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkListen(f.apiAddr, f.apiToken); err != nil {
				return err
			}
			if sourceSpec == "" && pgURL != "" {
				sourceSpec = pgURL
			}
			cfg := f.config()
			log, err := g.logger(logging.FormatText)
			if err != nil {
				return err
			}
			cfg.Logger = log
			return runDemo(cmd, cfg, sourceSpec, exit)
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVar(&sourceSpec, "source", envOr("RELMONGO_DEMO_SOURCE", ""), "database to load Chinook into: sqlite (default), a SQLite URL or path, postgres, or a PostgreSQL URL (env RELMONGO_DEMO_SOURCE)")
	cmd.Flags().StringVar(&pgURL, "pg-url", "", "PostgreSQL server to load Chinook into (same as --source with a PostgreSQL URL)")
	_ = cmd.Flags().MarkDeprecated("pg-url", "use --source postgres://… (or --source postgres for $RELMONGO_PG_URL)")
	cmd.Flags().BoolVar(&exit, "exit", false, "stop when the job is done instead of keeping the stack running for exploration")
	return cmd
}

func runDemo(cmd *cobra.Command, cfg stack.Config, sourceSpec string, exit bool) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if !cfg.EmbeddedMongo {
		return fmt.Errorf("the demo writes into the embedded MongoDB: keep --embedded-mongo")
	}
	src, err := prepareDemoSource(ctx, out, sourceSpec, cfg.DataDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Starting Temporal, the Web UI, the embedded MongoDB, the API and a worker…")
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	printEndpoints(cmd, s)
	api := apiclient.New(s.APIURL, cfg.APIToken)
	proj, projectID, err := demoProject(ctx, out, api, src.project)
	if err != nil {
		return err
	}
	targetURI := strings.TrimRight(s.Dev.MongoURI(), "/") + "/" + demoDatabase
	body := map[string]any{
		"projectId":                projectID,
		"jdbcConnectionDetails":    map[string]any{"type": src.typ, "url": src.url},
		"mongodbConnectionDetails": map[string]any{"connectionString": targetURI},
		"options":                  map[string]any{"mode": "SNAPSHOT", "dropCollections": true},
		"verification":             map[string]any{"enabled": false},
	}
	var job apiclient.Job
	if err := api.Do(ctx, http.MethodPost, "/api/v1/jobs", body, &job); err != nil {
		return fmt.Errorf("starting the demo job: %w", err)
	}
	fmt.Fprintf(out, "\nJob %s started; follow it in the Temporal Web UI: %s\n", job.ID, job.Links.TemporalUI)
	view := newProgressView(out)
	final, err := api.WaitJob(ctx, job.ID, 250*time.Millisecond, view.update)
	view.finish()
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(out, "Interrupted. The job is durable: `relmongo dev --embedded-mongo --data-dir %s` resumes it.\n", cfg.DataDir)
		return nil
	}
	if err != nil {
		return err
	}
	if final.Status != "COMPLETED" {
		msg := ""
		if final.FailureError != nil {
			msg = final.FailureError.Message
		}
		return fmt.Errorf("the demo job ended %s: %s (its events: %s/api/v1/jobs/%s/logs)", final.Status, msg, s.APIURL, final.ID)
	}
	fmt.Fprintf(out, "Job %s COMPLETED in %d s.\n\n", final.ID, final.Statistics.ElapsedSeconds)

	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(targetURI))
	if err != nil {
		return fmt.Errorf("connecting to the embedded MongoDB: %w", err)
	}
	defer mc.Disconnect(context.WithoutCancel(ctx)) //nolint:errcheck
	db := mc.Database(demoDatabase)
	countErr := printArrivals(ctx, out, src.conn, proj, db)
	if err := printSample(ctx, out, proj, db); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTemporal Web UI: %s\n", final.Links.TemporalUI)
	fmt.Fprintf(out, "Documents are in %s\n", targetURI)
	if countErr != nil {
		return countErr
	}
	if exit {
		return nil
	}
	fmt.Fprintln(out, "\nThe stack keeps running so you can explore; press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Fprintln(out, "Shutting down…")
	return nil
}

// demoProject imports the demo project, reusing the one a previous demo imported when it is the
// same, and bringing it up to date when this build ships a different one.
func demoProject(ctx context.Context, out io.Writer, api *apiclient.Client, doc []byte) (*project.Project, string, error) {
	var want project.Project
	if err := json.Unmarshal(doc, &want); err != nil {
		return nil, "", fmt.Errorf("decoding the embedded demo project: %w", err)
	}
	var list []struct{ ID, Name string }
	if err := api.Do(ctx, http.MethodGet, "/api/v1/project?limit=1000", nil, &list); err != nil {
		return nil, "", fmt.Errorf("listing projects: %w", err)
	}
	for _, p := range list {
		if p.Name != want.Name {
			continue
		}
		var have project.Project
		if err := api.Do(ctx, http.MethodGet, "/api/v1/project/"+p.ID+"/export", nil, &have); err != nil {
			return nil, "", fmt.Errorf("reading project %s: %w", p.Name, err)
		}
		have.ID, have.LastModified = "", nil
		if reflect.DeepEqual(have, want) {
			fmt.Fprintf(out, "Using project %s.\n", p.Name)
			return &want, p.ID, nil
		}
		if err := api.Do(ctx, http.MethodPut, "/api/v1/project/"+p.ID, doc, nil); err != nil {
			return nil, "", fmt.Errorf("updating project %s to this build's version: %w", p.Name, err)
		}
		fmt.Fprintf(out, "Updated project %s to this build's version.\n", p.Name)
		return &want, p.ID, nil
	}
	var created struct{ ID string }
	if err := api.Do(ctx, http.MethodPost, "/api/v1/project/import", doc, &created); err != nil {
		return nil, "", fmt.Errorf("importing the demo project: %w", err)
	}
	fmt.Fprintf(out, "Imported project %s (%d collections).\n", want.Name, len(want.Collections))
	return &want, created.ID, nil
}
