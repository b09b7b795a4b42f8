package convert

import "testing"

func TestFieldName(t *testing.T) {
	tests := []struct{ column, field string }{
		{"plain", "plain"},
		{"", ""},
		{"a.b", "a\uFF0Eb"},
		{"a.b.c", "a\uFF0Eb\uFF0Ec"},
		{"$x", "\uFF04x"},
		{"a$", "a$"},
		{"$$", "\uFF04$"},
		{"a\x00b", "a\u2400b"},
		{"a\uFF0Eb", "a\uFF3C\uFF0Eb"},
		{"\uFF04x", "\uFF3C\uFF04x"},
		{"\uFF3C", "\uFF3C\uFF3C"},
		{"x\u2400", "x\uFF3C\u2400"},
		{"é.\xff", "é\uFF0E\xff"},
	}
	for _, tc := range tests {
		if got := FieldName(tc.column); got != tc.field {
			t.Errorf("FieldName(%q) = %q, want %q", tc.column, got, tc.field)
		}
		if got := OriginalFieldName(tc.field); got != tc.column {
			t.Errorf("OriginalFieldName(%q) = %q, want %q", tc.field, got, tc.column)
		}
	}
}

// FuzzFieldName: the mapping is reversible and its result is a name MongoDB
// and FerretDB accept (no '.', no leading '$', no NUL).
func FuzzFieldName(f *testing.F) {
	for _, s := range []string{"a.b", "$x", "\uFF3C", "\uFF3C\uFF0E", "a\x00", "\xff\uFF04", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		field := FieldName(s)
		if back := OriginalFieldName(field); back != s {
			t.Fatalf("OriginalFieldName(FieldName(%q)) = %q", s, back)
		}
		for i := 0; i < len(field); i++ {
			if field[i] == '.' || field[i] == 0 || (i == 0 && field[i] == '$') {
				t.Fatalf("FieldName(%q) = %q is not a safe field name", s, field)
			}
		}
	})
}
