package cliview

import (
	"fmt"
	"math"
	"time"
)

// RateMeter estimates a throughput from counter samples over a sliding window: recent enough to
// follow a job that speeds up or pauses, long enough not to jump with every chunk (rows arrive in
// chunks of thousands, so a per-poll rate would swing between 0 and a spike).
type RateMeter struct {
	// Window is how far back samples count; 10 seconds when zero.
	Window  time.Duration
	samples []sample
}

type sample struct {
	at time.Time
	n  int64
}

// DefaultRateWindow is the window of a RateMeter with no Window set.
const DefaultRateWindow = 10 * time.Second

// Add records the counter's value n at time at. A value lower than the last one (a retried chunk
// whose figures were replaced) restarts the measure.
func (m *RateMeter) Add(at time.Time, n int64) {
	if k := len(m.samples); k > 0 && n < m.samples[k-1].n {
		m.samples = m.samples[:0]
	}
	m.samples = append(m.samples, sample{at, n})
	window := m.Window
	if window <= 0 {
		window = DefaultRateWindow
	}
	// Keep one sample older than the window, so the span covers the whole window.
	drop := 0
	for drop+1 < len(m.samples) && at.Sub(m.samples[drop+1].at) >= window {
		drop++
	}
	m.samples = m.samples[drop:]
}

// Rate is the counter's growth per second over the window, or 0 when there is not yet a second
// of history.
func (m *RateMeter) Rate() float64 {
	if len(m.samples) < 2 {
		return 0
	}
	first, last := m.samples[0], m.samples[len(m.samples)-1]
	span := last.at.Sub(first.at).Seconds()
	if span < 1 {
		return 0
	}
	return float64(last.n-first.n) / span
}

// ETA is the time left to process remaining units at rate per second; false when it cannot be
// told (no rate yet, or nothing known to remain).
func ETA(remaining int64, rate float64) (time.Duration, bool) {
	if remaining <= 0 || rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return 0, false
	}
	secs := float64(remaining) / rate
	if secs > float64(math.MaxInt64/int64(time.Second)) {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

// FormatRate prints a rate of rows per second, "-" when there is none.
func FormatRate(rate float64) string {
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return "- rows/s"
	}
	if rate < 10 {
		return fmt.Sprintf("%.1f rows/s", rate)
	}
	return Thousands(int64(math.Round(rate))) + " rows/s"
}

// FormatETA prints an ETA, "ETA -" when it is unknown.
func FormatETA(d time.Duration, ok bool) string {
	if !ok {
		return "ETA -"
	}
	return "ETA " + Duration(d)
}
