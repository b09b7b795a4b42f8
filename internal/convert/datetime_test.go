package convert

import (
	"math"
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestDate(t *testing.T) {
	d := Column{Kind: KindDate}
	runValueCases(t, []valueCase{
		{name: "epoch", col: d, v: Date{Year: 1970, Month: 1, Day: 1}, want: `{"v":{"$date":{"$numberLong":"0"}}}`},
		{name: "0001-01-01", col: d, v: Date{Year: 1, Month: 1, Day: 1}, want: `{"v":{"$date":{"$numberLong":"-62135596800000"}}}`},
		{name: "4713-01-01 BC", col: d, v: Date{Year: -4712, Month: 1, Day: 1}, want: `{"v":{"$date":{"$numberLong":"-210863520000000"}}}`},
		{name: "1 BC is year 0", col: d, v: Date{Year: 0, Month: 1, Day: 1}, want: `{"v":{"$date":{"$numberLong":"-62167219200000"}}}`},
		{name: "294276-12-31", col: d, v: Date{Year: 294276, Month: 12, Day: 31}, want: `{"v":{"$date":{"$numberLong":"9224317929600000"}}}`},
		{name: "PostgreSQL max date", col: d, v: Date{Year: 5874897, Month: 12, Day: 31}, want: `{"v":{"$date":{"$numberLong":"185331706992000000"}}}`},
		{name: "leap day 2000", col: d, v: Date{Year: 2000, Month: 2, Day: 29}, want: `{"v":{"$date":{"$numberLong":"951782400000"}}}`},
		{name: "+infinity", col: d, v: Date{Inf: 1}, want: `{"v":{"$date":{"$numberLong":"9223372036854775807"}}}`},
		{name: "-infinity", col: d, v: Date{Inf: -1}, want: `{"v":{"$date":{"$numberLong":"-9223372036854775808"}}}`},
		{name: "no leap day 1900", col: d, v: Date{Year: 1900, Month: 2, Day: 29}, errSub: "not a valid calendar date"},
		{name: "month 13", col: d, v: Date{Year: 2024, Month: 13, Day: 1}, errSub: "not a valid calendar date"},
		{name: "beyond BSON range", col: d, v: Date{Year: 292278995, Month: 1, Day: 1}, errSub: "outside the range of a BSON Date"},
		{name: "absurd year", col: d, v: Date{Year: math.MaxInt64, Month: 1, Day: 1}, errSub: "not a valid calendar date"},
		{name: "wrong type", col: d, v: time.Now(), goType: true},
	})
}

// TestDaysFromCivilAgainstTime cross-checks the civil-day arithmetic with the
// time package (which handles any int year) over a wide span.
func TestDaysFromCivilAgainstTime(t *testing.T) {
	for y := int64(-100000); y <= 100000; y += 97 {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {3, 1}, {12, 31}} {
			want := time.Date(int(y), time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC).Unix() / 86400
			if got := daysFromCivil(y, md[0], md[1]); got != want {
				t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, md[0], md[1], got, want)
			}
		}
	}
}

func TestMillisFromBounds(t *testing.T) {
	tests := []struct {
		sec, ms int64
		want    int64
		ok      bool
	}{
		{0, 0, 0, true},
		{-1, 999, -1, true},
		{math.MaxInt64 / 1000, 807, math.MaxInt64, true},
		{math.MaxInt64 / 1000, 808, 0, false},
		{math.MaxInt64/1000 + 1, 0, 0, false},
		{math.MinInt64/1000 - 1, 192, math.MinInt64, true},
		{math.MinInt64/1000 - 1, 191, 0, false},
		{math.MinInt64/1000 - 2, 999, 0, false},
	}
	for _, tc := range tests {
		got, ok := millisFrom(tc.sec, tc.ms)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("millisFrom(%d, %d) = %d, %v; want %d, %v", tc.sec, tc.ms, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTimestamp(t *testing.T) {
	ts := Column{Kind: KindTimestamp}
	berlin := Options{Location: mustLoad(t, "Europe/Berlin")}
	ny := Options{Location: mustLoad(t, "America/New_York")}
	kolkata := Options{Location: mustLoad(t, "Asia/Kolkata")}
	wt := func(y int64, mo, d, h, mi, s, ns int) WallTime {
		return WallTime{Year: y, Month: mo, Day: d, Hour: h, Minute: mi, Second: s, Nanosecond: ns}
	}
	runValueCases(t, []valueCase{
		{name: "UTC default", col: ts, v: wt(2024, 1, 2, 3, 4, 5, 123000000), want: `{"v":{"$date":{"$numberLong":"1704164645123"}}}`},
		{name: "sub-ms truncated", col: ts, v: wt(2024, 1, 2, 3, 4, 5, 123456000), want: `{"v":{"$date":{"$numberLong":"1704164645123"}}}`, note: NoteSubMillisecondTruncated},
		{name: "before epoch truncates toward earlier", col: ts, v: wt(1969, 12, 31, 23, 59, 59, 999999000), want: `{"v":{"$date":{"$numberLong":"-1"}}}`, note: NoteSubMillisecondTruncated},
		{name: "Berlin winter", col: ts, v: wt(2024, 1, 2, 3, 4, 5, 123000000), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1704161045123"}}}`},
		{name: "Berlin gap takes offset before", col: ts, v: wt(2024, 3, 31, 2, 30, 0, 0), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1711848600000"}}}`, note: NoteDSTGap},
		{name: "Berlin just before gap", col: ts, v: wt(2024, 3, 31, 1, 59, 59, 0), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1711846799000"}}}`},
		{name: "Berlin just after gap", col: ts, v: wt(2024, 3, 31, 3, 0, 0, 0), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1711846800000"}}}`},
		{name: "Berlin ambiguous takes first", col: ts, v: wt(2024, 10, 27, 2, 30, 0, 0), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1729989000000"}}}`, note: NoteDSTAmbiguous},
		{name: "Berlin end of overlap", col: ts, v: wt(2024, 10, 27, 3, 0, 0, 0), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1729994400000"}}}`},
		{name: "Berlin gap and sub-ms", col: ts, v: wt(2024, 3, 31, 2, 30, 0, 1), opts: berlin, want: `{"v":{"$date":{"$numberLong":"1711848600000"}}}`, note: NoteDSTGap | NoteSubMillisecondTruncated},
		{name: "New York gap", col: ts, v: wt(2024, 3, 10, 2, 30, 0, 0), opts: ny, want: `{"v":{"$date":{"$numberLong":"1710055800000"}}}`, note: NoteDSTGap},
		{name: "New York ambiguous", col: ts, v: wt(2024, 11, 3, 1, 30, 0, 0), opts: ny, want: `{"v":{"$date":{"$numberLong":"1730611800000"}}}`, note: NoteDSTAmbiguous},
		{name: "New York summer", col: ts, v: wt(2024, 7, 1, 12, 0, 0, 0), opts: ny, want: `{"v":{"$date":{"$numberLong":"1719849600000"}}}`},
		{name: "no DST zone", col: ts, v: wt(2024, 7, 1, 12, 0, 0, 0), opts: kolkata, want: `{"v":{"$date":{"$numberLong":"1719815400000"}}}`},
		{name: "far future in zone", col: ts, v: wt(294276, 12, 31, 23, 59, 59, 999999000), opts: berlin, want: `{"v":{"$date":{"$numberLong":"9224318012399999"}}}`, note: NoteSubMillisecondTruncated},
		{name: "BC in zone uses LMT", col: ts, v: wt(-4712, 1, 1, 12, 0, 0, 0), opts: berlin, want: `{"v":{"$date":{"$numberLong":"-210863480008000"}}}`},
		{name: "+infinity", col: ts, v: WallTime{Inf: 1}, want: `{"v":{"$date":{"$numberLong":"9223372036854775807"}}}`},
		{name: "-infinity", col: ts, v: WallTime{Inf: -1}, opts: berlin, want: `{"v":{"$date":{"$numberLong":"-9223372036854775808"}}}`},
		{name: "hour 24 invalid", col: ts, v: wt(2024, 1, 1, 24, 0, 0, 0), errSub: "not a valid date and time"},
		{name: "negative nanos invalid", col: ts, v: wt(2024, 1, 1, 0, 0, 0, -1), errSub: "not a valid date and time"},
		{name: "wrong type", col: ts, v: time.Now(), goType: true},
	})
}

// TestResolveWallAgainstTime checks resolveWall against time.Date for every
// half hour of two years in zones with DST (including rule-based leap years far
// beyond the tz tables, where Time.ZoneBounds is wrong): outside gaps every
// result reads back as the same wall time, and equals time.Date's unless
// ambiguous.
func TestResolveWallAgainstTime(t *testing.T) {
	for _, tc := range []struct {
		zone string
		year int
	}{
		{"Europe/Berlin", 2023}, {"America/New_York", 2023}, {"Australia/Lord_Howe", 2023},
		{"Pacific/Chatham", 2023}, {"Asia/Tehran", 2021}, {"Europe/Berlin", 2040}, {"America/New_York", 294275},
	} {
		name := tc.zone
		loc := mustLoad(t, name)
		start := time.Date(tc.year, 1, 1, 0, 0, 0, 0, time.UTC)
		gaps, ambiguous := 0, 0
		for h := 0; h < 2*365*48; h++ {
			wall := start.Add(time.Duration(h) * 30 * time.Minute)
			local := wall.Unix()
			got, note := resolveWall(local, loc)
			gaps += int(note & NoteDSTGap / NoteDSTGap)
			ambiguous += int(note & NoteDSTAmbiguous / NoteDSTAmbiguous)
			if note&NoteDSTGap != 0 {
				continue
			}
			back := time.Unix(got, 0).In(loc)
			if back.Year() != wall.Year() || back.YearDay() != wall.YearDay() || back.Hour() != wall.Hour() || back.Minute() != wall.Minute() {
				t.Fatalf("%s %v: resolved to %v which reads back as %v", name, wall, time.Unix(got, 0).UTC(), back)
			}
			ref := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, loc)
			if note == 0 && got != ref.Unix() {
				t.Fatalf("%s %v: got %d, time.Date %d", name, wall, got, ref.Unix())
			}
			if note == NoteDSTAmbiguous {
				// The first occurrence: one hour (or half) later is the same wall time too.
				if later := time.Unix(got+1800, 0).In(loc); later.Hour() == wall.Hour() && later.Minute() == wall.Minute() {
					continue
				}
				if later := time.Unix(got+3600, 0).In(loc); later.Hour() != wall.Hour() || later.Minute() != wall.Minute() {
					t.Fatalf("%s %v: ambiguous result %v is not the first occurrence", name, wall, time.Unix(got, 0).UTC())
				}
			}
		}
		if gaps == 0 || ambiguous == 0 {
			t.Errorf("%s %d: saw %d gap and %d ambiguous half hours; the sweep should cross transitions", name, tc.year, gaps, ambiguous)
		}
	}
}

func TestTimestampTZ(t *testing.T) {
	tz := Column{Kind: KindTimestampTZ}
	plus2 := time.FixedZone("", 2*3600)
	runValueCases(t, []valueCase{
		{name: "instant", col: tz, v: time.Date(2024, 1, 2, 5, 4, 5, 123000000, plus2), want: `{"v":{"$date":{"$numberLong":"1704164645123"}}}`},
		{name: "sub-ms truncated", col: tz, v: time.Date(2024, 1, 2, 3, 4, 5, 123999999, time.UTC), want: `{"v":{"$date":{"$numberLong":"1704164645123"}}}`, note: NoteSubMillisecondTruncated},
		{name: "BC instant", col: tz, v: time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC), want: `{"v":{"$date":{"$numberLong":"-210863520000000"}}}`},
		{name: "+infinity", col: tz, v: Infinity(1), want: `{"v":{"$date":{"$numberLong":"9223372036854775807"}}}`},
		{name: "-infinity", col: tz, v: Infinity(-1), want: `{"v":{"$date":{"$numberLong":"-9223372036854775808"}}}`},
		{name: "zero infinity is a bug", col: tz, v: Infinity(0), goType: true},
		{name: "out of range", col: tz, v: time.Date(300000000, 1, 1, 0, 0, 0, 0, time.UTC), errSub: "outside the range of a BSON Date"},
		{name: "wrong type", col: tz, v: "2024-01-01", goType: true},
	})
}

func TestFormatters(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatDate(Date{Year: 2024, Month: 1, Day: 2}), "2024-01-02"},
		{formatDate(Date{Year: -4712, Month: 1, Day: 1}), "-4712-01-01"},
		{formatDate(Date{Year: 0, Month: 1, Day: 1}), "0000-01-01"},
		{formatDate(Date{Year: -1, Month: 1, Day: 1}), "-0001-01-01"},
		{formatDate(Date{Year: 294276, Month: 12, Day: 31}), "+294276-12-31"},
		{formatDate(Date{Inf: 1}), "infinity"},
		{formatWall(WallTime{Year: 2024, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5, Nanosecond: 123456000}), "2024-01-02T03:04:05.123456"},
		{formatWall(WallTime{Year: 2024, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5}), "2024-01-02T03:04:05"},
		{formatWall(WallTime{Inf: -1}), "-infinity"},
		{formatInstant(time.Date(2024, 1, 2, 5, 4, 5, 100000, time.FixedZone("", 7200))), "2024-01-02T03:04:05.0001Z"},
		{formatYear(math.MinInt64), "-9223372036854775808"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
