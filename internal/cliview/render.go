package cliview

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/project"
)

// JobsTable lists jobs, one per row; projectNames maps project ids to names (an unknown id is
// shown as is).
func JobsTable(w io.Writer, jobs []apiclient.Job, projectNames map[string]string) error {
	rows := make([][]string, 0, len(jobs))
	for _, j := range jobs {
		project := j.ProjectID
		if n, ok := projectNames[j.ProjectID]; ok {
			project = n
		}
		st := j.Statistics
		rows = append(rows, []string{j.ID, j.Status, Cell(project), Cell(j.SubmittedAt),
			Duration(time.Duration(st.ElapsedSeconds) * time.Second),
			Thousands(st.TotalEventsSeen) + "/" + Thousands(st.TotalEvents),
			fmt.Sprintf("%d/%d", st.TotalTableCount-st.RemainingTableCount, st.TotalTableCount)})
	}
	return Table(w, []string{"ID", "STATUS", "PROJECT", "SUBMITTED", "ELAPSED", "ROWS", "COLLECTIONS"}, rows)
}

// FailureText is a job's failure in one line: type, message and where.
func FailureText(fe *apiclient.FailureError) string {
	if fe == nil {
		return ""
	}
	s := fe.ErrorType + ": " + fe.Message
	if fe.FailedLocation != "" {
		s += " (" + strings.ToLower(fe.FailedLocationType) + " " + fe.FailedLocation + ")"
	}
	return s
}

// JobDetails prints a job's status object as name/value lines followed by its collections.
func JobDetails(w io.Writer, j *apiclient.Job, tables *apiclient.JobTables) error {
	st := j.Statistics
	fields := [][]string{
		{"ID", j.ID},
		{"Project", j.ProjectID},
		{"Status", j.Status},
		{"Submitted", j.SubmittedAt},
		{"Started", Cell(st.StartedAt)},
		{"Elapsed", Duration(time.Duration(st.ElapsedSeconds) * time.Second)},
		{"Source", Cell(j.JDBCConnectionString)},
		{"Target", Cell(j.MongoDBConnectionString)},
		{"Rows", Thousands(st.TotalEventsSeen) + "/" + Thousands(st.TotalEvents)},
		{"Collections", fmt.Sprintf("%d/%d done", st.TotalTableCount-st.RemainingTableCount, st.TotalTableCount)},
	}
	if j.ScheduleID != "" {
		fields = append(fields, []string{"Schedule", j.ScheduleID})
	}
	if v := j.VerificationText(); v != "" {
		fields = append(fields, []string{"Verification", v})
	}
	if j.FailureError != nil {
		fields = append(fields, []string{"Failure", Cell(FailureText(j.FailureError))})
	}
	if j.Links.TemporalUI != "" {
		fields = append(fields, []string{"Temporal UI", j.Links.TemporalUI})
	}
	for i := range fields {
		fields[i][0] += ":"
	}
	if err := Table(w, nil, fields); err != nil {
		return err
	}
	if tables == nil || len(tables.Collections) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return CollectionsTable(w, tables)
}

// CollectionsTable lists a job's collections with their figures.
func CollectionsTable(w io.Writer, tables *apiclient.JobTables) error {
	rows := make([][]string, 0, len(tables.Collections))
	for _, c := range tables.Collections {
		rows = append(rows, []string{c.Collection, c.State, Thousands(c.RowsRead), Thousands(c.EstimatedRows),
			Thousands(c.DocumentsWritten), Thousands(c.RowsExcluded), Thousands(c.RecordErrors),
			fmt.Sprintf("%d/%d", c.ChunksDone, c.ChunksPlanned)})
	}
	return Table(w, []string{"COLLECTION", "STATE", "ROWS READ", "ESTIMATED", "DOCUMENTS", "EXCLUDED", "ERRORS", "CHUNKS"}, rows)
}

// Summary is printed when a watched job ends: one line on how it ended, its failure if any, and
// its collections.
func Summary(w io.Writer, j *apiclient.Job, tables *apiclient.JobTables) error {
	var read, written, errs int64
	for _, c := range tables.Collections {
		read += c.RowsRead
		written += c.DocumentsWritten
		errs += c.RecordErrors
	}
	fmt.Fprintf(w, "job %s %s after %s: %s rows read, %s documents written, %s record errors, %d collections\n",
		j.ID, j.Status, Duration(time.Duration(j.Statistics.ElapsedSeconds)*time.Second),
		Thousands(read), Thousands(written), Thousands(errs), len(tables.Collections))
	if j.FailureError != nil {
		fmt.Fprintf(w, "failure: %s\n", FailureText(j.FailureError))
	}
	if v := j.VerificationText(); v != "" {
		fmt.Fprintf(w, "verification: %s\n", v)
	}
	return CollectionsTable(w, tables)
}

// EventHeader is the header line of EventLine's columns.
const EventHeader = "TIME                  TYPE     MESSAGE"

// EventLine prints a job event on one line: time, type, where, message, details and the key of
// the row it is about. The first two columns have a fixed width so that lines printed at
// different times (logs --follow) line up.
func EventLine(e apiclient.Event) string {
	var b strings.Builder
	if e.LocationName != "" {
		b.WriteString(e.LocationName)
		if e.FieldName != "" {
			b.WriteString("." + e.FieldName)
		}
		if len(e.Key) > 0 {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(e.Key)) {
				kv = append(kv, k+"="+e.Key[k])
			}
			b.WriteString(" {" + strings.Join(kv, ", ") + "}")
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Details != "" {
		b.WriteString(" (" + e.Details + ")")
	}
	if e.Count > 1 {
		fmt.Fprintf(&b, " ×%d", e.Count)
	}
	// Line breaks in a message would break the columns: the text becomes one line.
	return fmt.Sprintf("%-20s  %-7s  %s", e.Timestamp, e.EventType, strings.Join(strings.Fields(b.String()), " "))
}

// EventsTable prints events under EventHeader, in the order given.
func EventsTable(w io.Writer, evs []apiclient.Event) error {
	if _, err := fmt.Fprintln(w, EventHeader); err != nil {
		return err
	}
	for _, e := range evs {
		if _, err := fmt.Fprintln(w, EventLine(e)); err != nil {
			return err
		}
	}
	return nil
}

// ProjectsTable lists project summaries.
func ProjectsTable(w io.Writer, ps []apiclient.ProjectSummary) error {
	rows := make([][]string, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, []string{p.ID, Cell(p.Name), Cell(p.Type), Cell(p.LastModified)})
	}
	return Table(w, []string{"ID", "NAME", "TYPE", "LAST MODIFIED"}, rows)
}

// ProjectDetails prints a project document: name, id, source, then one row per collection with
// its root table and where it embeds which tables.
func ProjectDetails(w io.Writer, doc []byte) error {
	var p project.Project
	if err := json.Unmarshal(doc, &p); err != nil {
		return fmt.Errorf("decoding the project document: %w", err)
	}
	lastModified := ""
	if p.LastModified != nil {
		lastModified = p.LastModified.UTC().Format(time.RFC3339)
	}
	fields := [][]string{{"ID:", p.ID}, {"Name:", Cell(p.Name)}}
	if p.Description != "" {
		fields = append(fields, []string{"Description:", Cell(p.Description)})
	}
	fields = append(fields, []string{"Source:", Cell(p.Source.Type + " " + strings.Join(p.Source.Schemas, ","))},
		[]string{"Last modified:", Cell(lastModified)})
	if err := Table(w, nil, fields); err != nil {
		return err
	}
	fmt.Fprintln(w)
	rows := make([][]string, 0, len(p.Collections))
	for _, c := range p.Collections {
		rows = append(rows, []string{c.Name, c.Table.String(), Cell(strings.Join(embedPaths("", c.Embedded), ", "))})
	}
	return Table(w, []string{"COLLECTION", "ROOT TABLE", "EMBEDS"}, rows)
}

// embedPaths lists embedded rules as field=table, nested fields dotted, arrays marked [] and
// merged tables as parent+=table.
func embedPaths(prefix string, es []project.Embedded) []string {
	var out []string
	for _, e := range es {
		if e.Merge {
			// Merged fields land in the parent itself: "tracks[]+=public.track".
			parent := strings.TrimSuffix(prefix, ".")
			out = append(out, parent+"+="+e.Table.String())
			out = append(out, embedPaths(prefix, e.Embedded)...)
			continue
		}
		path := prefix + e.Field
		if e.Kind == project.KindEmbeddedArray {
			path += "[]"
		}
		out = append(out, path+"="+e.Table.String())
		out = append(out, embedPaths(path+".", e.Embedded)...)
	}
	return out
}

// SchedulesTable lists schedules: state, spec, overlap policy, next run and the last run's job.
func SchedulesTable(w io.Writer, ss []apiclient.Schedule) error {
	rows := make([][]string, 0, len(ss))
	for _, s := range ss {
		state := "ACTIVE"
		if s.Paused {
			state = "PAUSED"
		}
		spec := s.Spec.Cron
		if spec == "" && s.Spec.Interval != "" {
			spec = "every " + s.Spec.Interval
		}
		if s.Spec.TimeZone != "" {
			spec += " (" + s.Spec.TimeZone + ")"
		}
		next := ""
		if len(s.NextRuns) > 0 {
			next = s.NextRuns[0]
		}
		last := ""
		if n := len(s.RecentRuns); n > 0 {
			r := s.RecentRuns[n-1]
			last = r.ScheduledTime + " " + r.Status + " " + r.JobID
		}
		rows = append(rows, []string{s.ID, state, Cell(spec), Cell(s.Overlap), Cell(next), Cell(last)})
	}
	return Table(w, []string{"ID", "STATE", "SPEC", "OVERLAP", "NEXT RUN", "LAST RUN"}, rows)
}
