package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/metrics"
)

// TestCheckMetricsListen: the worker's metrics listener follows the API's rule.
func TestCheckMetricsListen(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		want        string // "" = accepted; else a part of the error
	}{
		{"", "", ""},
		{"127.0.0.1:9478", "", ""},
		{"0.0.0.0:9478", "tok", ""},
		{"0.0.0.0:9478", "", "RELMONGO_METRICS_TOKEN"},
		{"9478", "", "host:port"},
	} {
		err := checkMetricsListen(tc.addr, tc.token)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("checkMetricsListen(%q, %q) = %v, want accepted", tc.addr, tc.token, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("checkMetricsListen(%q, %q) = %v, want an error naming %s", tc.addr, tc.token, err, tc.want)
		}
	}
}

// TestServeMetrics: the worker's /metrics answers the registry's page, with the token when set.
func TestServeMetrics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	m := metrics.New()
	m.ChunkCompleted(metrics.Chunk{RowsRead: 7})
	stop, err := serveMetrics(addr, m.ServeToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := serveMetrics(addr, m.Handler()); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("a taken port: %v, want an error naming --metrics-addr", err)
	}
	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Errorf("without token: %d, want 401", code)
	}
	if code, _ := get("wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code, body := get("s3cret"); code != http.StatusOK || !strings.Contains(body, "\nrelmongo_rows_read_total 7\n") {
		t.Errorf("with token: %d\n%s", code, body)
	}
}
