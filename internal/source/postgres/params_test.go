package postgres

import (
	"reflect"
	"testing"
)

func TestBindWindowParams(t *testing.T) {
	vals := map[string]string{"windowStart": "2026-01-01T00:00:00Z", "windowEnd": "2026-01-02T00:00:00Z", "scheduledTime": "2026-01-02T00:00:00Z"}
	cases := []struct {
		name, in, want string
		first          int
		args           []any
		wantErr        bool
		values         map[string]string
	}{
		{name: "none", in: "a = 1", want: "a = 1", first: 1, values: vals},
		{name: "window", in: "last_modified > :windowStart AND last_modified <= :windowEnd", first: 3, values: vals,
			want: "last_modified > $3::timestamptz AND last_modified <= $4::timestamptz",
			args: []any{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}},
		{name: "cast is not a parameter", in: "ts::timestamptz > :scheduledTime::date", first: 1, values: vals,
			want: "ts::timestamptz > $1::timestamptz::date", args: []any{"2026-01-02T00:00:00Z"}},
		{name: "literal stays text", in: "note = ':windowStart' OR x = 'it''s :windowEnd'", first: 1, values: vals,
			want: "note = ':windowStart' OR x = 'it''s :windowEnd'"},
		{name: "escape string", in: `s = E'a\':windowStart' AND t > :windowEnd`, first: 1, values: vals,
			want: `s = E'a\':windowStart' AND t > $1::timestamptz`, args: []any{"2026-01-02T00:00:00Z"}},
		{name: "quoted identifier", in: `":windowStart" > 0`, first: 1, values: vals, want: `":windowStart" > 0`},
		{name: "line comment", in: "a > 0 -- :windowStart\nAND b < :windowEnd", first: 1, values: vals,
			want: "a > 0 -- :windowStart\nAND b < $1::timestamptz", args: []any{"2026-01-02T00:00:00Z"}},
		{name: "nested block comment", in: "a /* x /* :windowStart */ y */ > 0", first: 1, values: vals,
			want: "a /* x /* :windowStart */ y */ > 0"},
		{name: "dollar quoted", in: "s = $q$:windowStart$q$ AND $$:windowEnd$$ = s", first: 1, values: vals,
			want: "s = $q$:windowStart$q$ AND $$:windowEnd$$ = s"},
		{name: "array slice left alone", in: "arr[lo:hi] = '{}'", first: 1, values: vals, want: "arr[lo:hi] = '{}'"},
		{name: "value is data", in: "t > :windowStart", first: 1, values: map[string]string{"windowStart": "'; DROP TABLE x; --"},
			want: "t > $1::timestamptz", args: []any{"'; DROP TABLE x; --"}},
		{name: "not a scheduled run", in: "t > :windowStart", first: 1, values: nil, wantErr: true},
		{name: "unterminated literal", in: "a = 'x", first: 1, values: vals, wantErr: true},
		{name: "unterminated comment", in: "a /* x", first: 1, values: vals, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, args, err := bindWindowParams(tc.in, tc.values, tc.first)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || !reflect.DeepEqual(args, tc.args) {
				t.Fatalf("got %q %v, want %q %v", got, args, tc.want, tc.args)
			}
		})
	}
}
