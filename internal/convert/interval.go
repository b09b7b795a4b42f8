package convert

import (
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// convertInterval renders an Interval as an ISO 8601 duration in the form
// PostgreSQL prints with IntervalStyle iso_8601: every part carries its own
// sign ("P-1Y-2M3DT-4H", "PT-6.5S"), zero parts are left out, an all-zero
// interval is "PT0S", and months split into years and months but days and
// hours are never folded into each other (a day is not always 24 hours).
// PostgreSQL 17's infinite intervals (all fields at their maximum or minimum)
// become "infinity" and "-infinity".
func convertInterval(col Column, v any) (bsoncore.Value, error) {
	iv, ok := v.(Interval)
	if !ok {
		return bsoncore.Value{}, goTypeErr(col, v)
	}
	return stringValue(formatInterval(iv)), nil
}

func formatInterval(iv Interval) string {
	switch {
	case iv.Months == math.MaxInt32 && iv.Days == math.MaxInt32 && iv.Microseconds == math.MaxInt64:
		return "infinity"
	case iv.Months == math.MinInt32 && iv.Days == math.MinInt32 && iv.Microseconds == math.MinInt64:
		return "-infinity"
	case iv.Months == 0 && iv.Days == 0 && iv.Microseconds == 0:
		return "PT0S"
	}
	var b strings.Builder
	b.WriteByte('P')
	part := func(n int64, unit byte) {
		if n != 0 {
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteByte(unit)
		}
	}
	part(int64(iv.Months/12), 'Y')
	part(int64(iv.Months%12), 'M')
	part(int64(iv.Days), 'D')
	us := iv.Microseconds
	if us == 0 {
		return b.String()
	}
	b.WriteByte('T')
	// Split with truncation toward zero so every part has the sign of the
	// whole, as PostgreSQL does; uint64 avoids overflow at math.MinInt64.
	neg := us < 0
	mag := uint64(us)
	if neg {
		mag = -mag
	}
	hours, rest := mag/3_600_000_000, mag%3_600_000_000
	minutes, rest := rest/60_000_000, rest%60_000_000
	secs, micros := rest/1_000_000, rest%1_000_000
	sign := ""
	if neg {
		sign = "-"
	}
	if hours != 0 {
		b.WriteString(sign + strconv.FormatUint(hours, 10) + "H")
	}
	if minutes != 0 {
		b.WriteString(sign + strconv.FormatUint(minutes, 10) + "M")
	}
	if secs != 0 || micros != 0 {
		b.WriteString(sign + strconv.FormatUint(secs, 10))
		if micros != 0 {
			b.WriteString("." + strings.TrimRight(strconv.FormatUint(micros+1_000_000, 10)[1:], "0"))
		}
		b.WriteByte('S')
	}
	return b.String()
}
