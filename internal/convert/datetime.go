package convert

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	// The tz database is embedded so sourceTimeZone works the same on hosts
	// without /usr/share/zoneinfo (containers, Windows).
	_ "time/tzdata"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// maxYear bounds years before any arithmetic: a BSON Date (int64 ms) spans
// about ±292 million years, so larger years can never be stored and must not
// overflow the day count.
const maxYear = 300_000_000

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDate(y int64, m, d int) bool {
	return y >= -maxYear && y <= maxYear && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date
// (astronomical years), computed directly because time.Time's string parsing
// does not handle BC years or years beyond 9999 (H. Hinnant's algorithm).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := int64(m) + 9
	if m > 2 {
		mp = int64(m) - 3
	}
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// millisFrom combines whole seconds and a millisecond part (0..999) into int64
// milliseconds, reporting false when the result leaves the int64 range.
func millisFrom(sec, ms int64) (int64, bool) {
	const maxS, minS = math.MaxInt64 / 1000, math.MinInt64 / 1000
	switch {
	case sec > maxS || sec < minS-1:
		return 0, false
	case sec == minS-1:
		// (sec+1)*1000 is representable; the remaining -1000+ms may not be.
		if ms < 1000+(math.MinInt64-minS*1000) {
			return 0, false
		}
		return (sec+1)*1000 + ms - 1000, true
	}
	r := sec * 1000
	if r > math.MaxInt64-ms {
		return 0, false
	}
	return r + ms, true
}

func infinityMillis(inf int) int64 {
	if inf > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

func outOfDateRange(col Column, what string) *Error {
	return recordErr(col, "%s is outside the range of a BSON Date (about 292 million years around 1970); override the field type to STRING", what)
}

func convertDate(col Column, v any) (bsoncore.Value, error) {
	d, ok := v.(Date)
	if !ok {
		return bsoncore.Value{}, goTypeErr(col, v)
	}
	ms, err := dateMillis(col, d)
	if err != nil {
		return bsoncore.Value{}, err
	}
	return dateValue(ms), nil
}

func dateMillis(col Column, d Date) (int64, error) {
	if d.Inf != 0 {
		return infinityMillis(d.Inf), nil
	}
	if !validDate(d.Year, d.Month, d.Day) {
		return 0, recordErr(col, "date %s is not a valid calendar date; override the field type to STRING", formatDate(d))
	}
	ms, ok := millisFrom(daysFromCivil(d.Year, d.Month, d.Day)*86400, 0)
	if !ok {
		return 0, outOfDateRange(col, "date "+formatDate(d))
	}
	return ms, nil
}

func validWall(w WallTime) bool {
	return validDate(w.Year, w.Month, w.Day) && w.Hour >= 0 && w.Hour < 24 &&
		w.Minute >= 0 && w.Minute < 60 && w.Second >= 0 && w.Second < 60 &&
		w.Nanosecond >= 0 && w.Nanosecond < 1e9
}

func convertTimestamp(col Column, v any, opts Options) (bsoncore.Value, Note, error) {
	w, ok := v.(WallTime)
	if !ok {
		return bsoncore.Value{}, 0, goTypeErr(col, v)
	}
	ms, note, err := wallMillis(col, w, opts.Location)
	if err != nil {
		return bsoncore.Value{}, 0, err
	}
	return dateValue(ms), note, nil
}

// wallMillis reads the wall time w in loc and returns the instant in ms.
func wallMillis(col Column, w WallTime, loc *time.Location) (int64, Note, error) {
	if w.Inf != 0 {
		return infinityMillis(w.Inf), 0, nil
	}
	if !validWall(w) {
		return 0, 0, recordErr(col, "timestamp %s is not a valid date and time; override the field type to STRING", formatWall(w))
	}
	local := daysFromCivil(w.Year, w.Month, w.Day)*86400 + int64(w.Hour)*3600 + int64(w.Minute)*60 + int64(w.Second)
	utc, note := resolveWall(local, loc)
	ms, ok := millisFrom(utc, int64(w.Nanosecond/1e6))
	if !ok {
		return 0, 0, outOfDateRange(col, "timestamp "+formatWall(w))
	}
	if w.Nanosecond%1e6 != 0 {
		note |= NoteSubMillisecondTruncated
	}
	return ms, note, nil
}

// resolveWall maps a wall-clock reading (seconds since 1970-01-01T00:00 of the
// local calendar) to a Unix time in loc. time.Date leaves the choice for gaps
// and overlaps unspecified, so the policy is implemented here: a time in a
// spring-forward gap takes the offset in force before the gap (NoteDSTGap); an
// ambiguous time takes its first occurrence, i.e. the earlier offset
// (NoteDSTAmbiguous).
func resolveWall(local int64, loc *time.Location) (int64, Note) {
	if loc == nil || loc == time.UTC {
		return local, 0
	}
	segs := offsetSegments(local, loc)
	var (
		best     int64
		found    bool
		distinct int
	)
	for _, z := range segs {
		u := local - z.off
		if u < z.start || u >= z.end {
			continue
		}
		switch {
		case !found:
			best, found, distinct = u, true, 1
		case u != best:
			distinct++
			best = min(best, u)
		}
	}
	if found {
		if distinct > 1 {
			return best, NoteDSTAmbiguous
		}
		return best, 0
	}
	// A gap: find the transition the wall time falls into and use the offset
	// of the segment before it.
	for i := 0; i+1 < len(segs); i++ {
		t := segs[i].end
		if local-segs[i].off >= t && local-segs[i+1].off < t {
			return local - segs[i].off, NoteDSTGap
		}
	}
	return local - segs[0].off, NoteDSTGap
}

// offsetSegment is a span [start, end) of Unix seconds with one UTC offset.
type offsetSegment struct{ off, start, end int64 }

// offsetSegments returns the UTC offsets of loc around the instants whose wall
// time can be local (offsets stay within ±26h), with the transitions between
// them located to the second by bisection. Only offset lookups are used:
// Time.ZoneBounds reports wrong bounds for rule-based far-future years (it
// assumes 365-day years). Sampling five points finds every transition except a
// change and its reversal both falling between two samples 13.5h apart, which
// no time zone has.
func offsetSegments(local int64, loc *time.Location) []offsetSegment {
	const span = 27 * 3600
	offsetAt := func(u int64) int64 {
		_, off := time.Unix(u, 0).In(loc).Zone()
		return int64(off)
	}
	var samples [5]int64
	var offs [5]int64
	for i := range samples {
		samples[i] = local - span + int64(i)*span/2
		offs[i] = offsetAt(samples[i])
	}
	if offs[0] == offs[1] && offs[1] == offs[2] && offs[2] == offs[3] && offs[3] == offs[4] {
		return []offsetSegment{{off: offs[0], start: math.MinInt64, end: math.MaxInt64}}
	}
	segs := make([]offsetSegment, 0, 3)
	start := int64(math.MinInt64)
	for i := 0; i+1 < len(samples); i++ {
		cur, ocur := samples[i], offs[i]
		for n := 0; n < 8 && ocur != offs[i+1]; n++ {
			lo, hi := cur, samples[i+1] // offsetAt(lo) == ocur, offsetAt(hi) != ocur
			for hi-lo > 1 {
				mid := lo + (hi-lo)/2
				if offsetAt(mid) == ocur {
					lo = mid
				} else {
					hi = mid
				}
			}
			segs = append(segs, offsetSegment{off: ocur, start: start, end: hi})
			start, cur, ocur = hi, hi, offsetAt(hi)
		}
	}
	return append(segs, offsetSegment{off: offs[4], start: start, end: math.MaxInt64})
}

func convertTimestampTZ(col Column, v any) (bsoncore.Value, Note, error) {
	switch x := v.(type) {
	case Infinity:
		if x == 0 {
			return bsoncore.Value{}, 0, goTypeErr(col, v)
		}
		return dateValue(infinityMillis(int(x))), 0, nil
	case time.Time:
		ms, note, err := instantMillis(col, x)
		if err != nil {
			return bsoncore.Value{}, 0, err
		}
		return dateValue(ms), note, nil
	}
	return bsoncore.Value{}, 0, goTypeErr(col, v)
}

func instantMillis(col Column, t time.Time) (int64, Note, error) {
	ms, ok := millisFrom(t.Unix(), int64(t.Nanosecond()/1e6))
	if !ok {
		return 0, 0, outOfDateRange(col, "timestamp "+formatInstant(t))
	}
	var note Note
	if t.Nanosecond()%1e6 != 0 {
		note = NoteSubMillisecondTruncated
	}
	return ms, note, nil
}

// formatYear writes an ISO 8601 year: four digits for 0..9999, otherwise the
// expanded form with an explicit sign ("+294276", "-4712"; astronomical years).
func formatYear(y int64) string {
	switch {
	case y >= 0 && y <= 9999:
		return fmt.Sprintf("%04d", y)
	case y > 9999:
		return "+" + strconv.FormatInt(y, 10)
	}
	if y == math.MinInt64 {
		return strconv.FormatInt(y, 10)
	}
	return fmt.Sprintf("-%04d", -y)
}

func formatDate(d Date) string {
	if d.Inf != 0 {
		return infinityText(d.Inf)
	}
	return fmt.Sprintf("%s-%02d-%02d", formatYear(d.Year), d.Month, d.Day)
}

func infinityText(inf int) string {
	if inf > 0 {
		return "infinity"
	}
	return "-infinity"
}

// fraction returns ".ffffff" with trailing zeros removed, or "" for zero: all
// digits the source has are kept.
func fraction(ns int) string {
	if ns == 0 {
		return ""
	}
	return "." + strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
}

func formatWall(w WallTime) string {
	if w.Inf != 0 {
		return infinityText(w.Inf)
	}
	return fmt.Sprintf("%s-%02d-%02dT%02d:%02d:%02d%s", formatYear(w.Year), w.Month, w.Day,
		w.Hour, w.Minute, w.Second, fraction(w.Nanosecond))
}

func formatInstant(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return fmt.Sprintf("%s-%02d-%02dT%02d:%02d:%02d%sZ", formatYear(int64(y)), int(mo), d, h, mi, s, fraction(t.Nanosecond()))
}
