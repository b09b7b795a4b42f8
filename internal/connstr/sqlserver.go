package connstr

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// paramInstanceName is the Params key that holds a SQL Server named instance. go-mssqldb takes
// the instance from the URL path, not from a parameter, so it has no driver name of its own.
const paramInstanceName = "instanceName"

// mssqlParams translates Microsoft JDBC properties and go-mssqldb parameters (keys lower case:
// both drivers ignore case) to the canonical go-mssqldb name kept in Params. An empty name drops
// a JDBC property that only tunes the JVM driver (statement pooling, Java key stores, ...).
var mssqlParams = map[string]string{
	// Both drivers.
	"encrypt":                "encrypt",
	"trustservercertificate": "trustServerCertificate",
	"hostnameincertificate":  "hostNameInCertificate",
	"servercertificate":      "serverCertificate",
	"applicationintent":      "ApplicationIntent",
	"multisubnetfailover":    "multisubnetfailover",
	"failoverpartner":        "failoverpartner",
	"serverspn":              "ServerSPN",
	// JDBC names of go-mssqldb parameters.
	"applicationname": "app name",
	"packetsize":      "packet size",
	"workstationid":   "workstation id",
	// JDBC's loginTimeout bounds connecting; go-mssqldb's "connection timeout" is a per-read
	// timeout that would break long queries, so "dial timeout" is the match.
	"logintimeout": "dial timeout",
	// go-mssqldb names, so that a native URL keeps them in canonical spelling.
	"app name":           "app name",
	"packet size":        "packet size",
	"workstation id":     "workstation id",
	"dial timeout":       "dial timeout",
	"connection timeout": "connection timeout",
	"keepalive":          "keepalive",
	"certificate":        "certificate",
	"tlsmin":             "tlsmin",
	"failoverport":       "failoverport",
	"protocol":           "protocol",
	"disableretry":       "disableretry",
	"log":                "log",

	"cancelquerytimeout": "", "clientcertificate": "", "clientkey": "", "clientkeypassword": "",
	"columnencryptionsetting": "", "connectretrycount": "", "connectretryinterval": "",
	"datasource": "", "delayloadinglobs": "", "disablestatementpooling": "", "domain": "",
	"enableprepareonfirstpreparedstatementcall": "", "fips": "", "gsscredential": "",
	"ipaddresspreference": "", "jaasconfigurationname": "", "keystoreauthentication": "",
	"keystorelocation": "", "keystoreprincipalid": "", "keystoresecret": "", "lastupdatecount": "",
	"locktimeout": "", "maxresultbuffer": "", "preparemethod": "", "querytimeout": "", "realm": "",
	"responsebuffering": "", "selectmethod": "", "sendstringparametersasunicode": "",
	"sendtemporaldatatypesasstringforbulkcopy": "", "sendtimeasdatetime": "",
	"serverpreparedstatementdiscardthreshold": "", "sockettimeout": "", "socketfactoryclass": "",
	"socketfactoryconstructorarg": "", "sslprotocol": "", "statementpoolingcachesize": "",
	"transparentnetworkipresolution": "", "trustmanagerclass": "", "trustmanagerconstructorarg": "",
	"truststore": "", "truststorepassword": "", "truststoretype": "", "usebulkcopyforbatchinsert": "",
	"usefmtonly": "", "xopenstates": "", "calcbigdecimalprecision": "", "usedefaultgsscredential": "",
}

// mssqlToJDBC translates canonical go-mssqldb names back to Microsoft JDBC names for Masked.
var mssqlToJDBC = map[string]string{
	"app name":            "applicationName",
	"packet size":         "packetSize",
	"workstation id":      "workstationID",
	"dial timeout":        "loginTimeout",
	"ServerSPN":           "serverSpn",
	"ApplicationIntent":   "applicationIntent",
	"multisubnetfailover": "multiSubnetFailover",
	"failoverpartner":     "failoverPartner",
}

// mssqlReserved are go-mssqldb names that MSSQLConnString writes from Source fields; a Params
// entry with one of them (possible only in a hand-built Source) is not written.
var mssqlReserved = map[string]bool{
	"database": true, "user id": true, "password": true, "server": true, "port": true,
	strings.ToLower(paramInstanceName): true,
}

// parseSQLServerJDBC parses a Microsoft JDBC URL after "jdbc:sqlserver:":
// "//[server[\instance][:port]][;property=value...]", values optionally in {braces}.
func parseSQLServerJDBC(rest string) (Source, error) {
	if !strings.HasPrefix(rest, "//") {
		return Source{}, errors.New("jdbc:sqlserver: must be followed by //")
	}
	server, props, _ := strings.Cut(rest[2:], ";")
	if strings.Contains(server, "@") {
		return Source{}, errors.New("a jdbc:sqlserver url takes the user and password as ;user=…;password=… properties, not before an '@'")
	}
	src := Source{Type: TypeSQLServer, Params: map[string]string{}}
	if err := setSQLServerServer(&src, server); err != nil {
		return Source{}, err
	}
	params, err := splitJDBCProperties(props)
	if err != nil {
		return Source{}, err
	}
	for _, p := range params {
		switch lk := strings.ToLower(p.key); lk {
		case "servername", "server":
			if err := setSQLServerServer(&src, p.value); err != nil {
				return Source{}, err
			}
		case "portnumber", "port":
			port, err := parsePort(p.value)
			if err != nil {
				return Source{}, err
			}
			src.Port = port
		case "databasename", "database":
			src.Database = p.value
		case "user", "username", "user id":
			src.User = p.value
		case "password":
			src.Password = p.value
		case "instancename":
			src.Params[paramInstanceName] = p.value
		default:
			if err := setSQLServerParam(&src, p.key, p.value); err != nil {
				return Source{}, err
			}
		}
	}
	// The Microsoft JDBC driver encrypts by default since version 10.2, and go-mssqldb does not:
	// keep the meaning the user's JDBC url had.
	if _, ok := src.Params["encrypt"]; !ok {
		src.Params["encrypt"] = "true"
	}
	return finishSQLServer(src)
}

// setSQLServerServer parses "server[\instance][:port]", also with an IPv6 address in brackets.
func setSQLServerServer(src *Source, server string) error {
	server = strings.TrimSpace(server)
	if server == "" {
		return nil
	}
	if strings.HasPrefix(server, "[") {
		end := strings.IndexByte(server, ']')
		if end < 0 {
			return errors.New("an IPv6 address opened with '[' is not closed with ']'")
		}
		if !isIPv6(server[1:end]) {
			return errors.New("the text in brackets is not an IPv6 address")
		}
		src.Host = server[1:end]
		rest := server[end+1:]
		if strings.HasPrefix(rest, `\`) {
			inst := rest[1:]
			rest = ""
			if i := strings.IndexByte(inst, ':'); i >= 0 {
				inst, rest = inst[:i], inst[i:]
			}
			src.Params[paramInstanceName] = inst
		}
		switch {
		case rest == "":
		case rest[0] == ':':
			n, err := parsePort(rest[1:])
			if err != nil {
				return err
			}
			src.Port = n
		default:
			return errors.New("after an IPv6 address in brackets only \\instance and :port may follow")
		}
		return nil
	}
	host, inst, hasInst := strings.Cut(server, `\`)
	port := ""
	switch {
	case hasInst:
		inst, port, _ = strings.Cut(inst, ":")
	case strings.Count(host, ":") == 1:
		host, port, _ = strings.Cut(host, ":")
	}
	if strings.Contains(host, ":") {
		// The Microsoft driver takes an IPv6 address only in the serverName property.
		if !isIPv6(host) {
			return errors.New("an IPv6 address must be written in brackets or given as ;serverName=…")
		}
	} else if !validHostName(host) {
		return errors.New("the server name contains characters that no host name has")
	}
	src.Host = host
	if hasInst {
		src.Params[paramInstanceName] = inst
	}
	if port != "" {
		n, err := parsePort(port)
		if err != nil {
			return err
		}
		src.Port = n
	}
	return nil
}

// setSQLServerParam stores one option under its canonical go-mssqldb name, refusing the
// authentication modes that relmongo cannot perform.
func setSQLServerParam(src *Source, key, value string) error {
	lk := strings.ToLower(key)
	switch lk {
	case "integratedsecurity":
		if b, err := parseBool(value); err == nil && !b {
			return nil
		}
		return errors.New("integratedSecurity (Windows authentication) is not supported: give a SQL Server login's user and password")
	case "authentication":
		switch strings.ToLower(value) {
		case "", "sqlpassword", "notspecified":
			return nil
		}
		return errors.New("only SQL Server authentication (authentication=SqlPassword) is supported: give a login's user and password")
	}
	name, known := mssqlParams[lk]
	switch {
	case !known:
		name = key
	case name == "":
		return nil
	}
	return setParam(src.Params, name, value, known)
}

// finishSQLServer applies defaults and checks the values that go-mssqldb would reject later
// with a message quoting them.
func finishSQLServer(src Source) (Source, error) {
	if src.Host == "" {
		return Source{}, errors.New("the url names no server")
	}
	if src.Port == 0 && src.Params[paramInstanceName] == "" {
		src.Port = DefaultSQLServerPort
	}
	if v, ok := src.Params["encrypt"]; ok {
		switch strings.ToLower(v) {
		case "true", "false", "strict", "mandatory", "optional", "yes", "no", "disable":
		default:
			return Source{}, errors.New("encrypt must be true, false or strict")
		}
	}
	if v, ok := src.Params["trustServerCertificate"]; ok {
		if _, err := parseBool(v); err != nil {
			return Source{}, errors.New("trustServerCertificate must be true or false")
		}
	}
	return src, nil
}

// parseBool accepts the spellings of both SQL Server drivers.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1", "t":
		return true, nil
	case "false", "no", "0", "f":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// splitJDBCProperties splits ";name=value;name={value; with ;}}braces}" as the Microsoft JDBC
// driver does: names and unbraced values are trimmed, "}}" inside braces is one '}'.
func splitJDBCProperties(s string) ([]queryParam, error) {
	var out []queryParam
	for {
		s = strings.TrimLeft(s, " ;")
		if s == "" {
			return out, nil
		}
		eq := strings.IndexByte(s, '=')
		if semi := strings.IndexByte(s, ';'); eq < 0 || (semi >= 0 && semi < eq) {
			return nil, errors.New("a property is not of the form name=value")
		}
		key := strings.TrimSpace(s[:eq])
		if key == "" {
			return nil, errors.New("a property has no name")
		}
		s = strings.TrimLeft(s[eq+1:], " ")
		var value string
		if strings.HasPrefix(s, "{") {
			var b strings.Builder
			i := 1
			for {
				if i >= len(s) {
					// Do not name the property: it may well be the password.
					return nil, errors.New("a value opened with '{' is not closed with '}' (write } inside braces as }})")
				}
				if s[i] == '}' {
					if i+1 < len(s) && s[i+1] == '}' {
						b.WriteByte('}')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			value = b.String()
			s = strings.TrimLeft(s[i:], " ")
			if s != "" && s[0] != ';' {
				return nil, errors.New("text follows a value closed with '}' before the next ';'")
			}
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			value = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		out = append(out, queryParam{key: key, value: value})
	}
}

// parseSQLServerURL parses a go-mssqldb URL after "sqlserver://":
// "[user[:password]@]host[:port][/instance][?database=db&param=value]".
func parseSQLServerURL(rest string) (Source, error) {
	h, err := splitHier(rest)
	if err != nil {
		return Source{}, err
	}
	src := Source{Type: TypeSQLServer, Params: map[string]string{}}
	if h.hasUserinfo {
		src.User, src.Password = h.user, h.password
	}
	if strings.Contains(h.hosts, ",") {
		return Source{}, errors.New("several hosts are not supported: give the one server to read from")
	}
	hp, err := parseHostPort(h.hosts, nil)
	if err != nil {
		return Source{}, h.explain(err)
	}
	src.Host, src.Port = hp.host, hp.port
	if h.path != "" {
		inst, err := url.PathUnescape(h.path)
		if err != nil {
			return Source{}, errors.New("the instance name is not validly percent-encoded")
		}
		src.Params[paramInstanceName] = inst
	}
	// go-mssqldb decodes parameters with url.Query, which turns '+' into a space.
	params, err := parseQuery(h.query, url.QueryUnescape)
	if err != nil {
		return Source{}, err
	}
	for _, p := range params {
		switch strings.ToLower(p.key) {
		case "database":
			src.Database = p.value
		case "user id":
			src.User = p.value
		case "password":
			src.Password = p.value
		case "server", "port":
			return Source{}, errors.New("give the server and port before the path, as sqlserver://host:port, not as parameters")
		default:
			if err := setSQLServerParam(&src, p.key, p.value); err != nil {
				return Source{}, err
			}
		}
	}
	return finishSQLServer(src)
}

// MSSQLConnString returns a sqlserver:// URL for go-mssqldb, password included: never log it.
// It returns "" for a Source that is not SQL Server.
func (s Source) MSSQLConnString() string {
	if s.Type != TypeSQLServer {
		return ""
	}
	u := url.URL{Scheme: "sqlserver", Host: hostForURL(s.Host)}
	if s.Port != 0 {
		u.Host = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	}
	switch {
	case s.Password != "":
		u.User = url.UserPassword(s.User, s.Password)
	case s.User != "":
		u.User = url.User(s.User)
	}
	if inst := s.Params[paramInstanceName]; inst != "" {
		u.Path = "/" + inst
	}
	q := url.Values{}
	if s.Database != "" {
		q.Set("database", s.Database)
	}
	for k, v := range s.Params {
		if mssqlReserved[strings.ToLower(k)] {
			continue
		}
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// maskedSQLServer renders the Microsoft JDBC form for display.
func (s Source) maskedSQLServer() string {
	var b strings.Builder
	b.WriteString("jdbc:sqlserver://")
	server := s.Host
	if inst := s.Params[paramInstanceName]; inst != "" {
		server += `\` + inst
	}
	if strings.Contains(s.Host, ":") {
		// The Microsoft driver reads an IPv6 address only from the serverName property.
		b.WriteString(";serverName=" + jdbcValue(server))
		if s.Port != 0 {
			b.WriteString(";portNumber=" + strconv.Itoa(s.Port))
		}
	} else {
		b.WriteString(server)
		if s.Port != 0 {
			b.WriteString(":" + strconv.Itoa(s.Port))
		}
	}
	if s.Database != "" {
		b.WriteString(";databaseName=" + jdbcValue(s.Database))
	}
	if s.User != "" {
		b.WriteString(";user=" + jdbcValue(s.User))
	}
	if s.Password != "" {
		b.WriteString(";password=" + mask)
	}
	for _, k := range sortedKeys(s.Params) {
		if mssqlReserved[strings.ToLower(k)] {
			continue
		}
		name := k
		if j, ok := mssqlToJDBC[k]; ok {
			name = j
		}
		v := jdbcValue(s.Params[k])
		if isSecretParam(k) {
			v = mask
		}
		b.WriteString(";" + jdbcValue(name) + "=" + v)
	}
	return b.String()
}

// jdbcValue braces a value that the Microsoft JDBC driver would otherwise split or trim.
func jdbcValue(v string) string {
	if v == "" || strings.ContainsAny(v, ";{}=") || strings.TrimSpace(v) != v {
		return "{" + strings.ReplaceAll(v, "}", "}}") + "}"
	}
	return v
}
