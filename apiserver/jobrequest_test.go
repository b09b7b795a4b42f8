package apiserver

import (
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/contract"
)

func TestVerificationOf(t *testing.T) {
	yes, no := true, false
	size := func(n int64) *int64 { return &n }
	tests := []struct {
		name string
		v    *verification
		want contract.Verification
		bad  string // substring of the 400 problem; "" = valid
	}{
		{"defaults", &verification{Enabled: &yes}, contract.Verification{Enabled: true, Mode: "SAMPLE", SampleSize: 1000}, ""},
		{"disabled", &verification{Enabled: &no}, contract.Verification{Mode: "SAMPLE", SampleSize: 1000}, ""},
		{"all", &verification{Enabled: &yes, Mode: "ALL"}, contract.Verification{Enabled: true, Mode: "ALL", SampleSize: 1000}, ""},
		{"sample size", &verification{Enabled: &yes, Mode: "SAMPLE", SampleSize: size(50)}, contract.Verification{Enabled: true, Mode: "SAMPLE", SampleSize: 50}, ""},
		{"bad mode", &verification{Enabled: &yes, Mode: "some"}, contract.Verification{}, `verification.mode "some" must be SAMPLE`},
		{"zero sample", &verification{Enabled: &yes, SampleSize: size(0)}, contract.Verification{}, "verification.sampleSize must be between 1 and 1000000 (got 0)"},
		{"huge sample", &verification{Enabled: &yes, SampleSize: size(2_000_000)}, contract.Verification{}, "use mode ALL"},
		{"bad mode even when disabled", &verification{Enabled: &no, Mode: "all"}, contract.Verification{}, `verification.mode "all"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p requestProblems
			req := &createJobRequest{Verification: tc.v}
			got := req.verificationOf(&p)
			if tc.bad != "" {
				if len(p.invalid) != 1 || !strings.Contains(p.invalid[0], tc.bad) {
					t.Errorf("problems %q, want one containing %q", p.invalid, tc.bad)
				}
				return
			}
			if len(p.invalid)+len(p.unrunning) > 0 {
				t.Errorf("problems %q %q, want none", p.invalid, p.unrunning)
			}
			if got != tc.want {
				t.Errorf("verificationOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}
