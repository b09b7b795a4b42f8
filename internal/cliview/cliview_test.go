package cliview

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/apiclient"
)

func TestThousandsDurationBarPercent(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 15607: "15,607", 1234567: "1,234,567", -4580: "-4,580"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{-time.Second: "0s", 0: "0s", 1499 * time.Millisecond: "1s", 59 * time.Second: "59s",
		65 * time.Second: "1m05s", 3599 * time.Second: "59m59s", 3600 * time.Second: "1h00m", 7330 * time.Second: "2h02m"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
	}
	for _, tc := range []struct {
		done, total int64
		want        string
	}{{0, 0, "[....]   0%"}, {1, 2, "[##..]  50%"}, {5, 4, "[####] 100%"}, {-1, 4, "[....]   0%"}} {
		if got := Bar(tc.done, tc.total, 4); got != tc.want {
			t.Errorf("Bar(%d, %d) = %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
	for _, tc := range []struct {
		done, total int64
		want        string
	}{{1, 0, ""}, {1, 3, "33.3%"}, {9, 4, "100.0%"}} {
		if got := Percent(tc.done, tc.total); got != tc.want {
			t.Errorf("Percent(%d, %d) = %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
}

func TestTableAndCell(t *testing.T) {
	var b bytes.Buffer
	if err := Table(&b, []string{"ID", "NAME"}, [][]string{{"1", Cell("a\tb\nc")}, {"12345", Cell("")}}); err != nil {
		t.Fatal(err)
	}
	want := "ID     NAME\n1      a b c\n12345  -\n"
	if b.String() != want {
		t.Fatalf("Table printed\n%q\nwant\n%q", b.String(), want)
	}
}

func TestRateMeterAndETA(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type point struct {
		s float64
		n int64
	}
	cases := []struct {
		name   string
		window time.Duration
		points []point
		want   float64
	}{
		{"no sample", 0, nil, 0},
		{"one sample", 0, []point{{0, 100}}, 0},
		{"under a second of history", 0, []point{{0, 0}, {0.5, 500}}, 0},
		{"steady", 0, []point{{0, 0}, {1, 100}, {2, 200}, {4, 400}}, 100},
		{"old samples leave the window", 4 * time.Second, []point{{0, 0}, {1, 1000}, {5, 1000}, {9, 1400}}, 100},
		{"a counter going back restarts", 0, []point{{0, 0}, {2, 800}, {3, 100}, {5, 300}}, 100},
		{"stalled", 0, []point{{0, 50}, {3, 50}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &RateMeter{Window: tc.window}
			for _, p := range tc.points {
				m.Add(at(p.s), p.n)
			}
			if got := m.Rate(); got != tc.want {
				t.Fatalf("Rate() = %v, want %v", got, tc.want)
			}
		})
	}
	etas := []struct {
		remaining int64
		rate      float64
		want      time.Duration
		ok        bool
	}{
		{1000, 100, 10 * time.Second, true},
		{150, 100, 1500 * time.Millisecond, true},
		{0, 100, 0, false},
		{-5, 100, 0, false},
		{1000, 0, 0, false},
		{1 << 62, 1e-9, 0, false},
	}
	for _, tc := range etas {
		got, ok := ETA(tc.remaining, tc.rate)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ETA(%d, %v) = %s, %v; want %s, %v", tc.remaining, tc.rate, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		rate float64
		want string
	}{{0, "- rows/s"}, {2.345, "2.3 rows/s"}, {1234.6, "1,235 rows/s"}} {
		if got := FormatRate(tc.rate); got != tc.want {
			t.Errorf("FormatRate(%v) = %q, want %q", tc.rate, got, tc.want)
		}
	}
	if got := FormatETA(65*time.Second, true); got != "ETA 1m05s" {
		t.Errorf("FormatETA = %q", got)
	}
	if got := FormatETA(0, false); got != "ETA -" {
		t.Errorf("FormatETA unknown = %q", got)
	}
}

// tablesAt is a /tables answer with two collections.
func tablesAt(tracksRead, albumsRead int64, tracksState string) *apiclient.JobTables {
	return &apiclient.JobTables{JobID: "j1", Status: "RUNNING", Collections: []apiclient.CollectionProgress{
		{Collection: "tracks", State: tracksState, Counters: apiclient.Counters{EstimatedRows: 3500, RowsRead: tracksRead, DocumentsWritten: tracksRead}},
		{Collection: "albums", State: "PENDING", Counters: apiclient.Counters{RowsRead: albumsRead}},
	}}
}

func TestTrackerAndLines(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := &Tracker{}
	tr.Update(t0, tablesAt(0, 0, "RUNNING"))
	views := tr.Update(t0.Add(2*time.Second), tablesAt(500, 0, "RUNNING"))
	want := CollectionView{Name: "tracks", State: "RUNNING", Read: 500, Estimated: 3500, Written: 500, Rate: 250, ETA: 12 * time.Second, ETAKnown: true}
	if views[0] != want {
		t.Fatalf("tracks view %+v, want %+v", views[0], want)
	}
	if views[1].ETAKnown || views[1].Rate != 0 {
		t.Fatalf("a pending collection has a rate or ETA: %+v", views[1])
	}
	status := StatusLine("j1", "RUNNING", "", views, 2*time.Second)
	if want := "job j1  RUNNING  500/3,500 rows (14.3%)  collections 0/2 done  250 rows/s  ETA 12s  elapsed 2s"; status != want {
		t.Fatalf("status line\n%q\nwant\n%q", status, want)
	}
	lines := TerminalLines(status, views, 0)
	wantLines := []string{
		status,
		"tracks [###.....................]  14% 500/3,500 rows  250 rows/s  ETA 12s",
		"albums [........................]   0% 0/0 rows  PENDING",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Fatalf("terminal lines\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
	for _, l := range TerminalLines(status, views, 30) {
		if n := len([]rune(l)); n > 29 {
			t.Fatalf("a line of %d runes on a 30-column terminal: %q", n, l)
		}
	}
	if got, want := PlainLine(views[0]), "  tracks  RUNNING  500/3,500 rows (14.3%)  250 rows/s  ETA 12s"; got != want {
		t.Fatalf("plain line %q, want %q", got, want)
	}
	done := tr.Update(t0.Add(3*time.Second), tablesAt(3400, 0, "DONE"))
	if got := TerminalLines("s", done, 0)[1]; got != "tracks [########################] 100% 3,400/3,500 rows  DONE" {
		t.Fatalf("a done collection under its estimate: %q", got)
	}
}

func TestPlainLog(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &PlainLog{Every: 5 * time.Second}
	v := func(tracks, albums string) []CollectionView {
		return []CollectionView{{Name: "tracks", State: tracks}, {Name: "albums", State: albums}}
	}
	steps := []struct {
		after  time.Duration
		status string
		views  []CollectionView
		want   []string // collection names printed; nil = nothing printed
	}{
		{0, "NOT_STARTED", v("PENDING", "PENDING"), []string{}},
		{1 * time.Second, "RUNNING", v("RUNNING", "PENDING"), []string{"tracks"}},
		{2 * time.Second, "RUNNING", v("RUNNING", "PENDING"), nil},
		{6 * time.Second, "RUNNING", v("DONE", "RUNNING"), []string{"tracks", "albums"}},
		{12 * time.Second, "RUNNING", v("DONE", "RUNNING"), []string{"albums"}},
		{13 * time.Second, "COMPLETED", v("DONE", "DONE"), []string{"albums"}},
	}
	for i, s := range steps {
		got := p.Block(t0.Add(s.after), s.status, "status "+s.status, s.views)
		if s.want == nil {
			if got != nil {
				t.Fatalf("step %d printed %q, want nothing", i, got)
			}
			continue
		}
		if len(got) != len(s.want)+1 || got[0] != "status "+s.status {
			t.Fatalf("step %d printed %q, want the status line and %v", i, got, s.want)
		}
		for j, name := range s.want {
			if !strings.HasPrefix(got[j+1], "  "+name+"  ") {
				t.Fatalf("step %d line %d = %q, want collection %s", i, j+1, got[j+1], name)
			}
		}
	}
}

func TestRedrawer(t *testing.T) {
	var b bytes.Buffer
	r := &Redrawer{W: &b}
	if err := r.Draw([]string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Draw([]string{"c\nd"}); err != nil {
		t.Fatal(err)
	}
	want := "\r\x1b[Ka\n\r\x1b[Kb\n\x1b[J" + "\x1b[2A\r\x1b[Kc d\n\x1b[J"
	if b.String() != want {
		t.Fatalf("drew %q, want %q", b.String(), want)
	}
}

func TestRenderings(t *testing.T) {
	job := &apiclient.Job{ID: "j1", ProjectID: "p1", Status: "FAILED", SubmittedAt: "2026-01-01T00:00:00Z",
		FailureError: &apiclient.FailureError{ErrorType: "SOURCE", Message: "syntax error at or near \"(\"", FailedLocation: "genres", FailedLocationType: "COLLECTION"}}
	job.Statistics.ElapsedSeconds = 65
	job.Statistics.TotalEvents, job.Statistics.TotalEventsSeen = 3500, 1200
	job.Statistics.TotalTableCount, job.Statistics.RemainingTableCount = 2, 1
	tables := tablesAt(1200, 25, "FAILED")
	var b bytes.Buffer
	if err := Summary(&b, job, tables); err != nil {
		t.Fatal(err)
	}
	want := `job j1 FAILED after 1m05s: 1,225 rows read, 1,200 documents written, 0 record errors, 2 collections
failure: SOURCE: syntax error at or near "(" (collection genres)
COLLECTION  STATE    ROWS READ  ESTIMATED  DOCUMENTS  EXCLUDED  ERRORS  CHUNKS
tracks      FAILED   1,200      3,500      1,200      0         0       0/0
albums      PENDING  25         0          0          0         0       0/0
`
	if b.String() != want {
		t.Fatalf("summary\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := JobsTable(&b, []apiclient.Job{*job}, map[string]string{"p1": "chinook"}); err != nil {
		t.Fatal(err)
	}
	want = "ID  STATUS  PROJECT  SUBMITTED             ELAPSED  ROWS         COLLECTIONS\n" +
		"j1  FAILED  chinook  2026-01-01T00:00:00Z  1m05s    1,200/3,500  1/2\n"
	if b.String() != want {
		t.Fatalf("jobs table\n%s\nwant\n%s", b.String(), want)
	}
	ev := apiclient.Event{EventType: "ERROR", Timestamp: "2026-01-01T00:00:01Z", Message: "cannot convert\nthe value",
		Details: "numeric overflow", LocationName: "tracks", FieldName: "unit_price", Key: map[string]string{"track_id": "7", "a": "1"}}
	if got, want := EventLine(ev), `2026-01-01T00:00:01Z  ERROR    tracks.unit_price {a=1, track_id=7}: cannot convert the value (numeric overflow)`; got != want {
		t.Fatalf("event line\n%q\nwant\n%q", got, want)
	}
	if got, want := EventLine(apiclient.Event{EventType: "INFO", Timestamp: "2026-01-01T00:00:02Z", Message: "job started"}),
		"2026-01-01T00:00:02Z  INFO     job started"; got != want {
		t.Fatalf("event line %q, want %q", got, want)
	}
	b.Reset()
	doc := `{"version":1,"id":"p1","name":"chinook","lastModified":"2026-01-01T00:00:00Z","source":{"type":"POSTGRESQL","schemas":["public"]},
	  "collections":[{"name":"albums","table":{"schema":"public","name":"album"},"embedded":[
	    {"kind":"EMBEDDED_DOCUMENT","field":"artist","table":{"schema":"public","name":"artist"}},
	    {"kind":"EMBEDDED_DOCUMENT_ARRAY","field":"tracks","table":{"schema":"public","name":"track"},
	     "embedded":[{"kind":"EMBEDDED_DOCUMENT","field":"genre","table":{"schema":"public","name":"genre"}},
	       {"kind":"EMBEDDED_DOCUMENT","merge":true,"table":{"schema":"public","name":"media_type"}}]}]},
	   {"name":"genres","table":{"schema":"public","name":"genre"}}]}`
	if err := ProjectDetails(&b, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	want = `ID:             p1
Name:           chinook
Source:         POSTGRESQL public
Last modified:  2026-01-01T00:00:00Z

COLLECTION  ROOT TABLE    EMBEDS
albums      public.album  artist=public.artist, tracks[]=public.track, tracks[].genre=public.genre, tracks[]+=public.media_type
genres      public.genre  -
`
	if b.String() != want {
		t.Fatalf("project details\n%s\nwant\n%s", b.String(), want)
	}
}
