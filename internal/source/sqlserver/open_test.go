package sqlserver

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/relmongo/relmongo/internal/connstr"
)

func TestOpenBadInput(t *testing.T) {
	// A port that nothing listens on: connection refused at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()

	// A server that accepts and never answers: only the deadline ends the attempt.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var held []net.Conn // kept open, never answered; closed with the listener
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	silentPort := silent.Addr().(*net.TCPAddr).Port

	src := func(port int, db string) connstr.Source {
		return connstr.Source{Type: connstr.TypeSQLServer, Host: "127.0.0.1", Port: port, Database: db,
			User: "sa", Password: "s3cret-Passw0rd", Params: map[string]string{"encrypt": "disable"}}
	}
	cases := []struct {
		name    string
		cs      connstr.Source
		timeout time.Duration
		errSub  string
	}{
		{name: "not SQL Server", cs: connstr.Source{Type: connstr.TypePostgreSQL}, timeout: time.Second, errSub: "cannot open a POSTGRESQL"},
		{name: "no database", cs: src(closedPort, ""), timeout: time.Second, errSub: "names no database"},
		{name: "connection refused", cs: src(closedPort, "Chinook"), timeout: 5 * time.Second, errSub: "connecting to SQL Server at 127.0.0.1:"},
		{name: "server never answers", cs: src(silentPort, "Chinook"), timeout: time.Second, errSub: "no answer within"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			start := time.Now()
			s, err := Open(ctx, tc.cs, 2)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.errSub) {
				t.Errorf("error %q lacks %q", err, tc.errSub)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the password leaked into the error: %v", err)
			}
			if d := time.Since(start); d > tc.timeout+3*time.Second {
				t.Errorf("Open took %s", d)
			}
		})
	}
}

func TestDataSourceNameDialTimeout(t *testing.T) {
	cs := connstr.Source{Type: connstr.TypeSQLServer, Host: "db", Port: 1433, Database: "x", Params: map[string]string{}}
	dsn, err := dataSourceName(cs)
	if err != nil || !strings.Contains(dsn, "dial+timeout=10") {
		t.Errorf("default dial timeout missing: %s %v", dsn, err)
	}
	cs.Params["dial timeout"] = "3"
	dsn, err = dataSourceName(cs)
	if err != nil || !strings.Contains(dsn, "dial+timeout=3") || strings.Contains(dsn, "=10") {
		t.Errorf("the url's dial timeout was not kept: %s %v", dsn, err)
	}
	if len(cs.Params) != 1 {
		t.Error("dataSourceName changed the caller's params")
	}
}
