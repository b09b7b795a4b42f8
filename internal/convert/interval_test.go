package convert

import (
	"math"
	"testing"
)

func TestInterval(t *testing.T) {
	iv := Column{Kind: KindInterval}
	s := func(x string) string { return `{"v":"` + x + `"}` }
	runValueCases(t, []valueCase{
		{name: "zero", col: iv, v: Interval{}, want: s("PT0S")},
		{name: "full", col: iv, v: Interval{Months: 14, Days: 3, Microseconds: 4*3_600_000_000 + 5*60_000_000 + 6_500_000}, want: s("P1Y2M3DT4H5M6.5S")},
		{name: "months only", col: iv, v: Interval{Months: 2}, want: s("P2M")},
		{name: "negative day", col: iv, v: Interval{Days: -1}, want: s("P-1D")},
		{name: "mixed signs", col: iv, v: Interval{Days: -1, Microseconds: 2 * 3_600_000_000}, want: s("P-1DT2H")},
		{name: "negative months", col: iv, v: Interval{Months: -14}, want: s("P-1Y-2M")},
		{name: "negative time", col: iv, v: Interval{Microseconds: -(4*3_600_000_000 + 6_500_000)}, want: s("PT-4H-6.5S")},
		{name: "microsecond", col: iv, v: Interval{Microseconds: 1}, want: s("PT0.000001S")},
		{name: "hours not folded into days", col: iv, v: Interval{Microseconds: 48 * 3_600_000_000}, want: s("PT48H")},
		{name: "min int64 micros", col: iv, v: Interval{Microseconds: math.MinInt64 + 1}, want: s("PT-2562047788H-54.775807S")},
		{name: "infinity", col: iv, v: Interval{Months: math.MaxInt32, Days: math.MaxInt32, Microseconds: math.MaxInt64}, want: s("infinity")},
		{name: "-infinity", col: iv, v: Interval{Months: math.MinInt32, Days: math.MinInt32, Microseconds: math.MinInt64}, want: s("-infinity")},
		{name: "wrong type", col: iv, v: "1 day", goType: true},
	})
}
