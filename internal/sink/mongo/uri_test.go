package mongosink

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDatabaseName(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		want    string
		wantErr string // substring; "" means success
		noDB    bool   // the error must be ErrNoDatabase
	}{
		{name: "plain", uri: "mongodb://localhost:27017/mydb", want: "mydb"},
		{name: "credentials and options", uri: "mongodb://u:p%40ss@h1:27017,h2:27018/app?replicaSet=rs0&authSource=admin", want: "app"},
		{name: "srv", uri: "mongodb+srv://user:pw@cluster0.example.net/sales?retryWrites=true&w=majority", want: "sales"},
		{name: "percent-encoded", uri: "mongodb://h/caf%C3%A9", want: "café"},
		{name: "ipv6 host", uri: "mongodb://[::1]:27017/db1", want: "db1"},
		{name: "unix socket", uri: "mongodb://%2Ftmp%2Fmongodb-27017.sock/db2", want: "db2"},
		{name: "no path", uri: "mongodb://localhost:27017", wantErr: "must name a database", noDB: true},
		{name: "empty path", uri: "mongodb://localhost:27017/", wantErr: "must name a database", noDB: true},
		{name: "options only", uri: "mongodb://localhost:27017/?authSource=admin", wantErr: "must name a database", noDB: true},
		{name: "options without slash", uri: "mongodb://localhost:27017?authSource=admin", wantErr: "must name a database", noDB: true},
		{name: "srv without db", uri: "mongodb+srv://u:p@cluster0.example.net/", wantErr: "must name a database", noDB: true},
		{name: "srv options only", uri: "mongodb+srv://cluster0.example.net/?retryWrites=true", wantErr: "must name a database", noDB: true},
		{name: "wrong scheme", uri: "postgres://localhost/db", wantErr: "must start with mongodb://"},
		{name: "empty", uri: "", wantErr: "must start with mongodb://"},
		{name: "no host", uri: "mongodb:///db", wantErr: "names no host"},
		{name: "dot in name", uri: "mongodb://h/a.b", wantErr: "does not allow"},
		{name: "dollar in name", uri: "mongodb://h/a$b", wantErr: "does not allow"},
		{name: "space in name", uri: "mongodb://h/a%20b", wantErr: "does not allow"},
		{name: "too long", uri: "mongodb://h/" + strings.Repeat("x", 64), wantErr: "at most 63"},
		{name: "bad escape", uri: "mongodb://h/a%zz", wantErr: "percent-encoded"},
		{name: "unescaped at", uri: "mongodb://u:p@x@h/db", wantErr: "unescaped '@'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DatabaseName(tt.uri)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("DatabaseName(%q) = %q, %v; want %q", tt.uri, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("DatabaseName(%q) = %q, want an error containing %q", tt.uri, got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if tt.noDB && !errors.Is(err, ErrNoDatabase) {
				t.Errorf("error %q is not ErrNoDatabase", err)
			}
			if tt.noDB && err.Error() != "the MongoDB connection string must name a database, e.g. mongodb://host:27017/mydb" {
				t.Errorf("error %q is not the documented message", err)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"mongodb://127.0.0.1:1234/", "mongodb://127.0.0.1:1234/x"},
		{"mongodb://127.0.0.1:1234", "mongodb://127.0.0.1:1234/x"},
		{"mongodb://u:p@h/old?tls=true", "mongodb://u:p@h/x?tls=true"},
		{"mongodb+srv://h/?w=1", "mongodb+srv://h/x?w=1"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.uri, "x"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.uri, got, tt.want)
		}
	}
}

// TestConnectErrors checks the failures that need no server, and that no error shows a password.
func TestConnectErrors(t *testing.T) {
	const secret = "s3cretPassw0rd"
	tests := []struct {
		name      string
		uri       string
		wantErr   string
		transient bool
	}{
		{name: "no database", uri: "mongodb://u:" + secret + "@127.0.0.1:1/", wantErr: "must name a database"},
		{name: "bad option value", uri: "mongodb://u:" + secret + "@127.0.0.1:1/db?tlsCertificateKeyFilePassword=%zz" + secret, wantErr: "connection string is invalid"},
		{name: "bad option", uri: "mongodb://u:" + secret + "@127.0.0.1:1/db?connectTimeoutMS=soon", wantErr: "connection string is invalid"},
		// Port 1 on loopback refuses connections: the short selection timeout must end the wait.
		{name: "unreachable", uri: "mongodb://u:" + secret + "@127.0.0.1:1/db?serverSelectionTimeoutMS=300", wantErr: "reaching the MongoDB server", transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tg, err := Connect(ctx, tt.uri)
			if err == nil {
				_ = tg.Close(ctx)
				t.Fatal("Connect succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the password: %q", err)
			}
			if got := IsTransient(err); got != tt.transient {
				t.Errorf("IsTransient(%v) = %v, want %v", err, got, tt.transient)
			}
		})
	}
}

func TestRedactURIError(t *testing.T) {
	uri := "mongodb://user:p%40ssword@h/db?authMechanismProperties=AWS_SESSION_TOKEN:tok123&tlsCertificateKeyFilePassword=certpw"
	err := redactURIError(errors.New(`bad: p@ssword p%40ssword AWS_SESSION_TOKEN:tok123 certpw user`), uri)
	for _, s := range []string{"p@ssword", "p%40ssword", "tok123", "certpw"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("redacted error %q still contains %q", err, s)
		}
	}
	if !strings.Contains(err.Error(), "user") {
		t.Errorf("redacted error %q lost the non-secret user name", err)
	}
}
