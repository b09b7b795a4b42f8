package sqlite

import (
	"bytes"
	"math"
	"testing"
)

// sqliteEqual reports whether SQLite compares a and b as equal: integers and reals by numeric
// value, text and blobs byte for byte, never across those groups.
func sqliteEqual(a, b any) bool {
	num := func(v any) (float64, int64, bool, bool) {
		switch x := v.(type) {
		case int64:
			return float64(x), x, true, true
		case float64:
			return x, 0, false, true
		}
		return 0, 0, false, false
	}
	af, ai, aInt, aNum := num(a)
	bf, bi, bInt, bNum := num(b)
	switch {
	case aNum && bNum:
		if aInt && bInt {
			return ai == bi
		}
		if aInt != bInt { // compare an integer with a real exactly
			i, f := ai, bf
			if bInt {
				i, f = bi, af
			}
			return f == math.Trunc(f) && math.Abs(f) < 1<<63 && int64(f) == i
		}
		return af == bf
	case aNum || bNum:
		return false
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr || bStr {
		return aStr && bStr && as == bs
	}
	return bytes.Equal(a.([]byte), b.([]byte))
}

func TestKeyForms(t *testing.T) {
	cases := []struct {
		aff  affinity
		v    any
		text string
	}{
		{affInteger, int64(-42), "-42"},
		{affInteger, int64(math.MinInt64), "-9223372036854775808"},
		{affInteger, 0.1, "0.1"},
		{affInteger, 1e21, "1e+21"},
		{affInteger, math.Copysign(0, -1), "0"},
		{affReal, math.Inf(1), "9e999"},
		{affReal, math.Inf(-1), "-9e999"},
		{affInteger, "abc", "abc"},
		{affText, "123", "123"},
		{affText, "\x00odd", "\x00t\x00odd"},
		{affBlob, "123", "\x00t123"},
		{affBlob, "1.5", "\x00t1.5"},
		{affBlob, "007", "007"},
		{affBlob, "NaN", "NaN"},
		{affNumeric, []byte{0, 0xff}, "\x00x00ff"},
		{affText, []byte{}, "\x00x"},
	}
	for _, tc := range cases {
		got, err := encodeKey(tc.aff, tc.v)
		if err != nil || got != tc.text {
			t.Errorf("encodeKey(%d, %#v) = %q, %v; want %q", tc.aff, tc.v, got, err, tc.text)
			continue
		}
		back, err := decodeKey(tc.aff, got)
		if err != nil || !sqliteEqual(back, tc.v) {
			t.Errorf("decodeKey(%d, %q) = %#v, %v; want a value equal to %#v", tc.aff, got, back, err, tc.v)
		}
	}
	if _, err := decodeKey(affBlob, "\x00xzz"); err == nil {
		t.Error("a malformed blob form must be an error")
	}
}

// FuzzKeyRoundTrip checks that every value SQLite can hold in a column of each affinity comes
// back from its text form as a value SQLite compares equal, and that the text of an integer is
// the same whichever numeric column holds it (that is what links a child to its parent).
func FuzzKeyRoundTrip(f *testing.F) {
	f.Add(int64(1), 1.5, "x", []byte{1})
	f.Add(int64(-1), math.Inf(1), "123", []byte{})
	f.Add(int64(math.MaxInt64), 1e300, "\x001e5", []byte("\x00x"))
	f.Add(int64(0), 5e-324, "9e999", []byte(nil))
	f.Fuzz(func(t *testing.T, i int64, r float64, s string, b []byte) {
		if math.IsNaN(r) {
			return // SQLite stores NaN as NULL
		}
		if b == nil {
			b = []byte{}
		}
		type sample struct {
			aff affinity
			v   any
		}
		var samples []sample
		for _, aff := range []affinity{affInteger, affReal, affNumeric, affBlob} {
			samples = append(samples, sample{aff, i}, sample{aff, r}, sample{aff, s}, sample{aff, b})
		}
		// TEXT columns hold only text and blobs: SQLite turns numbers into text there.
		samples = append(samples, sample{affText, s}, sample{affText, b})
		for _, sm := range samples {
			text, err := encodeKey(sm.aff, sm.v)
			if err != nil {
				t.Fatalf("encodeKey(%d, %#v): %v", sm.aff, sm.v, err)
			}
			back, err := decodeKey(sm.aff, text)
			if err != nil {
				t.Fatalf("decodeKey(%d, %q): %v", sm.aff, text, err)
			}
			if _, isText := sm.v.(string); isText && sm.aff != affBlob && sm.aff != affText {
				// Numeric columns never hold text that reads as a number; only check the rest.
				if _, isNum := readNumber(sm.v.(string)); isNum {
					continue
				}
			}
			if !sqliteEqual(back, sm.v) {
				t.Fatalf("affinity %d: %#v -> %q -> %#v", sm.aff, sm.v, text, back)
			}
		}
		a, _ := encodeKey(affInteger, i)
		c, _ := encodeKey(affNumeric, i)
		if a != c {
			t.Fatalf("integer %d has two text forms %q and %q", i, a, c)
		}
	})
}
