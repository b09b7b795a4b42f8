package activities

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/store"
)

func TestLocateColumn(t *testing.T) {
	root := &project.TablePlan{
		Table:   project.TableRef{Schema: "public", Name: "invoice"},
		Columns: []project.ColumnPlan{{Name: "total"}, {Name: "public.odd"}},
		Embedded: []project.TablePlan{
			{Table: project.TableRef{Schema: "public", Name: "line"}, Embedded: []project.TablePlan{
				{Table: project.TableRef{Schema: "public", Name: "line.x"}},
			}},
		},
	}
	tests := []struct{ name, table, column string }{
		{"total", "public.invoice", "total"},
		{"public.odd", "public.invoice", "public.odd"}, // a root column whose name looks qualified
		{"public.line.price", "public.line", "price"},
		{"public.line.x.qty", "public.line.x", "qty"}, // the longest matching table wins
		{"other.t.c", "public.invoice", "other.t.c"},
	}
	for _, tc := range tests {
		table, column := locateColumn(root, tc.name)
		if table != tc.table || column != tc.column {
			t.Errorf("locateColumn(%q) = %q, %q; want %q, %q", tc.name, table, column, tc.table, tc.column)
		}
	}
}

func TestSummarizer(t *testing.T) {
	sum := summarizer("Europe/Berlin")
	tests := []struct {
		tally store.Tally
		ok    bool
		msg   string
	}{
		{store.Tally{LocationName: "public.t", Kind: tallySkipped, Count: 1}, true, "table public.t: 1 record was skipped under errorHandling SKIP"},
		{store.Tally{LocationName: "public.t", Kind: tallySkipped, Count: 4}, true, "table public.t: 4 records were skipped"},
		{store.Tally{LocationName: "public.t", Kind: tallySkipped, Count: 0}, false, ""},
		{store.Tally{LocationName: "public.t", FieldName: "ts", Kind: convert.NoteSubMillisecondTruncated.String(), Count: 2}, true, "column ts of table public.t: 2 values had digits below the millisecond"},
		{store.Tally{LocationName: "public.t", FieldName: "ts", Kind: convert.NoteDSTGap.String(), Count: 1}, true, "1 wall time does not exist in sourceTimeZone Europe/Berlin"},
		{store.Tally{LocationName: "public.t", FieldName: "ts", Kind: convert.NoteDSTAmbiguous.String(), Count: 3}, true, "3 wall times occur twice in sourceTimeZone Europe/Berlin"},
	}
	for _, tc := range tests {
		ev, ok := sum(tc.tally)
		if ok != tc.ok {
			t.Errorf("%+v: ok %v, want %v", tc.tally, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if ev.EventType != "WARNING" || ev.Count != tc.tally.Count || ev.LocationName != tc.tally.LocationName || ev.FieldName != tc.tally.FieldName || ev.LocationType != "TABLE" {
			t.Errorf("%+v: event %+v", tc.tally, ev)
		}
		if !strings.Contains(ev.Message, tc.msg) {
			t.Errorf("%+v: message %q does not contain %q", tc.tally, ev.Message, tc.msg)
		}
	}
}

func TestRecordErrorEvents(t *testing.T) {
	rerr := &assemble.RecordError{Table: project.TableRef{Schema: "public", Name: "t"}, Key: map[string]string{"id": "7"}, Column: "c", Reason: "bad"}
	tests := []struct {
		handling  string
		eventType string // "" = no event
	}{
		{"FAIL", "ERROR"},
		{"", "ERROR"},
		{"WARN", "WARNING"},
		{"SKIP", ""},
	}
	for _, tc := range tests {
		r := &chunkRun{in: contract.CopyChunkInput{JobID: "j", Options: contract.Options{ErrorHandling: tc.handling}}}
		r.in.Plan.Root.Table = rerr.Table
		r.recordError(rerr)
		r.recordError(rerr)
		if r.progress.RecordErrors != 2 {
			t.Errorf("%s: %d record errors counted, want 2", tc.handling, r.progress.RecordErrors)
		}
		if tc.eventType == "" {
			if len(r.events) != 0 {
				t.Errorf("%s: events %+v, want none", tc.handling, r.events)
			}
			want := []store.Tally{{LocationName: "public.t", Kind: tallySkipped, Count: 2}}
			if got := r.tallies(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: tallies %+v, want %+v", tc.handling, got, want)
			}
			continue
		}
		if len(r.events) != 2 {
			t.Fatalf("%s: %d events, want 2", tc.handling, len(r.events))
		}
		e := r.events[0]
		if e.EventType != tc.eventType || e.LocationName != "public.t" || e.FieldName != "c" || e.Key["id"] != "7" || e.ErrorType != "RecordError" || e.Count != 1 {
			t.Errorf("%s: event %+v", tc.handling, e)
		}
		if got := r.tallies(); len(got) != 0 {
			t.Errorf("%s: tallies %+v, want none (only SKIP is summarized)", tc.handling, got)
		}
	}
}

func TestWarnFallbackColumnsOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateJob(ctx, store.Job{ID: "j", ProjectID: "p", Status: "RUNNING"}); err != nil {
		t.Fatal(err)
	}
	a := &Activities{Store: st}
	ref := project.TableRef{Schema: "public", Name: "t"}
	plans := []project.CollectionPlan{
		{Name: "a", Root: project.TablePlan{Table: ref, Columns: []project.ColumnPlan{
			{Name: "id", Kind: convert.KindInt32, KeyPart: 1},
			{Name: "r", DataType: "int4range", Kind: convert.KindText, Output: []string{"r"}},
			{Name: "rs", DataType: "int4range[]", Kind: convert.KindArray, Element: convert.KindText, Output: []string{"rs"}},
			{Name: "acknowledged", DataType: "pg_lsn", Kind: convert.KindText, Override: "STRING", Output: []string{"acknowledged"}},
		}}},
		// The same table in a second collection: still one warning per column.
		{Name: "b", Root: project.TablePlan{Table: ref, Columns: []project.ColumnPlan{
			{Name: "r", DataType: "int4range", Kind: convert.KindText, Output: []string{"r"}},
		}}},
	}
	for i := 0; i < 2; i++ { // a retried Prepare reports nothing new
		if err := a.warnFallbackColumns(ctx, "j", plans); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := st.ListEvents(ctx, "j", 0, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, e := range evs {
		fields = append(fields, e.FieldName)
		if e.EventType != "WARNING" || e.LocationName != "public.t" || !strings.Contains(e.Message, "no conversion rule") {
			t.Errorf("event %+v", e)
		}
	}
	if !reflect.DeepEqual(fields, []string{"rs", "r"}) {
		t.Errorf("warned columns %q (newest first), want [rs r]", fields)
	}
}
