package apiserver

import (
	"reflect"
	"strings"
	"testing"
)

func TestKeyProblems(t *testing.T) {
	typ := reflect.TypeOf(&createJobRequest{})
	tests := []struct {
		name string
		body string
		want []string // substrings, one per expected problem, in order
	}{
		{"exact keys pass", `{"projectId":"p","options":{"mode":"SNAPSHOT","chunkRows":5},"verification":{"enabled":false}}`, nil},
		{"wrong case is refused with a hint", `{"PROJECTID":"p","Verification":{"ENABLED":false}}`,
			[]string{`$.PROJECTID: field names are case-sensitive; did you mean "projectId"?`, `$.Verification: field names are case-sensitive; did you mean "verification"?`, `$.Verification.ENABLED`}},
		{"duplicate key", `{"projectId":"a","projectId":"b"}`, []string{"$.projectId is given twice"}},
		{"every unknown field, nested too", `{"color":1,"options":{"speed":2},"jdbcConnectionDetails":{"urll":"x"}}`,
			[]string{`$.color: unknown field "color"`, `$.options.speed: unknown field "speed"`, `$.jdbcConnectionDetails.urll: unknown field "urll"`}},
		{"map keys are free, values checked", `{"relationalTableFilters":{"public":{"t":{"whereClause":"x","rowcount":1}}}}`,
			[]string{`$.relationalTableFilters.public.t.rowcount: field names are case-sensitive; did you mean "rowCount"?`}},
		{"any-typed fields accept anything", `{"options":{"signalingTable":{"whatever":{"deep":1}}}}`, nil},
		{"arrays of structs", `{"collectionFilters":["a","b"]}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keyProblems([]byte(tc.body), typ)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems %q, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
