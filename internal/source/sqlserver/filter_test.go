package sqlserver

import (
	"errors"
	"strings"
	"testing"
)

func TestFilterSQL(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    string // the clause returned (without the trailing line break); "" with errSub
		errIs   error
		errSub  string
		wantNil bool // an empty clause: no filter
	}{
		{name: "empty", in: "   ", wantNil: true},
		{name: "simple", in: "[Total] > 5", want: "[Total] > 5"},
		{name: "trimmed", in: "  a = 1 \n", want: "a = 1"},
		{name: "semicolon in a string", in: "Name = 'a;b'", want: "Name = 'a;b'"},
		{name: "semicolon in a unicode string", in: "Name = N'x;y'", want: "Name = N'x;y'"},
		{name: "doubled quote inside a string", in: "Name = 'O''Brien; x'", want: "Name = 'O''Brien; x'"},
		{name: "semicolon in a bracket identifier", in: "[a;b] = 1", want: "[a;b] = 1"},
		{name: "doubled bracket inside an identifier", in: "[a]];b] = 1", want: "[a]];b] = 1"},
		{name: "semicolon in a double-quoted identifier", in: `"a;b" = 1`, want: `"a;b" = 1`},
		{name: "semicolon in a line comment", in: "a = 1 -- x; y", want: "a = 1 -- x; y"},
		{name: "semicolon in a block comment", in: "a = 1 /* x; y */", want: "a = 1 /* x; y */"},
		{name: "nested block comment", in: "a = 1 /* x /* y */ ; */", want: "a = 1 /* x /* y */ ; */"},
		{name: "parentheses in a string", in: "a = ')'", want: "a = ')'"},
		{name: "subquery", in: "CustomerId IN (SELECT CustomerId FROM dbo.Customer WHERE Country = N'France')",
			want: "CustomerId IN (SELECT CustomerId FROM dbo.Customer WHERE Country = N'France')"},
		{name: "second statement", in: "1=1; DROP TABLE x", errIs: errSecondStatement},
		{name: "trailing semicolon", in: "a = 1;", errIs: errSecondStatement},
		{name: "semicolon after a string", in: "a = 'x';DELETE FROM t", errIs: errSecondStatement},
		{name: "escape the parentheses", in: "1=1) DELETE FROM t WHERE (1=1", errIs: errUnbalanced},
		{name: "closing paren first", in: ") OR (1=1", errIs: errUnbalanced},
		{name: "unclosed paren", in: "(a = 1", errSub: "unclosed"},
		{name: "unterminated string", in: "a = 'x", errSub: "unterminated ' quote"},
		{name: "unterminated identifier", in: "[a = 1", errSub: "unterminated [identifier]"},
		{name: "unterminated double quote", in: `"a = 1`, errSub: `unterminated " quote`},
		{name: "unterminated comment", in: "a = 1 /* x", errSub: "unterminated /* comment"},
		{name: "unterminated nested comment", in: "a = 1 /* x /* y */", errSub: "unterminated /* comment"},
		{name: "comment hides a semicolon but not the next line", in: "a = 1 -- x\n; DROP TABLE t", errIs: errSecondStatement},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := filterSQL(tc.in)
			switch {
			case tc.errIs != nil:
				if !errors.Is(err, tc.errIs) {
					t.Fatalf("filterSQL(%q) = %q, %v; want %v", tc.in, got, err, tc.errIs)
				}
			case tc.errSub != "":
				if err == nil || !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("filterSQL(%q) = %q, %v; want an error containing %q", tc.in, got, err, tc.errSub)
				}
			case tc.wantNil:
				if err != nil || got != "" {
					t.Fatalf("filterSQL(%q) = %q, %v; want no filter", tc.in, got, err)
				}
			default:
				if err != nil {
					t.Fatalf("filterSQL(%q): %v", tc.in, err)
				}
				// The line break ends a trailing -- comment before relmongo's closing ')'.
				if got != tc.want+"\n" {
					t.Fatalf("filterSQL(%q) = %q, want %q", tc.in, got, tc.want+"\n")
				}
			}
		})
	}
}
