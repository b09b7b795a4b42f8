package convert

import "strings"

// isoDateTime is a parsed ISO 8601 date or date-time text.
type isoDateTime struct {
	inf       int // ±1 for "infinity"/"-infinity"
	dateOnly  bool
	wall      WallTime
	hasOffset bool
	offset    int // seconds east of UTC
}

// parseISODateTime accepts, for the DATE type override on text:
//
//	[+-]YYYY[Y…]-MM-DD                          a date (00:00:00Z)
//	… followed by T or space and HH:MM[:SS[.f…]] a wall time read in sourceTimeZone
//	… followed by Z or ±HH[[:]MM[[:]SS]]         an instant
//	optionally followed by " BC" (PostgreSQL)     year 1 BC is astronomical 0
//	infinity, +infinity, -infinity (any case)
//
// Fractions have up to 9 digits. Validity of the fields is checked by the caller.
func parseISODateTime(s string) (isoDateTime, bool) {
	var p isoDateTime
	switch strings.ToLower(s) {
	case "infinity", "+infinity":
		p.inf = 1
		return p, true
	case "-infinity":
		p.inf = -1
		return p, true
	}
	bc := strings.HasSuffix(s, " BC")
	if bc {
		s = s[:len(s)-3]
	}
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
		if bc {
			return p, false
		}
	}
	ys := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i-ys < 4 || i-ys > 10 {
		return p, false
	}
	year := int64(atoi(s[ys:i]))
	if neg {
		year = -year
	}
	if bc {
		if year < 1 {
			return p, false
		}
		year = 1 - year
	}
	p.wall.Year = year
	var ok bool
	if p.wall.Month, i, ok = twoDigitsAfter(s, i, '-'); !ok {
		return p, false
	}
	if p.wall.Day, i, ok = twoDigitsAfter(s, i, '-'); !ok {
		return p, false
	}
	if i == len(s) {
		p.dateOnly = true
		return p, true
	}
	if s[i] != 'T' && s[i] != 't' && s[i] != ' ' {
		return p, false
	}
	if p.wall.Hour, i, ok = twoDigits(s, i+1); !ok {
		return p, false
	}
	if p.wall.Minute, i, ok = twoDigitsAfter(s, i, ':'); !ok {
		return p, false
	}
	if i < len(s) && s[i] == ':' {
		if p.wall.Second, i, ok = twoDigits(s, i+1); !ok {
			return p, false
		}
		if i < len(s) && s[i] == '.' {
			i++
			fs := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			n := i - fs
			if n == 0 || n > 9 {
				return p, false
			}
			p.wall.Nanosecond = atoi(s[fs:i] + strings.Repeat("0", 9-n))
		}
	}
	if i == len(s) {
		return p, true
	}
	p.hasOffset = true
	if (s[i] == 'Z' || s[i] == 'z') && i+1 == len(s) {
		return p, true
	}
	if s[i] != '+' && s[i] != '-' {
		return p, false
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	var parts [3]int
	if parts[0], i, ok = twoDigits(s, i+1); !ok {
		return p, false
	}
	for k := 1; k < 3 && i < len(s); k++ {
		if s[i] == ':' {
			i++
		}
		if parts[k], i, ok = twoDigits(s, i); !ok {
			return p, false
		}
	}
	if i != len(s) || parts[1] > 59 || parts[2] > 59 || parts[0] > 15 {
		return p, false
	}
	p.offset = sign * (parts[0]*3600 + parts[1]*60 + parts[2])
	return p, true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func twoDigits(s string, i int) (int, int, bool) {
	if i+2 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
		return 0, i, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), i + 2, true
}

func twoDigitsAfter(s string, i int, sep byte) (int, int, bool) {
	if i >= len(s) || s[i] != sep {
		return 0, i, false
	}
	return twoDigits(s, i+1)
}
