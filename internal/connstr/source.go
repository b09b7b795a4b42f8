package connstr

import (
	"errors"
	"fmt"
	"strings"
)

// Source types, as in the API's jdbcConnectionDetails.type.
const (
	// TypePostgreSQL is a PostgreSQL source.
	TypePostgreSQL = "POSTGRESQL"
	// TypeSQLServer is a Microsoft SQL Server (or Azure SQL) source.
	TypeSQLServer = "SQL_SERVER"
	// TypeSQLite is a SQLite database file.
	TypeSQLite = "SQLITE"
)

// Default ports, used when a URL names a host without a port.
const (
	// DefaultPostgresPort is PostgreSQL's well-known port.
	DefaultPostgresPort = 5432
	// DefaultSQLServerPort is SQL Server's well-known port. A SQL Server URL that names an
	// instance but no port gets port 0 instead, because the driver then asks the SQL Server
	// Browser service for the instance's port.
	DefaultSQLServerPort = 1433
)

// ErrUnsupportedType is wrapped by ParseSource when the type is a relational database that
// Relational Migrator knows but relmongo does not support yet (the API answers 422 for it, and
// 400 for any other error of ParseSource).
var ErrUnsupportedType = errors.New("source type is not supported yet")

// Source is a parsed relational connection, independent of the URL form the user gave.
//
// Params hold the remaining options under the names of the Go driver for the type (pgx/libpq
// names for PostgreSQL, go-mssqldb names for SQL Server), so that a Source means the same thing
// whichever URL form it came from; Masked translates the names back to their JDBC spelling.
// For SQL Server, a named instance is kept in Params["instanceName"].
//
// A Source holds the password in clear: never log it or put it in a workflow input; use Masked
// for display and secret.Key.SealJSON to carry it.
type Source struct {
	// Type is TypePostgreSQL, TypeSQLServer or TypeSQLite.
	Type string
	// Host is the server's host name, IP address (IPv6 without brackets) or, for PostgreSQL,
	// a Unix socket directory.
	Host string
	// Port is the TCP port; 0 for SQLite and for a SQL Server named instance without a port.
	Port int
	// Database is the database name; empty means the driver's default (PostgreSQL: the user's
	// name; SQL Server: the login's default database).
	Database string
	// User is the login name, from the URL or from the request's user field (the field wins
	// when non-empty).
	User string
	// Password is the login password, from the URL or from the request's password field (the
	// field wins when non-empty). Never log it.
	Password string
	// Params are the remaining options (sslmode, encrypt, trustServerCertificate, ...).
	Params map[string]string
	// Path is the SQLite database file path.
	Path string
}

// unsupportedTypes are the source types that Relational Migrator supports and relmongo does not
// support yet; the API answers 422 for them rather than 400.
var unsupportedTypes = map[string]string{
	"MYSQL":      "MySQL",
	"MARIADB":    "MariaDB",
	"ORACLE":     "Oracle",
	"SYBASE":     "Sybase",
	"SYBASE_ASE": "Sybase ASE",
	"DB2":        "Db2",
}

// displayNames are the product names used in messages.
var displayNames = map[string]string{
	TypePostgreSQL: "PostgreSQL",
	TypeSQLServer:  "SQL Server",
	TypeSQLite:     "SQLite",
}

// examples are the expected URL forms shown in error messages.
var examples = map[string]string{
	TypePostgreSQL: "jdbc:postgresql://host:5432/database?sslmode=require or postgres://user:password@host:5432/database",
	TypeSQLServer:  "jdbc:sqlserver://host:1433;databaseName=database;encrypt=true or sqlserver://user:password@host:1433?database=database",
	TypeSQLite:     "jdbc:sqlite:/path/to/file.db, sqlite:///path/to/file.db or a plain file path",
}

// userinfoHint is appended to errors where an unencoded character in the user name or password
// is the likely cause.
const userinfoHint = "if the user name or password contains @ : / ? # % or a space, percent-encode it " +
	"(for example @ as %40) or give it in the user and password fields instead"

// urlForm is one URL prefix that ParseSource recognizes.
type urlForm struct {
	prefix string // lower case
	typ    string // the source type it belongs to; "" for foreign families
	name   string // product name, for foreign families
	parse  func(rest string) (Source, error)
}

// forms are tried in order; longer prefixes that share a start come first.
var forms = []urlForm{
	{prefix: "jdbc:postgresql:", typ: TypePostgreSQL, parse: parsePostgresJDBC},
	{prefix: "postgresql://", typ: TypePostgreSQL, parse: parsePostgresURL},
	{prefix: "postgres://", typ: TypePostgreSQL, parse: parsePostgresURL},
	{prefix: "jdbc:sqlserver:", typ: TypeSQLServer, parse: parseSQLServerJDBC},
	{prefix: "sqlserver://", typ: TypeSQLServer, parse: parseSQLServerURL},
	{prefix: "jdbc:sqlite:", typ: TypeSQLite, parse: parseSQLiteJDBC},
	{prefix: "sqlite:", typ: TypeSQLite, parse: parseSQLiteURL},
	{prefix: "file:", typ: TypeSQLite, parse: parseSQLiteFileURI},
	{prefix: "jdbc:jtds:sqlserver:", name: "jTDS SQL Server"},
	{prefix: "jdbc:mysql:", name: "MySQL"},
	{prefix: "mysql://", name: "MySQL"},
	{prefix: "jdbc:mariadb:", name: "MariaDB"},
	{prefix: "mariadb://", name: "MariaDB"},
	{prefix: "jdbc:oracle:", name: "Oracle"},
	{prefix: "oracle://", name: "Oracle"},
	{prefix: "jdbc:db2:", name: "Db2"},
	{prefix: "jdbc:sybase:", name: "Sybase"},
	{prefix: "mongodb://", name: "MongoDB"},
	{prefix: "mongodb+srv://", name: "MongoDB"},
}

// ParseSource parses a relational connection URL in JDBC or native form:
//
//	jdbc:postgresql://host:5432/db?sslmode=disable&user=x&password=y
//	postgres://user:pw@host/db, postgresql://...
//	jdbc:sqlserver://host:1433;databaseName=db;encrypt=true;trustServerCertificate=true;user=..;password=..
//	sqlserver://user:pw@host:1433?database=db
//	jdbc:sqlite:/path, sqlite:///path, file:/path, or a plain file path (SQLITE only)
//
// typ is the request's jdbcConnectionDetails.type and must agree with the URL's scheme. user and
// password, when non-empty, override those of the URL. Surrounding white space is ignored.
//
// Errors say what is wrong and show the expected form; they never contain the password nor any
// other text of the URL. An error wraps ErrUnsupportedType when typ is a known but unsupported
// database.
func ParseSource(typ, rawURL, user, password string) (Source, error) {
	if err := checkType(typ); err != nil {
		return Source{}, err
	}
	raw := strings.TrimSpace(rawURL)
	if raw == "" {
		return Source{}, fmt.Errorf("the %s url is empty: give one like %s", displayNames[typ], examples[typ])
	}
	if hasControlChar(raw) {
		return Source{}, fmt.Errorf("the %s url contains a control character (a line break, tab or NUL): "+
			"give it on one line, like %s", displayNames[typ], examples[typ])
	}

	src, err := parseByForm(typ, raw)
	if err != nil {
		return Source{}, err
	}
	if user != "" {
		src.User = user
	}
	if password != "" {
		src.Password = password
	}
	return src, nil
}

// checkType validates the request's type before the URL is looked at, so that an unsupported
// database is reported as such even when its URL would not parse.
func checkType(typ string) error {
	switch typ {
	case TypePostgreSQL, TypeSQLServer, TypeSQLite:
		return nil
	case "":
		return errors.New("the source type is missing: set jdbcConnectionDetails.type to POSTGRESQL, SQL_SERVER or SQLITE")
	}
	if name, ok := unsupportedTypes[typ]; ok {
		return fmt.Errorf("%s sources: %w; supported types are POSTGRESQL, SQL_SERVER and SQLITE", name, ErrUnsupportedType)
	}
	if name, ok := unsupportedTypes[strings.ToUpper(typ)]; ok {
		return fmt.Errorf("%s sources: %w (and the type is spelled %s); supported types are POSTGRESQL, SQL_SERVER and SQLITE",
			name, ErrUnsupportedType, strings.ToUpper(typ))
	}
	switch strings.ToUpper(typ) {
	case TypePostgreSQL, TypeSQLServer, TypeSQLite:
		return fmt.Errorf("the source type must be upper case: use %s", strings.ToUpper(typ))
	}
	// The type is not secret, but it is user input of any length: quote it, bounded.
	return fmt.Errorf("unknown source type %.40q: use POSTGRESQL, SQL_SERVER or SQLITE", typ)
}

// parseByForm dispatches on the URL's prefix and checks that it agrees with typ.
func parseByForm(typ, raw string) (Source, error) {
	lower := strings.ToLower(raw)
	for _, f := range forms {
		if !strings.HasPrefix(lower, f.prefix) {
			continue
		}
		if f.typ == "" {
			return Source{}, foreignURLError(typ, f)
		}
		if f.typ != typ {
			return Source{}, fmt.Errorf("the url is a %s url (%s…) but the type is %s: set the type to %s, "+
				"or give a %s url like %s", displayNames[f.typ], f.prefix, typ, f.typ, displayNames[typ], examples[typ])
		}
		src, err := f.parse(raw[len(f.prefix):])
		if err != nil {
			return Source{}, fmt.Errorf("invalid %s url: %w; expected a form like %s", displayNames[typ], err, examples[typ])
		}
		return src, nil
	}
	if typ == TypeSQLite {
		// Anything else is a file name; a Windows path such as C:\data\x.db also lands here.
		return sqliteSource(raw, nil)
	}
	return Source{}, fmt.Errorf("the url is not a %s url: give one like %s", displayNames[typ], examples[typ])
}

// foreignURLError explains a URL of a database family that cannot be a relmongo source.
func foreignURLError(typ string, f urlForm) error {
	switch f.name {
	case "MongoDB":
		return fmt.Errorf("the url is a MongoDB connection string; it belongs in mongodbConnectionDetails.connectionString, "+
			"and jdbcConnectionDetails.url takes the %s source, like %s", displayNames[typ], examples[typ])
	case "jTDS SQL Server":
		return fmt.Errorf("jTDS urls (jdbc:jtds:sqlserver:…) are not supported: give a Microsoft JDBC url like %s", examples[TypeSQLServer])
	}
	return fmt.Errorf("the url is a %s url but the type is %s; %s sources are not supported yet: give a %s url like %s",
		f.name, typ, f.name, displayNames[typ], examples[typ])
}

// hasControlChar reports whether s holds a byte that no connection URL may contain; it would be
// either a copy-paste accident or an attempt to inject a parameter delimiter.
func hasControlChar(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
