// Package connstr parses the connection URLs that users give relmongo and renders them for the
// drivers and for display.
//
// Users copy connection strings from many places: Relational Migrator and Java tools give JDBC
// URLs (jdbc:postgresql://…, jdbc:sqlserver://…;databaseName=…), Go and libpq tools give native
// URLs (postgres://…, sqlserver://…). ParseSource turns any of them into one Source, translating
// the options that have an equivalent in the Go driver and dropping Java-only tuning options that
// have no meaning outside the JVM. PgxConnString and MSSQLConnString render a Source for pgx and
// go-mssqldb; Masked renders it for API responses and logs, with the password replaced.
//
// Security: no error returned by this package contains the password, nor any other text copied
// from the URL. A URL whose password holds an unencoded '/' or '@' is split in the wrong place, so
// any copied fragment could be part of the password; errors therefore describe the problem and
// show the expected form instead of quoting the input.
//
// The package is pure: it performs no I/O, no DNS lookups and reads no environment variables.
package connstr
