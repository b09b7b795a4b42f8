// Package sqlserver is the Microsoft SQL Server (and Azure SQL) source, through
// github.com/microsoft/go-mssqldb: introspection from the catalog views, keyset chunk planning
// and chunk reads in SNAPSHOT-isolation transactions, decoding every value exactly (TYPES.md).
//
// # Requirements
//
// The database must have compatibility level 130 (SQL Server 2016) or later: the key sets of
// embedded tables travel as one JSON parameter read with OPENJSON, never as thousands of
// parameters (SQL Server allows 2,100 per request), and float keys print with style 3.
//
// # Isolation and safety
//
// Chunks are read in a SNAPSHOT-isolation transaction when the database allows it
// (ALTER DATABASE … SET ALLOW_SNAPSHOT_ISOLATION ON); otherwise in READ COMMITTED, which
// Source.IsolationWarning reports so that the job can emit a WARNING event. SQL Server has no
// read-only transaction: relmongo only ever issues SELECTs, a table filter (whereClause) is
// refused unless it is one expression (filter.go), and the login relmongo uses should be
// read-only (a user in db_datareader only, without VIEW SERVER STATE or any write permission).
//
// # Keys and collations
//
// Key values travel as text (chunk boundaries, the link columns of embedded tables) in the form
// SQL Server prints them with an exact style (decimal as is, money with 4 digits, float with 17
// significant digits, dates in ODBC canonical form with all fractional digits, GUIDs as
// SQL Server displays them, binary as 0x hex). They are bound back with the column's exact type
// — CAST(@p1 COLLATE <column collation> AS varchar(50)) for a varchar key — so the server
// compares them in the column's own type and collation, exactly as its ORDER BY sorts: no row
// is skipped or read twice even under SQL_ collations, whose varchar order differs from the
// Unicode order an nvarchar parameter would impose.
package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/source"
)

// Timeouts that keep a wrong host or a hung server from blocking a job or a pre-check forever.
const (
	// defaultDialTimeoutSeconds bounds the TCP connect when the URL does not say otherwise.
	defaultDialTimeoutSeconds = "10"
	// openTimeout bounds connecting, logging in and the first catalog probe in Open.
	openTimeout = 30 * time.Second
)

// minCompatibilityLevel is SQL Server 2016, which brought OPENJSON and CONVERT style 3 for float.
const minCompatibilityLevel = 130

// SQL Server error numbers that Open explains.
const (
	errLoginFailed      = 18456
	errCannotOpenDB     = 4060
	errDatabaseNotExist = 911
)

// Source is a pool of connections to one SQL Server database.
type Source struct {
	db *sql.DB
	// snapshotAllowed is sys.databases.snapshot_isolation_state = ON when Open ran.
	snapshotAllowed bool
	// warning is the isolation note the caller should report once per job ("" when SNAPSHOT).
	warning string
}

var _ source.Source = (*Source)(nil)

// Open connects to the database that cs names (it must name one), checks that the login can
// read it, that its name is spelled with the server's case, and that its compatibility level is
// at least 130; maxConns bounds the pool (the job's maxSourceConnections).
func Open(ctx context.Context, cs connstr.Source, maxConns int) (*Source, error) {
	if cs.Type != connstr.TypeSQLServer {
		return nil, fmt.Errorf("the sqlserver source cannot open a %s connection", cs.Type)
	}
	if strings.TrimSpace(cs.Database) == "" {
		return nil, errors.New("the SQL Server url names no database: add ;databaseName=<name> to a jdbc:sqlserver:// url or ?database=<name> to a sqlserver:// url (relmongo never reads the login's default database)")
	}
	dsn, err := dataSourceName(cs)
	if err != nil {
		return nil, err
	}
	connector, err := newConnector(dsn)
	if err != nil {
		// The parse error may quote the connection string, password included.
		return nil, errors.New("the SQL Server connection settings cannot be parsed by the driver (details hidden because they may contain the password): check the url's options")
	}
	db := sql.OpenDB(connector)
	if maxConns > 0 {
		db.SetMaxOpenConns(maxConns)
		db.SetMaxIdleConns(maxConns)
	}
	db.SetConnMaxIdleTime(5 * time.Minute)
	octx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	s := &Source{db: db}
	if err := s.probe(octx, cs); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// dataSourceName returns go-mssqldb's URL for cs with a dial timeout unless the URL sets one.
func dataSourceName(cs connstr.Source) (string, error) {
	params := make(map[string]string, len(cs.Params)+1)
	hasDial := false
	for k, v := range cs.Params {
		params[k] = v
		if strings.EqualFold(k, "dial timeout") {
			hasDial = true
		}
	}
	if !hasDial {
		params["dial timeout"] = defaultDialTimeoutSeconds
	}
	cs.Params = params
	dsn := cs.MSSQLConnString()
	if _, err := url.Parse(dsn); err != nil {
		return "", errors.New("the SQL Server connection settings do not form a valid url (details hidden because they may contain the password)")
	}
	return dsn, nil
}

// probe reads the database's own name, isolation settings and compatibility level, turning the
// usual failures into messages that say what to fix.
func (s *Source) probe(ctx context.Context, cs connstr.Source) error {
	where := fmt.Sprintf("SQL Server at %s (database %q, user %q)", serverName(cs), cs.Database, cs.User)
	var (
		name       string
		snapState  int
		rcsi       bool
		compatible int
	)
	err := s.db.QueryRowContext(ctx, `SELECT d.name, CAST(d.snapshot_isolation_state AS int), d.is_read_committed_snapshot_on, CAST(d.compatibility_level AS int)
FROM sys.databases d WHERE d.database_id = DB_ID()`).Scan(&name, &snapState, &rcsi, &compatible)
	if err != nil {
		return explainOpenError(ctx, where, cs, err)
	}
	if name != cs.Database {
		return fmt.Errorf("connecting to %s: the database is named %q on this server; write the name with exactly that case in the url (a case-sensitive server or replica would refuse %q)", where, name, cs.Database)
	}
	if compatible < minCompatibilityLevel {
		return fmt.Errorf("connecting to %s: the database's compatibility level is %d; relmongo needs %d (SQL Server 2016) or later for OPENJSON: run ALTER DATABASE [%s] SET COMPATIBILITY_LEVEL = %d or read from a copy", where, compatible, minCompatibilityLevel, strings.ReplaceAll(name, "]", "]]"), minCompatibilityLevel)
	}
	s.snapshotAllowed = snapState == 1
	s.warning = isolationWarning(name, s.snapshotAllowed, rcsi)
	return nil
}

// isolationWarning is the note for a database without SNAPSHOT isolation.
func isolationWarning(db string, snapshotAllowed, rcsi bool) string {
	if snapshotAllowed {
		return ""
	}
	how := "each statement sees only committed rows but a chunk's root rows and embedded rows may come from different moments"
	if !rcsi {
		how += ", and reads wait for writers' locks"
	}
	return fmt.Sprintf("database %q does not allow SNAPSHOT isolation, so chunks are read in READ COMMITTED (%s); for consistent chunks run ALTER DATABASE [%s] SET ALLOW_SNAPSHOT_ISOLATION ON", db, how, strings.ReplaceAll(db, "]", "]]"))
}

// explainOpenError turns connection failures into messages that name what to check; the
// driver's error stays wrapped so that callers classify it by type.
func explainOpenError(ctx context.Context, where string, cs connstr.Source, err error) error {
	var me mssql.Error
	if errors.As(err, &me) {
		switch me.Number {
		case errLoginFailed:
			return fmt.Errorf("connecting to %s: the login failed: check the user name and password, and that the server allows SQL Server authentication: %w", where, err)
		case errCannotOpenDB, errDatabaseNotExist:
			return fmt.Errorf("connecting to %s: the database does not exist or this login cannot open it (database names may be case-sensitive: check the spelling and case of %q): %w", where, cs.Database, err)
		}
	}
	var ne net.Error
	if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("connecting to %s: no answer within the time limit: is the host reachable, the port that of SQL Server, and does a firewall let the connection through? %w", where, err)
	}
	return fmt.Errorf("connecting to %s: %w", where, err)
}

// serverName is host[\instance][:port] for messages.
func serverName(cs connstr.Source) string {
	s := cs.Host
	if inst := cs.Params["instanceName"]; inst != "" {
		s += `\` + inst
	}
	if cs.Port != 0 {
		s += fmt.Sprintf(":%d", cs.Port)
	}
	return s
}

// IsolationWarning is "" when chunks are read in SNAPSHOT isolation, else a message for one
// WARNING job event that says why they are not and how to enable it.
func (s *Source) IsolationWarning() string { return s.warning }

// DB exposes the pool (for tests).
func (s *Source) DB() *sql.DB { return s.db }

// Close releases the pool.
func (s *Source) Close() { _ = s.db.Close() }

// quoteIdent quotes one identifier in brackets, doubling any ']' inside.
func quoteIdent(name string) string {
	return "[" + strings.ReplaceAll(name, "]", "]]") + "]"
}

// quoteTable quotes schema.table.
func quoteTable(schemaName, name string) string {
	if schemaName == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schemaName) + "." + quoteIdent(name)
}
