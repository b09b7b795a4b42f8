package connstr

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/microsoft/go-mssqldb/msdsn"
)

// clearPGEnv keeps the developer's PG* variables out of pgx.ParseConfig.
func clearPGEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE",
		"PGAPPNAME", "PGCONNECT_TIMEOUT", "PGSERVICE", "PGPASSFILE", "PGOPTIONS", "PGTARGETSESSIONATTRS"} {
		t.Setenv(v, "")
	}
}

func TestPgxConnStringRoundTrip(t *testing.T) {
	clearPGEnv(t)
	tests := []struct {
		name, url, password string
		wantHost, wantDB    string
		wantPort            uint16
		wantUser            string
		wantRuntime         map[string]string
		wantTLS             bool
	}{
		{
			name: "jdbc with options", url: "jdbc:postgresql://db.example.com:5433/sales?sslmode=disable&user=alice&ApplicationName=relmongo&currentSchema=s1",
			password: `it's a \ pass word`,
			wantHost: "db.example.com", wantPort: 5433, wantDB: "sales", wantUser: "alice",
			wantRuntime: map[string]string{"application_name": "relmongo", "search_path": "s1"},
		},
		{
			name: "IPv6 and quotes in the database name", url: "postgres://bob@[::1]/o'brien%20db?sslmode=require",
			password: pw, wantHost: "::1", wantPort: 5432, wantDB: "o'brien db", wantUser: "bob", wantTLS: true,
		},
		{
			name: "socket directory", url: "postgres://%2Ftmp/db?sslmode=disable", password: pw,
			wantHost: "/tmp", wantPort: 5432, wantDB: "db",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := ParseSource(TypePostgreSQL, tt.url, "", tt.password)
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			cfg, err := pgx.ParseConfig(src.PgxConnString())
			if err != nil {
				t.Fatalf("pgx.ParseConfig: %v", err)
			}
			if cfg.Host != tt.wantHost || cfg.Port != tt.wantPort || cfg.Database != tt.wantDB || cfg.Password != tt.password {
				t.Errorf("pgx config host=%q port=%d db=%q password ok=%v; want %q %d %q",
					cfg.Host, cfg.Port, cfg.Database, cfg.Password == tt.password, tt.wantHost, tt.wantPort, tt.wantDB)
			}
			if tt.wantUser != "" && cfg.User != tt.wantUser {
				t.Errorf("user = %q, want %q", cfg.User, tt.wantUser)
			}
			for k, v := range tt.wantRuntime {
				if cfg.RuntimeParams[k] != v {
					t.Errorf("runtime param %s = %q, want %q", k, cfg.RuntimeParams[k], v)
				}
			}
			if (cfg.TLSConfig != nil) != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", cfg.TLSConfig != nil, tt.wantTLS)
			}
		})
	}
}

func TestPgxConnStringExact(t *testing.T) {
	src := Source{Type: TypePostgreSQL, Host: "h", Port: 5432, Database: "d", User: "u", Password: `a'b\c`,
		Params: map[string]string{"sslmode": "disable", "application_name": "x y", "host": "evil", "bad key": "v"}}
	want := `host='h' port='5432' dbname='d' user='u' password='a\'b\\c' application_name='x y' sslmode='disable'`
	if got := src.PgxConnString(); got != want {
		t.Errorf("PgxConnString() =\n%s\nwant\n%s", got, want)
	}
	if got := (Source{Type: TypeSQLServer}).PgxConnString(); got != "" {
		t.Errorf("PgxConnString of a SQL Server source = %q, want empty", got)
	}
}

func TestMSSQLConnStringRoundTrip(t *testing.T) {
	tests := []struct {
		name, url, password string
		want                msdsn.Config
	}{
		{
			name: "jdbc with every common property", password: "p@ss w/rd;{}",
			url: "jdbc:sqlserver://sql.example.com:1433;databaseName=sales db;encrypt=true;trustServerCertificate=true;user=sa;applicationName=relmongo;loginTimeout=20",
			want: msdsn.Config{Host: "sql.example.com", Port: 1433, Database: "sales db", User: "sa", Encryption: msdsn.EncryptionRequired,
				TrustServerCertificate: true, AppName: "relmongo", DialTimeout: 20 * time.Second},
		},
		{
			name: "named instance", password: pw,
			url:  `jdbc:sqlserver://host\SQLEXPRESS;databaseName=db;user=sa;encrypt=false`,
			want: msdsn.Config{Host: "host", Instance: "SQLEXPRESS", Database: "db", User: "sa", Encryption: msdsn.EncryptionOff, AppName: "go-mssqldb"},
		},
		{
			name: "IPv6 native", password: pw,
			url:  "sqlserver://reader@[fd00::7]:1444?database=db&encrypt=disable",
			want: msdsn.Config{Host: "fd00::7", Port: 1444, Database: "db", User: "reader", Encryption: msdsn.EncryptionDisabled, AppName: "go-mssqldb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := ParseSource(TypeSQLServer, tt.url, "", tt.password)
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			cfg, err := msdsn.Parse(src.MSSQLConnString())
			if err != nil {
				t.Fatalf("msdsn.Parse: %v", err)
			}
			if cfg.Host != tt.want.Host || cfg.Port != tt.want.Port || cfg.Instance != tt.want.Instance ||
				cfg.Database != tt.want.Database || cfg.User != tt.want.User || cfg.Password != tt.password ||
				cfg.Encryption != tt.want.Encryption || cfg.TrustServerCertificate != tt.want.TrustServerCertificate ||
				cfg.AppName != tt.want.AppName {
				t.Errorf("go-mssqldb config host=%q port=%d instance=%q db=%q user=%q password ok=%v encryption=%v trust=%v app=%q",
					cfg.Host, cfg.Port, cfg.Instance, cfg.Database, cfg.User, cfg.Password == tt.password,
					cfg.Encryption, cfg.TrustServerCertificate, cfg.AppName)
			}
			if tt.want.DialTimeout != 0 && cfg.DialTimeout != tt.want.DialTimeout {
				t.Errorf("dial timeout = %v, want %v", cfg.DialTimeout, tt.want.DialTimeout)
			}
		})
	}
	if got := (Source{Type: TypePostgreSQL}).MSSQLConnString(); got != "" {
		t.Errorf("MSSQLConnString of a PostgreSQL source = %q, want empty", got)
	}
}

func TestMasked(t *testing.T) {
	tests := []struct {
		typ, url, user, password string
		want                     string
	}{
		{TypePostgreSQL, "jdbc:postgresql://h:5432/db?user=x&password=" + pw, "", "",
			"jdbc:postgresql://h:5432/db?user=x&password=*****"},
		{TypePostgreSQL, "postgres://x@h/db", "", "",
			"jdbc:postgresql://h:5432/db?user=x"},
		{TypePostgreSQL, "postgres://a%20b:" + pw + "@[::1]:6000/my%20db?sslmode=require&sslpassword=" + pw + "&application_name=r", "", "",
			"jdbc:postgresql://[::1]:6000/my%20db?user=a+b&password=*****&ApplicationName=r&sslmode=require&sslpassword=*****"},
		{TypePostgreSQL, "postgres://h/db", "u", pw,
			"jdbc:postgresql://h:5432/db?user=u&password=*****"},
		{TypeSQLServer, "sqlserver://sa:" + pw + "@sql:1433?database=sales&TrustServerCertificate=true&app+name=r", "", "",
			"jdbc:sqlserver://sql:1433;databaseName=sales;user=sa;password=*****;applicationName=r;trustServerCertificate=true"},
		{TypeSQLServer, `jdbc:sqlserver://host\SQLEXPRESS;databaseName={a;b};user=sa`, "", pw,
			`jdbc:sqlserver://host\SQLEXPRESS;databaseName={a;b};user=sa;password=*****;encrypt=true`},
		{TypeSQLServer, "jdbc:sqlserver://[::1]:1444;databaseName=db", "", "",
			"jdbc:sqlserver://;serverName=::1;portNumber=1444;databaseName=db;encrypt=true"},
		{TypeSQLite, "sqlite:///data/app.db?mode=ro", "", "", "jdbc:sqlite:/data/app.db?mode=ro"},
		{TypeSQLite, "/data/app.db", "", pw, "jdbc:sqlite:/data/app.db"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			src, err := ParseSource(tt.typ, tt.url, tt.user, tt.password)
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			got := src.Masked()
			if got != tt.want {
				t.Errorf("Masked() =\n%s\nwant\n%s", got, tt.want)
			}
			if strings.Contains(got, pw) {
				t.Errorf("Masked() contains the password")
			}
		})
	}
	if got := (Source{}).Masked(); got != "(unknown source type)" {
		t.Errorf("zero Source Masked() = %q", got)
	}
}

// TestMaskedReparses checks that the display form is itself a URL that parses to the same
// source, apart from the masked password: users copy it.
func TestMaskedReparses(t *testing.T) {
	tests := []struct{ typ, url string }{
		{TypePostgreSQL, "postgres://a%20b@[::1]:6000/my%20db?sslmode=require&application_name=r+s"},
		{TypePostgreSQL, "jdbc:postgresql://h/db?currentSchema=x&connectTimeout=5"},
		{TypeSQLServer, `jdbc:sqlserver://host\SQLEXPRESS:1500;databaseName={a;b}}};user=sa;hostNameInCertificate=*.example.com`},
		{TypeSQLServer, "jdbc:sqlserver://[fd00::1]:1444;databaseName=db;applicationName=x;loginTimeout=3"},
		{TypeSQLite, "file:///data/a.db?mode=ro"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			want, err := ParseSource(tt.typ, tt.url, "", "")
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			got, err := ParseSource(tt.typ, want.Masked(), "", "")
			if err != nil {
				t.Fatalf("ParseSource(%s): %v", want.Masked(), err)
			}
			if got.Masked() != want.Masked() || got.Host != want.Host || got.Port != want.Port ||
				got.Database != want.Database || got.User != want.User || got.Path != want.Path || len(got.Params) != len(want.Params) {
				t.Errorf("reparsed %+v\nwant %+v", got, want)
			}
		})
	}
}
