package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/relmongo/relmongo/internal/cliview"
)

// projectsCmd is `relmongo projects …`: the project endpoints of the REST API. Commands that take
// a project accept its id or its name.
func projectsCmd() *cobra.Command {
	cmd := groupCmd("projects", "Import, export, create, list, show and delete projects (mappings) through the REST API")
	cmd.Long = "Import, export, create, list, show and delete projects through the REST API (docs/API.md,\n" +
		"docs/MAPPING.md). PROJECT is a project's id or its name.\n\n" + exitCodesHelp
	f := addAPIFlags(cmd, true)

	var importFile string
	importCmd := &cobra.Command{
		Use:   "import -f project.json",
		Short: "Store a project document as a new project; prints its id",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			doc, err := readJSONFile(cmd, importFile)
			if err != nil {
				return err
			}
			p, err := f.client().ImportProject(cmd.Context(), doc)
			if err != nil {
				return fmt.Errorf("importing %s: %w", importFile, err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), p)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), p.ID)
			return err
		},
	}
	importCmd.Flags().StringVarP(&importFile, "file", "f", "", "the project document (docs/MAPPING.md), or - for standard input")

	var exportFile string
	exportCmd := &cobra.Command{
		Use:   "export PROJECT [-o file]",
		Short: "Write a project's document (no secrets), ready to import elsewhere",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := f.client()
			p, err := resolveProject(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			doc, err := c.ExportProject(cmd.Context(), p.ID)
			if err != nil {
				return err
			}
			if exportFile == "" || exportFile == "-" {
				return printJSON(cmd.OutOrStdout(), doc)
			}
			out, err := os.Create(exportFile)
			if err != nil {
				return usageErrorf("writing the project to %s: %v", exportFile, err)
			}
			if err := printJSON(out, doc); err != nil {
				out.Close()
				return fmt.Errorf("writing the project to %s: %w", exportFile, err)
			}
			return out.Close()
		},
	}
	exportCmd.Flags().StringVarP(&exportFile, "output-file", "o", "", "write the document to this file (default: standard output)")

	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List projects, most recently modified first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			ps, err := f.client().ListProjects(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ps)
			}
			return cliview.ProjectsTable(cmd.OutOrStdout(), ps)
		},
	}

	var createFile string
	createCmd := &cobra.Command{
		Use:   "create -f request.json",
		Short: "Create a project from a live source's schema (POST /api/v1/project); prints its id",
		Long: `Create a project from a live source: the request is {name, jdbcConnectionDetails, schemas,
tables?, mapping: ONE_TO_ONE|RECOMMENDED} (docs/API.md). Prints the new project's id and, for
RECOMMENDED, why each collection was shaped as it is.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			req, err := readJSONFile(cmd, createFile)
			if err != nil {
				return err
			}
			created, raw, err := f.client().CreateProject(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("creating the project: %w", err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var head struct{ ID string }
			_ = json.Unmarshal(created.Project, &head)
			fmt.Fprintln(cmd.OutOrStdout(), head.ID)
			if len(created.Reasons) == 0 {
				return nil
			}
			rows := make([][]string, 0, len(created.Reasons))
			for _, r := range created.Reasons {
				rows = append(rows, []string{cliview.Cell(r.Collection), cliview.Cell(r.Table), cliview.Cell(r.Reason)})
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return cliview.Table(cmd.OutOrStdout(), []string{"COLLECTION", "TABLE", "REASON"}, rows)
		},
	}
	createCmd.Flags().StringVarP(&createFile, "file", "f", "", "the create request, or - for standard input")

	showCmd := &cobra.Command{
		Use:   "show PROJECT",
		Short: "Show a project: its source and collections (--output json: the whole document)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			c := f.client()
			p, err := resolveProject(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			doc, err := c.GetProject(cmd.Context(), p.ID)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), doc)
			}
			return cliview.ProjectDetails(cmd.OutOrStdout(), doc)
		},
	}

	deleteCmd := &cobra.Command{
		Use:   "delete PROJECT",
		Short: "Delete a project (refused while one of its jobs is in progress; finished jobs keep their copy)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.jsonOutput()
			if err != nil {
				return err
			}
			c := f.client()
			p, err := resolveProject(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			deleted, err := c.DeleteProject(cmd.Context(), p.ID)
			if err != nil {
				return fmt.Errorf("deleting project %s: %w", p.Name, err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), deleted)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "deleted project %s (%s)\n", deleted.Name, deleted.ID)
			return err
		},
	}
	cmd.AddCommand(importCmd, exportCmd, listCmd, createCmd, showCmd, deleteCmd)
	return cmd
}
