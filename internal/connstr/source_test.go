package connstr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// pw is the password used in test URLs; no error may ever contain it.
const pw = "Zq9secretPW"

func TestParseSourcePostgres(t *testing.T) {
	tests := []struct {
		name           string
		url            string
		user, password string
		want           Source
	}{
		{
			name: "jdbc with port, options, user and password",
			url:  "jdbc:postgresql://db.example.com:5433/sales?sslmode=disable&user=alice&password=" + pw,
			want: Source{Host: "db.example.com", Port: 5433, Database: "sales", User: "alice", Password: pw,
				Params: map[string]string{"sslmode": "disable"}},
		},
		{
			name: "jdbc default port",
			url:  "jdbc:postgresql://localhost/app",
			want: Source{Host: "localhost", Port: 5432, Database: "app", Params: map[string]string{}},
		},
		{
			name: "jdbc database only means localhost",
			url:  "jdbc:postgresql:app",
			want: Source{Host: "localhost", Port: 5432, Database: "app", Params: map[string]string{}},
		},
		{
			name: "jdbc slash only: no database",
			url:  "jdbc:postgresql:/",
			want: Source{Host: "localhost", Port: 5432, Params: map[string]string{}},
		},
		{
			name: "jdbc without path: no database",
			url:  "jdbc:postgresql://pg:6543",
			want: Source{Host: "pg", Port: 6543, Params: map[string]string{}},
		},
		{
			name: "jdbc IPv6",
			url:  "jdbc:postgresql://[::1]:5740/accounting",
			want: Source{Host: "::1", Port: 5740, Database: "accounting", Params: map[string]string{}},
		},
		{
			name: "jdbc properties translated and JVM-only ones dropped",
			url: "jdbc:postgresql://h/db?ApplicationName=my+app&currentSchema=sales&connectTimeout=10" +
				"&loggerLevel=OFF&prepareThreshold=0&reWriteBatchedInserts=true&statement_timeout=5000",
			want: Source{Host: "h", Port: 5432, Database: "db", Params: map[string]string{
				"application_name": "my app", "search_path": "sales", "connect_timeout": "10",
				"statement_timeout": "5000"}},
		},
		{
			name: "jdbc ssl=true means verify-full",
			url:  "jdbc:postgresql://h/db?ssl=true",
			want: Source{Host: "h", Port: 5432, Database: "db", Params: map[string]string{"sslmode": "verify-full"}},
		},
		{
			name: "jdbc ssl=true with the non-validating factory means require",
			url:  "jdbc:postgresql://h/db?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory",
			want: Source{Host: "h", Port: 5432, Database: "db", Params: map[string]string{"sslmode": "require"}},
		},
		{
			name: "jdbc sslmode wins over ssl",
			url:  "jdbc:postgresql://h/db?ssl=true&sslmode=prefer",
			want: Source{Host: "h", Port: 5432, Database: "db", Params: map[string]string{"sslmode": "prefer"}},
		},
		{
			name: "jdbc ssl=false leaves the driver default",
			url:  "jdbc:postgresql://h/db?ssl=false",
			want: Source{Host: "h", Port: 5432, Database: "db", Params: map[string]string{}},
		},
		{
			name: "native url with percent-encoded password",
			url:  "postgres://bob:p%40ss%2Fw%3Ard%25@pg.internal/warehouse",
			want: Source{Host: "pg.internal", Port: 5432, Database: "warehouse", User: "bob", Password: "p@ss/w:rd%",
				Params: map[string]string{}},
		},
		{
			name: "postgresql scheme, raw @ and : in the password",
			url:  "postgresql://bob:raw@pa:ss@host:5439/db",
			want: Source{Host: "host", Port: 5439, Database: "db", User: "bob", Password: "raw@pa:ss", Params: map[string]string{}},
		},
		{
			name: "native url keeps + in the password",
			url:  "postgres://u@host/db?password=x%2By+z",
			want: Source{Host: "host", Port: 5432, Database: "db", User: "u", Password: "x+y+z", Params: map[string]string{}},
		},
		{
			name: "native url without database",
			url:  "postgres://host",
			want: Source{Host: "host", Port: 5432, Params: map[string]string{}},
		},
		{
			name: "native url with socket directory",
			url:  "postgres://%2Fvar%2Frun%2Fpostgresql/db",
			want: Source{Host: "/var/run/postgresql", Port: 5432, Database: "db", Params: map[string]string{}},
		},
		{
			name: "native url with host, port and dbname parameters",
			url:  "postgres:///ignored?host=/tmp&port=5544&dbname=real&sslmode=require",
			want: Source{Host: "/tmp", Port: 5544, Database: "real", Params: map[string]string{"sslmode": "require"}},
		},
		{
			name: "native url IPv6 with userinfo",
			url:  "postgres://u:" + pw + "@[2001:db8::5]:6000/db",
			want: Source{Host: "2001:db8::5", Port: 6000, Database: "db", User: "u", Password: pw, Params: map[string]string{}},
		},
		{
			name: "scheme in upper case and surrounding spaces",
			url:  "  POSTGRES://Host/DB \n",
			want: Source{Host: "Host", Port: 5432, Database: "DB", Params: map[string]string{}},
		},
		{
			name: "request fields override the url",
			url:  "postgres://a:b@h/d", user: "carol", password: pw,
			want: Source{Host: "h", Port: 5432, Database: "d", User: "carol", Password: pw, Params: map[string]string{}},
		},
		{
			name: "request password alone overrides only the password",
			url:  "jdbc:postgresql://h/d?user=dave", password: pw,
			want: Source{Host: "h", Port: 5432, Database: "d", User: "dave", Password: pw, Params: map[string]string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSource(TypePostgreSQL, tt.url, tt.user, tt.password)
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			tt.want.Type = TypePostgreSQL
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSourceSQLServer(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want Source
	}{
		{
			name: "jdbc with every common property",
			url:  "jdbc:sqlserver://sql.example.com:1433;databaseName=sales;encrypt=true;trustServerCertificate=true;user=sa;password=" + pw,
			want: Source{Host: "sql.example.com", Port: 1433, Database: "sales", User: "sa", Password: pw,
				Params: map[string]string{"encrypt": "true", "trustServerCertificate": "true"}},
		},
		{
			name: "jdbc default port, encrypt defaults to true as in the JDBC driver",
			url:  "jdbc:sqlserver://sql.example.com;databaseName=sales",
			want: Source{Host: "sql.example.com", Port: 1433, Database: "sales", Params: map[string]string{"encrypt": "true"}},
		},
		{
			name: "jdbc without database",
			url:  "jdbc:sqlserver://sql:1500;encrypt=false",
			want: Source{Host: "sql", Port: 1500, Params: map[string]string{"encrypt": "false"}},
		},
		{
			name: "jdbc named instance without port asks the browser",
			url:  `jdbc:sqlserver://host\SQLEXPRESS;databaseName=db`,
			want: Source{Host: "host", Database: "db", Params: map[string]string{"encrypt": "true", "instanceName": "SQLEXPRESS"}},
		},
		{
			name: "jdbc named instance with port",
			url:  `jdbc:sqlserver://host\SQLEXPRESS:1501;databaseName=db`,
			want: Source{Host: "host", Port: 1501, Database: "db", Params: map[string]string{"encrypt": "true", "instanceName": "SQLEXPRESS"}},
		},
		{
			name: "jdbc IPv6 in serverName with portNumber and instanceName",
			url:  `jdbc:sqlserver://;serverName=3ffe:8311::1;portNumber=1444;instanceName=i1;databaseName=db`,
			want: Source{Host: "3ffe:8311::1", Port: 1444, Database: "db", Params: map[string]string{"encrypt": "true", "instanceName": "i1"}},
		},
		{
			name: "jdbc IPv6 in brackets",
			url:  "jdbc:sqlserver://[::1]:1433;databaseName=db",
			want: Source{Host: "::1", Port: 1433, Database: "db", Params: map[string]string{"encrypt": "true"}},
		},
		{
			name: "jdbc braced password with ; = and escaped }",
			url:  "jdbc:sqlserver://h;user=sa;password={a;b}}c=d };databaseName=db",
			want: Source{Host: "h", Port: 1433, Database: "db", User: "sa", Password: "a;b}c=d ", Params: map[string]string{"encrypt": "true"}},
		},
		{
			name: "jdbc keys ignore case; JDBC names translated; JVM-only dropped",
			url: "jdbc:sqlserver://h:1433;DATABASENAME=db;USER=sa;Password=" + pw + ";applicationName=relmongo;loginTimeout=30" +
				";sendStringParametersAsUnicode=false;trustStore=/x.jks;trustStorePassword=" + pw + ";authentication=SqlPassword;integratedSecurity=false;",
			want: Source{Host: "h", Port: 1433, Database: "db", User: "sa", Password: pw,
				Params: map[string]string{"encrypt": "true", "app name": "relmongo", "dial timeout": "30"}},
		},
		{
			name: "native url",
			url:  "sqlserver://sa:p%40ss@sql.example.com:1433?database=sales&encrypt=disable",
			want: Source{Host: "sql.example.com", Port: 1433, Database: "sales", User: "sa", Password: "p@ss",
				Params: map[string]string{"encrypt": "disable"}},
		},
		{
			name: "native url with instance and + meaning space, as go-mssqldb reads it",
			url:  "sqlserver://sa:" + pw + "@host/SQLEXPRESS?database=my+db&TrustServerCertificate=true",
			want: Source{Host: "host", Database: "my db", User: "sa", Password: pw,
				Params: map[string]string{"instanceName": "SQLEXPRESS", "trustServerCertificate": "true"}},
		},
		{
			name: "native url IPv6 and user id parameter",
			url:  "sqlserver://[fd00::7]:1444?user+id=reader&password=" + pw,
			want: Source{Host: "fd00::7", Port: 1444, User: "reader", Password: pw, Params: map[string]string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSource(TypeSQLServer, tt.url, "", "")
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			tt.want.Type = TypeSQLServer
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSourceSQLite(t *testing.T) {
	tests := []struct {
		url        string
		wantPath   string
		wantParams map[string]string
	}{
		{"jdbc:sqlite:/data/app.db", "/data/app.db", map[string]string{}},
		{"jdbc:sqlite:relative.db", "relative.db", map[string]string{}},
		{"jdbc:sqlite:/data/app.db?journal_mode=WAL", "/data/app.db", map[string]string{"journal_mode": "WAL"}},
		{"jdbc:sqlite:file:/data/app.db?mode=ro", "/data/app.db", map[string]string{"mode": "ro"}},
		{"sqlite:///data/app.db", "/data/app.db", map[string]string{}},
		{"sqlite:////data/app.db", "//data/app.db", map[string]string{}},
		{"sqlite://rel.db", "rel.db", map[string]string{}},
		{"sqlite:/abs.db", "/abs.db", map[string]string{}},
		{"sqlite:db/x.sqlite3", "db/x.sqlite3", map[string]string{}},
		{"file:///data/my%20app.db?mode=ro&immutable=1", "/data/my app.db", map[string]string{"mode": "ro", "immutable": "1"}},
		{"file://localhost/data/app.db", "/data/app.db", map[string]string{}},
		{"file:rel.db", "rel.db", map[string]string{}},
		{"/data/app.db", "/data/app.db", map[string]string{}},
		{"./rel dir/app.db", "./rel dir/app.db", map[string]string{}},
		{`C:\data\app.db`, `C:\data\app.db`, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := ParseSource(TypeSQLite, tt.url, "", "")
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			want := Source{Type: TypeSQLite, Path: tt.wantPath, Params: tt.wantParams}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseSourceErrors(t *testing.T) {
	tests := []struct {
		name     string
		typ, url string
		password string   // request field
		wantIn   []string // substrings the message must contain
		wantIs   error
	}{
		{name: "unsupported type", typ: "MYSQL", url: "jdbc:mysql://h/db", wantIn: []string{"MySQL", "not supported yet"}, wantIs: ErrUnsupportedType},
		{name: "unsupported type lower case", typ: "oracle", url: "x", wantIn: []string{"Oracle", "ORACLE"}, wantIs: ErrUnsupportedType},
		{name: "unknown type", typ: "MONGO", url: "x", wantIn: []string{`"MONGO"`, "POSTGRESQL, SQL_SERVER or SQLITE"}},
		{name: "lower-case type", typ: "postgresql", url: "postgres://h/db", wantIn: []string{"upper case", "POSTGRESQL"}},
		{name: "missing type", typ: "", url: "postgres://h/db", wantIn: []string{"type is missing"}},
		{name: "empty url", typ: TypePostgreSQL, url: "  ", wantIn: []string{"empty", "jdbc:postgresql://"}},
		{name: "control character", typ: TypePostgreSQL, url: "postgres://u:" + pw + "@h/db\x00x", wantIn: []string{"control character"}},
		{name: "garbage", typ: TypePostgreSQL, url: "not a url " + pw, wantIn: []string{"not a PostgreSQL url", "jdbc:postgresql://host:5432/database"}},
		{name: "postgres url for SQL Server", typ: TypeSQLServer, url: "postgres://u:" + pw + "@h/db",
			wantIn: []string{"PostgreSQL url", "type is SQL_SERVER", "set the type to POSTGRESQL", "jdbc:sqlserver://"}},
		{name: "SQL Server url for PostgreSQL", typ: TypePostgreSQL, url: "jdbc:sqlserver://h;password=" + pw,
			wantIn: []string{"SQL Server url", "set the type to SQL_SERVER"}},
		{name: "PostgreSQL url for SQLite", typ: TypeSQLite, url: "postgresql://u:" + pw + "@h/db", wantIn: []string{"set the type to POSTGRESQL"}},
		{name: "SQLite url for PostgreSQL", typ: TypePostgreSQL, url: "jdbc:sqlite:/x.db", wantIn: []string{"SQLite url"}},
		{name: "MySQL url", typ: TypePostgreSQL, url: "jdbc:mysql://h/db?password=" + pw, wantIn: []string{"MySQL url", "not supported yet"}},
		{name: "MongoDB url as source", typ: TypePostgreSQL, url: "mongodb://u:" + pw + "@h/db", wantIn: []string{"mongodbConnectionDetails.connectionString"}},
		{name: "jTDS", typ: TypeSQLServer, url: "jdbc:jtds:sqlserver://h/db", wantIn: []string{"jTDS"}},

		{name: "pg raw slash in password", typ: TypePostgreSQL, url: "postgres://u:" + pw + "/x@h/db", wantIn: []string{"percent-encode"}},
		{name: "pg raw ? in password", typ: TypePostgreSQL, url: "postgres://u:" + pw + "?x@h/db", wantIn: []string{"percent-encode"}},
		{name: "pg bad escape in password", typ: TypePostgreSQL, url: "postgres://u:" + pw + "%zz@h/db", wantIn: []string{"password is not validly percent-encoded"}},
		{name: "pg bad escape in password parameter", typ: TypePostgreSQL, url: "postgres://h/db?password=" + pw + "%g1", wantIn: []string{"value is not validly percent-encoded"}},
		{name: "pg port too large", typ: TypePostgreSQL, url: "postgres://h:99999/db", wantIn: []string{"port is not a number"}},
		{name: "pg port not a number", typ: TypePostgreSQL, url: "jdbc:postgresql://h:abc/db", wantIn: []string{"port is not a number"}},
		{name: "pg empty port", typ: TypePostgreSQL, url: "postgres://h:/db", wantIn: []string{"port is not a number"}},
		{name: "pg several hosts", typ: TypePostgreSQL, url: "jdbc:postgresql://h1:5432,h2:5432/db", wantIn: []string{"several hosts"}},
		{name: "pg unclosed bracket", typ: TypePostgreSQL, url: "postgres://[::1/db", wantIn: []string{"not closed"}},
		{name: "pg IPv6 without brackets", typ: TypePostgreSQL, url: "postgres://::1/db", wantIn: []string{"brackets"}},
		{name: "pg bracketed non-IPv6", typ: TypePostgreSQL, url: "postgres://[db.example.com]/db", wantIn: []string{"not an IPv6"}},
		{name: "pg bad host", typ: TypePostgreSQL, url: "postgres://h;x/db", wantIn: []string{"host name contains"}},
		{name: "pg bad sslmode", typ: TypePostgreSQL, url: "postgres://h/db?sslmode=sometimes", wantIn: []string{"sslmode must be one of"}},
		{name: "pg passfile refused", typ: TypePostgreSQL, url: "postgres://h/db?passfile=/etc/pgpass", wantIn: []string{"passfile is not allowed"}},
		{name: "pg service refused", typ: TypePostgreSQL, url: "postgres://h/db?service=prod", wantIn: []string{"service is not allowed"}},
		{name: "pg duplicate parameter", typ: TypePostgreSQL, url: "postgres://h/db?sslmode=disable&sslmode=require", wantIn: []string{"sslmode is given twice"}},
		{name: "pg parameter without value", typ: TypePostgreSQL, url: "postgres://h/db?" + pw, wantIn: []string{"name=value"}},
		{name: "pg bad connect timeout", typ: TypePostgreSQL, url: "jdbc:postgresql://h/db?connectTimeout=soon", wantIn: []string{"whole number of seconds"}},

		{name: "mssql no //", typ: TypeSQLServer, url: "jdbc:sqlserver:h;databaseName=db", wantIn: []string{"followed by //"}},
		{name: "mssql no server", typ: TypeSQLServer, url: "jdbc:sqlserver://;databaseName=db;password=" + pw, wantIn: []string{"names no server"}},
		{name: "mssql userinfo in jdbc", typ: TypeSQLServer, url: "jdbc:sqlserver://sa:" + pw + "@h;databaseName=db", wantIn: []string{";user="}},
		{name: "mssql unterminated brace", typ: TypeSQLServer, url: "jdbc:sqlserver://h;password={" + pw, wantIn: []string{"not closed with '}'"}},
		{name: "mssql text after brace", typ: TypeSQLServer, url: "jdbc:sqlserver://h;password={a}" + pw + ";x=y", wantIn: []string{"text follows"}},
		{name: "mssql property without =", typ: TypeSQLServer, url: "jdbc:sqlserver://h;" + pw + ";user=sa", wantIn: []string{"name=value"}},
		{name: "mssql integrated security", typ: TypeSQLServer, url: "jdbc:sqlserver://h;integratedSecurity=true", wantIn: []string{"integratedSecurity", "not supported"}},
		{name: "mssql Azure AD", typ: TypeSQLServer, url: "jdbc:sqlserver://h;authentication=ActiveDirectoryPassword", wantIn: []string{"SqlPassword"}},
		{name: "mssql bad encrypt", typ: TypeSQLServer, url: "jdbc:sqlserver://h;encrypt=maybe", wantIn: []string{"encrypt must be"}},
		{name: "mssql bad trust", typ: TypeSQLServer, url: "sqlserver://h?trustservercertificate=sure", wantIn: []string{"trustServerCertificate must be"}},
		{name: "mssql port 0", typ: TypeSQLServer, url: "jdbc:sqlserver://h:0", wantIn: []string{"port is not a number"}},
		{name: "mssql IPv6 without brackets", typ: TypeSQLServer, url: "jdbc:sqlserver://fd00::g:1433;databaseName=db", wantIn: []string{"brackets"}},
		{name: "mssql native server parameter", typ: TypeSQLServer, url: "sqlserver://h?server=other", wantIn: []string{"before the path"}},
		{name: "mssql native no host", typ: TypeSQLServer, url: "sqlserver://sa:" + pw + "@/inst?database=db", wantIn: []string{"names no server"}},
		{name: "mssql native duplicate key ignoring case", typ: TypeSQLServer, url: "sqlserver://h?encrypt=true&Encrypt=false", wantIn: []string{"given twice"}},

		{name: "sqlite in memory", typ: TypeSQLite, url: "jdbc:sqlite::memory:", wantIn: []string{"in-memory"}},
		{name: "sqlite mode=memory", typ: TypeSQLite, url: "file:x.db?mode=memory", wantIn: []string{"in-memory"}},
		{name: "sqlite foreign host", typ: TypeSQLite, url: "file://otherhost/x.db", wantIn: []string{"localhost"}},
		{name: "sqlite empty path", typ: TypeSQLite, url: "sqlite:", wantIn: []string{"names no database file"}},
		{name: "sqlite bad escape", typ: TypeSQLite, url: "sqlite:///x%zz.db", wantIn: []string{"percent-encoded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSource(tt.typ, tt.url, "", tt.password)
			if err == nil {
				t.Fatalf("ParseSource succeeded with %+v, want an error", got)
			}
			msg := err.Error()
			if strings.Contains(msg, pw) {
				t.Errorf("error contains the password: %s", msg)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if tt.wantIs == nil && errors.Is(err, ErrUnsupportedType) {
				t.Errorf("error wraps ErrUnsupportedType, want a plain invalid-input error")
			}
			if !reflect.DeepEqual(got, Source{}) {
				t.Errorf("got a non-zero Source with an error: %+v", got)
			}
		})
	}
}

// FuzzParseSourceNoPasswordInError checks the package's promise with arbitrary text around a
// password: whatever the URL looks like, an error never repeats it.
func FuzzParseSourceNoPasswordInError(f *testing.F) {
	const secret = "Pw7MARKERx"
	seeds := []struct{ typ, before, after string }{
		{TypePostgreSQL, "postgres://u:", "@h/db"},
		{TypePostgreSQL, "postgres://u:", "/x@h:99/db"},
		{TypePostgreSQL, "postgres://u:", "?x@h/db"},
		{TypePostgreSQL, "postgres://u:", "%zz@h/db"},
		{TypePostgreSQL, "jdbc:postgresql://h/db?password=", "%"},
		{TypePostgreSQL, "postgres://u:a:", "@[::1/db"},
		{TypePostgreSQL, "postgres://h:", "/db"},
		{TypePostgreSQL, "postgres://", ":5432/db"},
		{TypePostgreSQL, "postgres://h/db?", "=1&" + "sslmode=x"},
		{TypePostgreSQL, "postgres://h/", "@x"},
		{TypeSQLServer, "jdbc:sqlserver://h;password={", ""},
		{TypeSQLServer, "jdbc:sqlserver://h;password={a}", ";"},
		{TypeSQLServer, "jdbc:sqlserver://", ";databaseName=db"},
		{TypeSQLServer, "jdbc:sqlserver://h:", ";"},
		{TypeSQLServer, "jdbc:sqlserver://h;", ";"},
		{TypeSQLServer, "sqlserver://u:", "@h:0"},
		{TypeSQLServer, "sqlserver://u:", "/x@h?encrypt=maybe"},
		{TypeSQLite, "file://", "/x.db"},
		{TypeSQLite, "sqlite:///", "%zz"},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.before, s.after)
	}
	f.Fuzz(func(t *testing.T, typ, before, after string) {
		if !strings.Contains(typ, secret) {
			_, err := ParseSource(typ, before+secret+after, "", "")
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error contains the password: %v", err)
			}
		}
	})
}
