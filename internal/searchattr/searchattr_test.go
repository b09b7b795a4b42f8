package searchattr

import (
	"slices"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
)

const kw = enumspb.INDEXED_VALUE_TYPE_KEYWORD

func TestProblems(t *testing.T) {
	all := Want()
	tests := []struct {
		name               string
		have               map[string]enumspb.IndexedValueType
		missing, wrongType []string
	}{
		{"all there", all, nil, nil},
		{"all there plus others", map[string]enumspb.IndexedValueType{"RelmongoJobId": kw, "RelmongoProjectId": kw, "RelmongoProjectName": kw,
			"RelmongoStatus": kw, "RelmongoScheduleId": kw, "CustomerId": enumspb.INDEXED_VALUE_TYPE_INT}, nil, nil},
		{"none", nil, []string{"RelmongoJobId", "RelmongoProjectId", "RelmongoProjectName", "RelmongoStatus", "RelmongoScheduleId"}, nil},
		{"one missing, one Text", map[string]enumspb.IndexedValueType{"RelmongoJobId": kw, "RelmongoProjectId": enumspb.INDEXED_VALUE_TYPE_TEXT,
			"RelmongoProjectName": kw, "RelmongoScheduleId": kw}, []string{"RelmongoStatus"}, []string{"RelmongoProjectId"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			missing, wrong := Problems(tc.have)
			if !slices.Equal(missing, tc.missing) || !slices.Equal(wrong, tc.wrongType) {
				t.Errorf("Problems = %v, %v; want %v, %v", missing, wrong, tc.missing, tc.wrongType)
			}
		})
	}
}

func TestWarning(t *testing.T) {
	if w := Warning("default", nil, nil); w != "" {
		t.Errorf("nothing wrong, warning %q", w)
	}
	got := Warning("prod", []string{"RelmongoStatus"}, []string{"RelmongoProjectId"})
	want := `Temporal namespace "prod" lacks relmongo's search attributes RelmongoStatus and has RelmongoProjectId with a type other than Keyword. ` +
		"Jobs run normally, but the Temporal Web UI cannot filter them by RelmongoProjectId, RelmongoStatus and the like until they exist. Fix it with: " +
		"temporal operator search-attribute remove --namespace prod --name RelmongoProjectId && " +
		"temporal operator search-attribute create --namespace prod --name RelmongoProjectId --type Keyword && " +
		"temporal operator search-attribute create --namespace prod --name RelmongoStatus --type Keyword; then restart relmongo api"
	if got != want {
		t.Errorf("Warning =\n%s\nwant\n%s", got, want)
	}
}

func TestWantIsKeyword(t *testing.T) {
	w := Want()
	if len(w) != 5 {
		t.Fatalf("Want has %d attributes, want 5: %v", len(w), w)
	}
	for n, typ := range w {
		if typ != kw {
			t.Errorf("%s is %s, want Keyword", n, typ)
		}
	}
}
