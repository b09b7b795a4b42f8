package freeport

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		wantErr bool
	}{
		{name: "none", n: 0},
		{name: "one", n: 1},
		{name: "several", n: 8},
		{name: "negative", n: -1, wantErr: true},
		{name: "too many", n: maxPorts + 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ports, err := Get(tt.n)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Get(%d) = %v, want an error", tt.n, ports)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get(%d): %v", tt.n, err)
			}
			if len(ports) != tt.n {
				t.Fatalf("Get(%d) returned %d ports", tt.n, len(ports))
			}
			seen := map[int]bool{}
			for _, p := range ports {
				if p < 1 || p > 65535 {
					t.Errorf("port %d out of range", p)
				}
				if seen[p] {
					t.Errorf("port %d returned twice", p)
				}
				seen[p] = true
				// Every returned port must be free again once Get returns.
				if err := Check(p); err != nil {
					t.Errorf("port %d from Get is not free: %v", p, err)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port

	free, err := Get(1)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		port    int
		wantErr string // substring; "" = no error
	}{
		{name: "free", port: free[0]},
		{name: "in use", port: busyPort, wantErr: "port " + strconv.Itoa(busyPort)},
		{name: "zero", port: 0, wantErr: "not a valid TCP port"},
		{name: "negative", port: -5, wantErr: "not a valid TCP port"},
		{name: "too large", port: 70000, wantErr: "not a valid TCP port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.port)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Check(%d): %v", tt.port, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Check(%d) = nil, want error containing %q", tt.port, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Check(%d) = %q, want it to contain %q", tt.port, err, tt.wantErr)
			}
		})
	}
}
