package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/cliview"
)

// progressView shows a job's progress while the demo waits: on a terminal one line redrawn in
// place with a bar; otherwise (a pipe, a log file, CI) a plain line whenever the status changes
// and at most every two seconds in between, so the output stays readable.
type progressView struct {
	out     io.Writer
	tty     bool
	start   time.Time
	last    string
	lastAt  time.Time
	started bool
}

// plainEvery is how often a non-terminal progress line is printed at most.
const plainEvery = 2 * time.Second

func newProgressView(out io.Writer) *progressView {
	return &progressView{out: out, tty: isTerminal(out), start: time.Now()}
}

// line renders a job's progress without the bar.
func progressLine(j *apiclient.Job) string {
	st := j.Statistics
	s := fmt.Sprintf("%-11s rows %s/%s", j.Status, cliview.Thousands(st.TotalEventsSeen), cliview.Thousands(st.TotalEvents))
	if st.TotalTableCount > 0 {
		s += fmt.Sprintf(", collections done %d/%d", st.TotalTableCount-st.RemainingTableCount, st.TotalTableCount)
	}
	return s
}

func (p *progressView) update(j *apiclient.Job) {
	line := progressLine(j)
	now := time.Now()
	if p.tty {
		fmt.Fprintf(p.out, "\r\033[K  %s %s  %s", cliview.Bar(j.Statistics.TotalEventsSeen, j.Statistics.TotalEvents, 24), line, now.Sub(p.start).Round(time.Second))
		p.started = true
		return
	}
	statusChanged := !strings.HasPrefix(p.last, j.Status+" ")
	if line == p.last || !statusChanged && now.Sub(p.lastAt) < plainEvery && !j.Terminal() {
		return
	}
	fmt.Fprintln(p.out, "  "+line)
	p.last, p.lastAt = line, now
}

// finish ends the redrawn line on a terminal.
func (p *progressView) finish() {
	if p.tty && p.started {
		fmt.Fprintln(p.out)
	}
}
