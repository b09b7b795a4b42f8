package connstr

import (
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// pgForbiddenParams make libpq/pgx read files or services named in the URL. A URL comes from an
// API client, and the file would be read on the worker's host: refuse rather than let a request
// pick a password or redirect the connection through a file it does not own.
var pgForbiddenParams = map[string]bool{"passfile": true, "service": true, "servicefile": true}

// pgjdbcParams translates pgjdbc properties (keys lower case, as pgjdbc users vary the case) to
// their libpq/pgx names. An empty name drops the property: it tunes the JVM driver only (caching,
// logging, socket options), and pgx would otherwise send it to the server as a run-time
// parameter, which the server rejects.
var pgjdbcParams = map[string]string{
	"sslmode":         "sslmode",
	"sslcert":         "sslcert",
	"sslkey":          "sslkey",
	"sslrootcert":     "sslrootcert",
	"sslpassword":     "sslpassword",
	"sslnegotiation":  "sslnegotiation",
	"applicationname": "application_name",
	"currentschema":   "search_path",
	"connecttimeout":  "connect_timeout",
	"options":         "options",
	"channelbinding":  "channel_binding",

	"adaptivefetch": "", "adaptivefetchmaximum": "", "adaptivefetchminimum": "",
	"allowencodingchanges": "", "assumeminserverversion": "", "authenticationpluginclassname": "",
	"autosave": "", "binarytransfer": "", "binarytransferdisable": "", "binarytransferenable": "",
	"cancelsignaltimeout": "", "cleanupsavepoints": "", "databasemetadatacachefields": "",
	"databasemetadatacachefieldsmib": "", "defaultrowfetchsize": "", "disablecolumnsanitiser": "",
	"escapesyntaxcallmode": "", "groupstartupparameters": "", "gssencmode": "", "gsslib": "",
	"gssresponsetimeout": "", "hideunprivilegedobjects": "",
	"hostrecheckseconds": "", "jaasapplicationname": "", "jaaslogin": "", "kerberosservername": "",
	"loadbalancehosts": "", "localsocketaddress": "", "loggerfile": "", "loggerlevel": "",
	"logintimeout": "", "logservererrordetail": "", "logunclosedconnections": "",
	"maxresultbuffer": "", "maxsendbuffersize": "", "preferquerymode": "",
	"preparedstatementcachequeries": "", "preparedstatementcachesizemib": "", "preparethreshold": "",
	"protocolversion": "", "quotereturningidentifiers": "", "readonly": "", "readonlymode": "",
	"receivebuffersize": "", "replication": "", "rewritebatchedinserts": "", "sendbuffersize": "",
	"sockettimeout": "", "socketfactory": "", "socketfactoryarg": "", "sslfactoryarg": "",
	"sslhostnameverifier": "", "sslpasswordcallback": "", "sslresponsetimeout": "", "sspiserviceclass": "",
	"stringtype": "", "targetservertype": "", "tcpkeepalive": "", "tcpnodelay": "", "unknownlength": "",
	"usespnego": "", "xmlfactoryfactory": "",
}

// pgToJDBC translates pgx/libpq parameter names back to pgjdbc's for Masked.
var pgToJDBC = map[string]string{
	"application_name": "ApplicationName",
	"search_path":      "currentSchema",
	"connect_timeout":  "connectTimeout",
	"channel_binding":  "channelBinding",
}

// pgSSLModes are the sslmode values of libpq, pgx and pgjdbc.
var pgSSLModes = map[string]bool{
	"disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true,
}

// pgReserved are the keyword/value names that PgxConnString writes from Source fields; a
// Params entry with one of these names (possible only in a hand-built Source) is not written.
var pgReserved = map[string]bool{"host": true, "port": true, "dbname": true, "database": true, "user": true, "password": true}

// parsePostgresURL parses a libpq URI after "postgres://" or "postgresql://".
func parsePostgresURL(rest string) (Source, error) {
	h, err := splitHier(rest)
	if err != nil {
		return Source{}, err
	}
	src := Source{Type: TypePostgreSQL, Params: map[string]string{}}
	if h.hasUserinfo {
		src.User, src.Password = h.user, h.password
	}
	if err := setPostgresHost(&src, h.hosts, url.PathUnescape); err != nil {
		return Source{}, h.explain(err)
	}
	if src.Database, err = url.PathUnescape(h.path); err != nil {
		return Source{}, errors.New("the database name is not validly percent-encoded")
	}
	// libpq does not turn '+' into a space in URI parameters; PathUnescape does not either.
	params, err := parseQuery(h.query, url.PathUnescape)
	if err != nil {
		return Source{}, err
	}
	for _, p := range params {
		switch p.key {
		case "user":
			src.User = p.value
		case "password":
			src.Password = p.value
		case "dbname":
			src.Database = p.value
		case "host", "port":
			// libpq lets query parameters override the authority.
			if err := setPostgresHostParam(&src, p.key, p.value); err != nil {
				return Source{}, err
			}
		default:
			if pgForbiddenParams[p.key] {
				return Source{}, errors.New("the parameter " + p.key + " is not allowed: relmongo does not read " +
					"password or service files named in a url; give the user and password instead")
			}
			if err := setParam(src.Params, p.key, p.value, isKnownPostgresParam(p.key)); err != nil {
				return Source{}, err
			}
		}
	}
	return finishPostgres(src)
}

// parsePostgresJDBC parses a pgjdbc URL after "jdbc:postgresql:": "//host:port/db?props",
// "db" or "/" (the last two mean localhost).
func parsePostgresJDBC(rest string) (Source, error) {
	src := Source{Type: TypePostgreSQL, Params: map[string]string{}}
	var path, query string
	if strings.HasPrefix(rest, "//") {
		h, err := splitHier(rest[2:])
		if err != nil {
			return Source{}, err
		}
		// pgjdbc itself takes no user info in the URL, but people write it; accept it.
		if h.hasUserinfo {
			src.User, src.Password = h.user, h.password
		}
		if err := setPostgresHost(&src, h.hosts, nil); err != nil {
			return Source{}, h.explain(err)
		}
		path, query = h.path, h.query
	} else {
		path, query, _ = strings.Cut(rest, "?")
		path = strings.TrimPrefix(path, "/")
	}
	// pgjdbc decodes with java.net.URLDecoder, which turns '+' into a space: so does QueryUnescape.
	db, err := url.QueryUnescape(path)
	if err != nil {
		return Source{}, errors.New("the database name is not validly percent-encoded")
	}
	src.Database = db
	params, err := parseQuery(query, url.QueryUnescape)
	if err != nil {
		return Source{}, err
	}
	var ssl, sslFactory string
	var sslSet bool
	for _, p := range params {
		lk := strings.ToLower(p.key)
		switch lk {
		case "user":
			src.User = p.value
		case "password":
			src.Password = p.value
		case "pgdbname":
			src.Database = p.value
		case "pghost":
			if err := setPostgresHostParam(&src, "host", p.value); err != nil {
				return Source{}, err
			}
		case "pgport":
			if err := setPostgresHostParam(&src, "port", p.value); err != nil {
				return Source{}, err
			}
		case "ssl":
			ssl, sslSet = strings.ToLower(p.value), true
		case "sslfactory":
			sslFactory = p.value
		default:
			name, known := pgjdbcParams[lk]
			switch {
			case !known:
				// Unknown to pgjdbc too, or a server setting: let the server judge it.
				name = p.key
			case name == "":
				continue
			}
			if pgForbiddenParams[name] {
				return Source{}, errors.New("the parameter " + name + " is not allowed: relmongo does not read " +
					"password or service files named in a url; give the user and password instead")
			}
			if err := setParam(src.Params, name, p.value, known); err != nil {
				return Source{}, err
			}
		}
	}
	// pgjdbc: with no sslmode, ssl=true (or a bare "ssl=") means verify-full; the
	// NonValidatingFactory is how pgjdbc users ask for encryption without certificate checks.
	if _, has := src.Params["sslmode"]; !has && sslSet && (ssl == "" || ssl == "true") {
		src.Params["sslmode"] = "verify-full"
		if strings.HasSuffix(sslFactory, ".NonValidatingFactory") {
			src.Params["sslmode"] = "require"
		}
	}
	return finishPostgres(src)
}

// setPostgresHost parses the authority's host list, of which relmongo takes exactly one.
func setPostgresHost(src *Source, hosts string, unescape func(string) (string, error)) error {
	if strings.Contains(hosts, ",") {
		return errors.New("several hosts are not supported: give the one host to read from")
	}
	hp, err := parseHostPort(hosts, unescape)
	if err != nil {
		return err
	}
	src.Host, src.Port = hp.host, hp.port
	return nil
}

// setPostgresHostParam applies a host or port given as a query parameter.
func setPostgresHostParam(src *Source, key, value string) error {
	if key == "port" {
		port, err := parsePort(value)
		if err != nil {
			return err
		}
		src.Port = port
		return nil
	}
	if strings.Contains(value, ",") {
		return errors.New("several hosts are not supported: give the one host to read from")
	}
	if !validHostName(value) && !isIPv6(value) {
		return errors.New("the host parameter is not a host name, an IP address or a socket directory")
	}
	src.Host = value
	return nil
}

// finishPostgres applies defaults and checks the parameters that pgx would reject later with a
// message quoting the value.
func finishPostgres(src Source) (Source, error) {
	if src.Host == "" {
		// libpq would pick a Unix socket or $PGHOST; a fixed default keeps the Source explicit.
		src.Host = "localhost"
	}
	if src.Port == 0 {
		src.Port = DefaultPostgresPort
	}
	if mode, ok := src.Params["sslmode"]; ok && !pgSSLModes[mode] {
		return Source{}, errors.New("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
	}
	if t, ok := src.Params["connect_timeout"]; ok {
		if n, err := strconv.Atoi(t); err != nil || n < 0 {
			return Source{}, errors.New("the connect timeout must be a whole number of seconds")
		}
	}
	return src, nil
}

// isKnownPostgresParam reports whether name is a libpq/pgx parameter name, so that messages may
// quote it.
func isKnownPostgresParam(name string) bool {
	if pgjdbcParams[strings.ToLower(name)] == name {
		return true
	}
	switch name {
	case "sslcertmode", "sslsni", "target_session_attrs", "krbsrvname", "krbspn", "require_auth",
		"min_protocol_version", "max_protocol_version", "search_path", "application_name", "TimeZone":
		return true
	}
	return false
}

// PgxConnString returns a keyword/value connection string for pgx.ParseConfig, password
// included: never log it. Every value is quoted, so spaces, quotes and backslashes survive. It
// returns "" for a Source that is not PostgreSQL.
func (s Source) PgxConnString() string {
	if s.Type != TypePostgreSQL {
		return ""
	}
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteString("='")
		b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v))
		b.WriteByte('\'')
	}
	add("host", s.Host)
	if s.Port != 0 {
		add("port", strconv.Itoa(s.Port))
	}
	if s.Database != "" {
		add("dbname", s.Database)
	}
	if s.User != "" {
		add("user", s.User)
	}
	if s.Password != "" {
		add("password", s.Password)
	}
	for _, k := range sortedKeys(s.Params) {
		// A key is written unquoted: one with a space or '=' would break the string, and no
		// valid parameter has one.
		if pgReserved[k] || k == "" || strings.ContainsAny(k, " ='\\") {
			continue
		}
		add(k, s.Params[k])
	}
	return b.String()
}

// maskedPostgres renders the pgjdbc form for display.
func (s Source) maskedPostgres() string {
	var b strings.Builder
	b.WriteString("jdbc:postgresql://")
	b.WriteString(hostForURL(s.Host))
	if s.Port != 0 {
		b.WriteString(":" + strconv.Itoa(s.Port))
	}
	b.WriteString("/" + url.PathEscape(s.Database))
	var q []string
	if s.User != "" {
		q = append(q, "user="+url.QueryEscape(s.User))
	}
	if s.Password != "" {
		q = append(q, "password="+mask)
	}
	for _, k := range sortedKeys(s.Params) {
		if pgReserved[k] {
			continue
		}
		name := k
		if j, ok := pgToJDBC[k]; ok {
			name = j
		}
		v := url.QueryEscape(s.Params[k])
		if isSecretParam(k) {
			v = mask
		}
		q = append(q, url.QueryEscape(name)+"="+v)
	}
	if len(q) > 0 {
		b.WriteString("?" + strings.Join(q, "&"))
	}
	return b.String()
}

// sortedKeys returns m's keys in order, so that rendered strings are stable.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
