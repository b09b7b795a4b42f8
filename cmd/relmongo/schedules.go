package main

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/cliview"
)

// schedulesCmd is `relmongo schedules …`: the schedule endpoints of the REST API, each answer
// printed as indented JSON.
func schedulesCmd() *cobra.Command {
	cmd := groupCmd("schedules", "Create, list and control recurring migrations (Temporal Schedules) through the REST API")
	cmd.Long = "Create, list and control recurring migrations (Temporal Schedules) through the REST API.\n" +
		"Each answer is a schedule, printed as a table row (--output json: the API's object).\n\n" + exitCodesHelp
	f := addAPIFlags(cmd, true)
	// call sends one request; every schedule endpoint answers with a schedule (a list for GET
	// /schedules), printed as a table row or, with --output json, as the API sent it.
	call := func(cmd *cobra.Command, method, path string, body any) error {
		asJSON, err := f.jsonOutput()
		if err != nil {
			return err
		}
		var out json.RawMessage
		if err := f.client().Do(cmd.Context(), method, path, body, &out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), out)
		}
		var list []apiclient.Schedule
		if err := json.Unmarshal(out, &list); err != nil {
			var one apiclient.Schedule
			if err := json.Unmarshal(out, &one); err != nil {
				return fmt.Errorf("decoding the API's answer to %s %s: %w", method, path, err)
			}
			list = []apiclient.Schedule{one}
		}
		return cliview.SchedulesTable(cmd.OutOrStdout(), list)
	}
	var file string
	create := &cobra.Command{
		Use:   "create --file schedule.json",
		Short: "Create a schedule from a JSON definition (POST /api/v1/schedules; - reads standard input)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := readJSONFile(cmd, file)
			if err != nil {
				return err
			}
			return call(cmd, http.MethodPost, "/api/v1/schedules", body)
		},
	}
	create.Flags().StringVarP(&file, "file", "f", "", "the schedule definition (API.md, Schedules), or - for standard input")
	_ = create.MarkFlagRequired("file")

	var patchFile string
	update := &cobra.Command{
		Use:   "update ID --file changes.json",
		Short: "Change a schedule's spec, overlap, window settings or job (PATCH /api/v1/schedules/ID)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := readJSONFile(cmd, patchFile)
			if err != nil {
				return err
			}
			return call(cmd, http.MethodPatch, "/api/v1/schedules/"+args[0], body)
		},
	}
	update.Flags().StringVarP(&patchFile, "file", "f", "", "the fields to change, or - for standard input")
	_ = update.MarkFlagRequired("file")

	var start, end string
	backfill := &cobra.Command{
		Use:   "backfill ID --start RFC3339 --end RFC3339",
		Short: "Run the windows a schedule missed between two times, one after the other",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return call(cmd, http.MethodPost, "/api/v1/schedules/"+args[0]+"/backfill", map[string]string{"startAt": start, "endAt": end})
		},
	}
	backfill.Flags().StringVar(&start, "start", "", "start of the past period (RFC 3339, e.g. 2026-01-01T00:00:00Z)")
	backfill.Flags().StringVar(&end, "end", "", "end of the past period (RFC 3339)")
	_ = backfill.MarkFlagRequired("start")
	_ = backfill.MarkFlagRequired("end")

	simple := func(use, short, method, suffix string) *cobra.Command {
		return &cobra.Command{
			Use: use + " ID", Short: short, Args: usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return call(cmd, method, "/api/v1/schedules/"+args[0]+suffix, nil)
			},
		}
	}
	list := &cobra.Command{
		Use: "list", Short: "List relmongo's schedules with their next and recent runs", Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return call(cmd, http.MethodGet, "/api/v1/schedules", nil)
		},
	}
	cmd.AddCommand(create, list, update, backfill,
		simple("show", "Show a schedule: spec, state, next runs, recent runs and their jobs", http.MethodGet, ""),
		simple("pause", "Pause a schedule (running jobs go on)", http.MethodPost, "/pause"),
		simple("unpause", "Unpause a schedule", http.MethodPost, "/unpause"),
		simple("trigger", "Run a schedule now (its overlap policy applies)", http.MethodPost, "/trigger"),
		simple("delete", "Delete a schedule (running jobs go on)", http.MethodDelete, ""),
	)
	return cmd
}
