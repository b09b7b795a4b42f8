package cliview

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relmongo/relmongo/internal/apiclient"
)

// CollectionView is what one progress line shows of a collection.
type CollectionView struct {
	Name  string
	State string
	// Read and Estimated are rows read from the root table and the planner's estimate of them
	// (0 until the collection is planned; a filter can make the estimate too high).
	Read, Estimated int64
	Written, Errors int64
	// Rate is rows read per second over the meter's window.
	Rate float64
	// ETA is the time to read the remaining estimated rows at Rate; ETAKnown is false when it
	// cannot be told.
	ETA      time.Duration
	ETAKnown bool
}

// Tracker turns successive /jobs/{id}/tables answers into views with rates and ETAs. It keeps a
// rate meter per collection between polls.
type Tracker struct {
	// Window is the rate meters' window; DefaultRateWindow when zero.
	Window time.Duration
	meters map[string]*RateMeter
}

// Update records a poll made at now and returns one view per collection, in the API's order.
func (t *Tracker) Update(now time.Time, tables *apiclient.JobTables) []CollectionView {
	if t.meters == nil {
		t.meters = map[string]*RateMeter{}
	}
	views := make([]CollectionView, 0, len(tables.Collections))
	for _, c := range tables.Collections {
		m := t.meters[c.Collection]
		if m == nil {
			m = &RateMeter{Window: t.Window}
			t.meters[c.Collection] = m
		}
		m.Add(now, c.RowsRead)
		v := CollectionView{Name: c.Collection, State: c.State, Read: c.RowsRead, Estimated: c.EstimatedRows,
			Written: c.DocumentsWritten, Errors: c.RecordErrors}
		if c.State == "RUNNING" {
			v.Rate = m.Rate()
			v.ETA, v.ETAKnown = ETA(c.EstimatedRows-c.RowsRead, v.Rate)
		}
		views = append(views, v)
	}
	return views
}

// Totals sums the views: rows read, estimated, the combined rate, the collections done and the
// job's ETA (the remaining rows of unfinished collections at the combined rate).
type Totals struct {
	Read, Estimated int64
	Rate            float64
	Done, Count     int
	ETA             time.Duration
	ETAKnown        bool
}

// Sum computes the Totals of views.
func Sum(views []CollectionView) Totals {
	var t Totals
	var remaining int64
	for _, v := range views {
		t.Read += v.Read
		t.Estimated += max(v.Estimated, v.Read)
		t.Rate += v.Rate
		t.Count++
		if v.State == "DONE" {
			t.Done++
		} else {
			remaining += max(v.Estimated-v.Read, 0)
		}
	}
	t.ETA, t.ETAKnown = ETA(remaining, t.Rate)
	return t
}

// StatusLine is the job's line above the collections: status, rows, collections done, rate, ETA
// and elapsed time.
func StatusLine(id, status, verification string, views []CollectionView, elapsed time.Duration) string {
	t := Sum(views)
	rows := Thousands(t.Read) + "/" + Thousands(t.Estimated) + " rows"
	if p := Percent(t.Read, t.Estimated); p != "" {
		rows += " (" + p + ")"
	}
	s := fmt.Sprintf("job %s  %s  %s  collections %d/%d done", id, status, rows, t.Done, t.Count)
	if status == "RUNNING" {
		s += "  " + FormatRate(t.Rate) + "  " + FormatETA(t.ETA, t.ETAKnown)
	}
	if verification != "" {
		s += "  verification " + verification
	}
	return s + "  elapsed " + Duration(elapsed)
}

// barWidth is the width of a collection's bar between its brackets.
const barWidth = 24

// TerminalLines are the lines redrawn on a terminal: the status line, then one bar per collection
// with its rows done/estimated, rate and ETA, each cut to width columns (a wrapped line would
// break the redraw, which moves the cursor up by lines).
func TerminalLines(status string, views []CollectionView, width int) []string {
	lines := []string{status}
	nameWidth := 0
	for _, v := range views {
		nameWidth = max(nameWidth, utf8.RuneCountInString(v.Name))
	}
	for _, v := range views {
		total := max(v.Estimated, v.Read)
		if v.State == "DONE" {
			total = v.Read // a filter or a stale estimate: a done collection is 100%
		}
		l := fmt.Sprintf("%-*s %s %s rows", nameWidth, v.Name, Bar(v.Read, total, barWidth),
			Thousands(v.Read)+"/"+Thousands(v.Estimated))
		switch v.State {
		case "RUNNING":
			l += "  " + FormatRate(v.Rate) + "  " + FormatETA(v.ETA, v.ETAKnown)
		default:
			l += "  " + v.State
		}
		if v.Errors > 0 {
			l += fmt.Sprintf("  %s record errors", Thousands(v.Errors))
		}
		lines = append(lines, l)
	}
	for i := range lines {
		lines[i] = cut(lines[i], width)
	}
	return lines
}

// cut shortens s to at most width-1 runes (the last column is left free: some terminals wrap
// when it is written). A width <= 1 leaves s whole.
func cut(s string, width int) string {
	if width <= 1 || utf8.RuneCountInString(s) < width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1])
}

// PlainLine is a collection's line when the output is not a terminal.
func PlainLine(v CollectionView) string {
	s := fmt.Sprintf("  %s  %s  %s/%s rows", v.Name, v.State, Thousands(v.Read), Thousands(v.Estimated))
	if p := Percent(v.Read, v.Estimated); p != "" && v.State != "DONE" {
		s += " (" + p + ")"
	}
	if v.State == "RUNNING" {
		s += "  " + FormatRate(v.Rate) + "  " + FormatETA(v.ETA, v.ETAKnown)
	}
	if v.Errors > 0 {
		s += fmt.Sprintf("  %s record errors", Thousands(v.Errors))
	}
	return s
}

// PlainLog decides what the plain (not a terminal) output prints: at most one block every Every,
// and at once when the job's status changes. A block is the status line and the collections that
// are running or changed state since the last block, so a log shows each collection start and end
// once rather than every pending collection every time.
type PlainLog struct {
	Every      time.Duration
	lastAt     time.Time
	lastStatus string
	states     map[string]string
}

// Block returns the lines to print now, or nil when it is not time yet.
func (p *PlainLog) Block(now time.Time, status, statusLine string, views []CollectionView) []string {
	if p.states == nil {
		p.states = map[string]string{}
	}
	if status == p.lastStatus && !p.lastAt.IsZero() && now.Sub(p.lastAt) < p.Every {
		return nil
	}
	lines := []string{statusLine}
	for _, v := range views {
		if v.State == "RUNNING" || p.states[v.Name] != v.State && v.State != "PENDING" {
			lines = append(lines, PlainLine(v))
		}
		p.states[v.Name] = v.State
	}
	p.lastAt, p.lastStatus = now, status
	return lines
}

// Redrawer draws a block of lines in place on a terminal: each call moves the cursor back up
// over the previous block, rewrites every line and clears what the previous block had below.
type Redrawer struct {
	W     io.Writer
	lines int
}

// Draw replaces the previous block with lines, in one write.
func (r *Redrawer) Draw(lines []string) error {
	var b bytes.Buffer
	if r.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", r.lines)
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[K")
		b.WriteString(strings.ReplaceAll(l, "\n", " "))
		b.WriteByte('\n')
	}
	b.WriteString("\x1b[J")
	r.lines = len(lines)
	_, err := r.W.Write(b.Bytes())
	return err
}
