package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/stack"
)

// demoDatabase is the database the demo creates on the user's PostgreSQL and on the target.
const demoDatabase = "relmongo_demo"

func demoCmd(g *globals) *cobra.Command {
	f := &devFlags{}
	var pgURL string
	var exit bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Migrate the Chinook sample database from PostgreSQL into the embedded MongoDB and show the result",
		Long: "Starts the dev stack with the embedded MongoDB-compatible target, (re)creates the database " + demoDatabase +
			" on the PostgreSQL server of --pg-url (it touches no other database), loads Chinook into it, imports the Chinook project, " +
			"runs a job through the REST API and prints per-collection counts and the Temporal UI link.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLoopback(f.apiAddr); err != nil {
				return err
			}
			cfg := f.config()
			cfg.Logger = g.logger()
			return runDemo(cmd, cfg, pgURL, exit)
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVar(&pgURL, "pg-url", envOr("RELMONGO_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server to load Chinook into (any existing database; the demo creates "+demoDatabase+") (env RELMONGO_PG_URL)")
	cmd.Flags().BoolVar(&exit, "exit", false, "stop when the job is done instead of keeping the stack running for exploration")
	return cmd
}

func runDemo(cmd *cobra.Command, cfg stack.Config, pgURL string, exit bool) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if !cfg.EmbeddedMongo {
		return fmt.Errorf("the demo writes into the embedded MongoDB: keep --embedded-mongo")
	}
	fmt.Fprintf(out, "Loading Chinook into PostgreSQL database %s…\n", demoDatabase)
	if err := chinook.LoadPostgres(ctx, pgURL, demoDatabase); err != nil {
		return fmt.Errorf("%w (is PostgreSQL running? point --pg-url or RELMONGO_PG_URL at it)", err)
	}
	sourceURL, err := withDatabase(pgURL, demoDatabase)
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
	api := apiclient.New(s.APIURL, "")
	projectID, err := demoProject(ctx, api)
	if err != nil {
		return err
	}
	targetURI := strings.TrimRight(s.Dev.MongoURI(), "/") + "/" + demoDatabase
	body := map[string]any{
		"projectId":                projectID,
		"jdbcConnectionDetails":    map[string]any{"type": "POSTGRESQL", "url": sourceURL},
		"mongodbConnectionDetails": map[string]any{"connectionString": targetURI},
		"options":                  map[string]any{"mode": "SNAPSHOT", "dropCollections": true},
		"verification":             map[string]any{"enabled": false},
	}
	var job apiclient.Job
	if err := api.Do(ctx, http.MethodPost, "/api/v1/jobs", body, &job); err != nil {
		return fmt.Errorf("starting the demo job: %w", err)
	}
	fmt.Fprintf(out, "Job %s started; follow it in the Temporal Web UI: %s\n", job.ID, job.Links.TemporalUI)
	last := ""
	final, err := api.WaitJob(ctx, job.ID, 500*time.Millisecond, func(j *apiclient.Job) {
		line := fmt.Sprintf("  %-11s rows %d/%d, collections done %d/%d", j.Status, j.Statistics.TotalEventsSeen, j.Statistics.TotalEvents,
			j.Statistics.TotalTableCount-j.Statistics.RemainingTableCount, j.Statistics.TotalTableCount)
		if line != last {
			fmt.Fprintln(out, line)
			last = line
		}
	})
	if err != nil {
		return err
	}
	if final.Status != "COMPLETED" {
		msg := ""
		if final.FailureError != nil {
			msg = final.FailureError.Message
		}
		return fmt.Errorf("the demo job ended %s: %s", final.Status, msg)
	}
	fmt.Fprintf(out, "Job %s COMPLETED in %d s.\n\n", final.ID, final.Statistics.ElapsedSeconds)
	if err := printCounts(ctx, cmd, sourceURL, targetURI); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTemporal Web UI: %s\n", final.Links.TemporalUI)
	fmt.Fprintf(out, "Documents are in %s\n", targetURI)
	if exit {
		return nil
	}
	fmt.Fprintln(out, "The stack keeps running so you can explore; press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

// demoProject imports the Chinook project, or reuses the one a previous demo imported.
func demoProject(ctx context.Context, api *apiclient.Client) (string, error) {
	var doc project.Project
	if err := json.Unmarshal(chinook.PostgresProject(), &doc); err != nil {
		return "", fmt.Errorf("decoding the embedded demo project: %w", err)
	}
	var list []struct{ ID, Name string }
	if err := api.Do(ctx, http.MethodGet, "/api/v1/project", nil, &list); err != nil {
		return "", err
	}
	for _, p := range list {
		if p.Name == doc.Name {
			return p.ID, nil
		}
	}
	var created struct{ ID string }
	if err := api.Do(ctx, http.MethodPost, "/api/v1/project/import", chinook.PostgresProject(), &created); err != nil {
		return "", fmt.Errorf("importing the demo project: %w", err)
	}
	return created.ID, nil
}

// withDatabase returns connString with its database replaced, as a postgres:// URL.
func withDatabase(connString, db string) (string, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return "", fmt.Errorf("invalid --pg-url: %w", err)
	}
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + db}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{}
	if strings.Contains(connString, "sslmode=disable") || cfg.TLSConfig == nil {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func printCounts(ctx context.Context, cmd *cobra.Command, sourceURL, targetURI string) error {
	var doc project.Project
	_ = json.Unmarshal(chinook.PostgresProject(), &doc)
	src, err := pgx.Connect(ctx, sourceURL)
	if err != nil {
		return err
	}
	defer src.Close(context.WithoutCancel(ctx))
	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(targetURI))
	if err != nil {
		return err
	}
	defer mc.Disconnect(context.WithoutCancel(ctx)) //nolint:errcheck
	db := mc.Database(demoDatabase)
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLLECTION\tSOURCE TABLE\tSOURCE ROWS\tDOCUMENTS\t")
	allEqual := true
	for _, c := range doc.Collections {
		var rows int64
		if err := src.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{c.Table.Schema, c.Table.Name}.Sanitize()).Scan(&rows); err != nil {
			return err
		}
		docs, err := db.Collection(c.Name).CountDocuments(ctx, bson.D{})
		if err != nil {
			return err
		}
		mark := ""
		if docs != rows {
			mark = "MISMATCH"
			allEqual = false
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", c.Name, c.Table, rows, docs, mark)
	}
	tw.Flush()
	if !allEqual {
		return fmt.Errorf("some collections do not match their source tables")
	}
	fmt.Fprintln(cmd.OutOrStdout(), "Every collection has one document per source row.")
	return nil
}
