package connstr

import "strings"

// mask replaces every secret in a display form.
const mask = "*****"

// secretParams are option names (lower case, all drivers) whose values are secrets.
var secretParams = map[string]bool{
	"password":                        true,
	"sslpassword":                     true,
	"truststorepassword":              true,
	"keystorepassword":                true,
	"keystoresecret":                  true,
	"clientkeypassword":               true,
	"tlscertificatekeyfilepassword":   true,
	"sslclientcertificatekeypassword": true,
	"key":                             true, // SQLite encryption extensions (SQLCipher and the like)
	"_pragma_key":                     true,
}

// isSecretParam reports whether the value of option name must be masked.
func isSecretParam(name string) bool {
	lower := strings.ToLower(name)
	return secretParams[lower] || strings.Contains(lower, "password") || strings.Contains(lower, "secret")
}

// Masked returns a display form with the password (and any other secret option) replaced by
// "*****", for API responses and logs. PostgreSQL and SQL Server sources are shown in JDBC form
// (jdbc:postgresql://host:5432/db?user=x), as Relational Migrator shows jdbcConnectionString;
// SQLite as jdbc:sqlite:path.
func (s Source) Masked() string {
	switch s.Type {
	case TypePostgreSQL:
		return s.maskedPostgres()
	case TypeSQLServer:
		return s.maskedSQLServer()
	case TypeSQLite:
		return s.maskedSQLite()
	}
	return "(unknown source type)"
}
