// Package cliview renders what the relmongo CLI prints: aligned tables, numbers, rates, ETAs and
// the live progress of a job. It only formats; it never calls the API, so it is tested with
// fixed inputs and a fixed clock.
package cliview

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Table writes header and rows as columns aligned with spaces (two between columns). Cells
// must not contain tabs or newlines; Cell makes any text safe.
func Table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// Cell makes text fit one table cell: tabs and line breaks become spaces, and "" becomes "-" so
// an empty column still lines up.
func Cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

// Thousands prints n with thousands separators (15,607).
func Thousands(n int64) string {
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

// Duration prints d rounded to the second in a short form: 45s, 3m05s, 2h01m.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
	}
}

// Bar draws done/total as [#####.....] with a percentage; an unknown total (0) draws an empty bar.
func Bar(done, total int64, width int) string {
	frac := 0.0
	if total > 0 {
		frac = min(max(float64(done)/float64(total), 0), 1)
	}
	n := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("#", n), strings.Repeat(".", width-n), int(frac*100))
}

// Percent prints done/total as a percentage with one decimal, or "" when total is unknown.
func Percent(done, total int64) string {
	if total <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", min(float64(done)/float64(total)*100, 100))
}
