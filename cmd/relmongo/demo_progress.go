package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/relmongo/relmongo/internal/apiclient"
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

// isTerminal reports whether w is a character device that understands carriage returns and
// line erasing.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// line renders a job's progress without the bar.
func progressLine(j *apiclient.Job) string {
	st := j.Statistics
	s := fmt.Sprintf("%-11s rows %s/%s", j.Status, thousands(st.TotalEventsSeen), thousands(st.TotalEvents))
	if st.TotalTableCount > 0 {
		s += fmt.Sprintf(", collections done %d/%d", st.TotalTableCount-st.RemainingTableCount, st.TotalTableCount)
	}
	return s
}

func (p *progressView) update(j *apiclient.Job) {
	line := progressLine(j)
	now := time.Now()
	if p.tty {
		fmt.Fprintf(p.out, "\r\033[K  %s %s  %s", bar(j.Statistics.TotalEventsSeen, j.Statistics.TotalEvents, 24), line, now.Sub(p.start).Round(time.Second))
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

// bar draws done/total as [#####.....] with a percentage.
func bar(done, total int64, width int) string {
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	n := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("#", n), strings.Repeat(".", width-n), int(frac*100))
}

// thousands prints n with thousands separators (15,607).
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
