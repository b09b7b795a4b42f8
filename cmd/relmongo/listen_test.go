package main

import (
	"strings"
	"testing"
)

// TestCheckListen: a non-loopback listener without a token refuses to start.
func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8278", "", true},
		{"localhost:8278", "", true},
		{"[::1]:8278", "", true},
		{"0.0.0.0:8278", "", false},
		{":8278", "", false},
		{"10.1.2.3:8278", "", false},
		{"0.0.0.0:8278", "t0ken", true},
		{"nonsense", "t0ken", false},
	}
	for _, tc := range tests {
		err := checkListen(tc.addr, tc.token)
		if (err == nil) != tc.ok {
			t.Errorf("checkListen(%q, %q) = %v, want ok=%v", tc.addr, tc.token, err, tc.ok)
		}
		if err != nil && tc.addr != "nonsense" && !strings.Contains(err.Error(), "RELMONGO_API_TOKEN") {
			t.Errorf("error %q does not say how to set a token", err)
		}
	}
}
