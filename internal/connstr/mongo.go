package connstr

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// invalidMongoURI is what MaskMongoURI shows for input it cannot parse: the input itself might
// be anything, including a bare password.
const invalidMongoURI = "(invalid connection string)"

// defaultMongoPort is the port the MongoDB drivers assume for a host without one.
const defaultMongoPort = "27017"

// mongoURI is the split form of a MongoDB connection string. The splitting follows the Go
// driver's connstring package (first '@' ends the user info; unencoded '/', ':' or '@' there is
// an error), without its DNS lookups for mongodb+srv.
type mongoURI struct {
	scheme      string   // "mongodb" or "mongodb+srv"
	userRaw     string   // the user name as written
	hasUserinfo bool     // an '@' was present
	hasPassword bool     // a ':' was present in the user info
	hostsRaw    string   // the host list as written
	hosts       []string // decoded hosts, each "host" or "host:port"
	hasPath     bool
	dbRaw       string // the database as written
	db          string // decoded database
	hasQuery    bool
	query       string // raw, without the '?'
}

// parseMongoURI splits uri; its errors never quote the input.
func parseMongoURI(uri string) (mongoURI, error) {
	var m mongoURI
	var rest string
	switch {
	case strings.HasPrefix(uri, "mongodb+srv://"):
		m.scheme, rest = "mongodb+srv", uri[len("mongodb+srv://"):]
	case strings.HasPrefix(uri, "mongodb://"):
		m.scheme, rest = "mongodb", uri[len("mongodb://"):]
	default:
		return m, errors.New("a MongoDB connection string starts with mongodb:// or mongodb+srv://")
	}
	if hasControlChar(uri) {
		return m, errors.New("the connection string contains a control character (a line break, tab or NUL)")
	}
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		user, password, hasPassword := strings.Cut(rest[:at], ":")
		if strings.Contains(user, "/") || strings.ContainsAny(password, ":/") {
			return m, errors.New("the user name or password contains an unencoded ':' or '/': percent-encode it (for example / as %2F)")
		}
		if _, err := url.PathUnescape(user); err != nil {
			return m, errors.New("the user name is not validly percent-encoded")
		}
		if _, err := url.PathUnescape(password); err != nil {
			return m, errors.New("the password is not validly percent-encoded (write % as %25)")
		}
		m.userRaw, m.hasUserinfo, m.hasPassword = user, true, hasPassword
		rest = rest[at+1:]
	}
	m.hostsRaw = rest
	if i := strings.IndexAny(rest, "/?@"); i >= 0 {
		switch rest[i] {
		case '@':
			return m, errors.New("the user name or password contains an unencoded '@': percent-encode it as %40")
		case '?':
			return m, errors.New("a '/' must come between the hosts and the '?' of the options")
		}
		m.hostsRaw = rest[:i]
	}
	for _, h := range strings.Split(m.hostsRaw, ",") {
		if h == "" {
			continue
		}
		host, err := sanitizeMongoHost(h)
		if err != nil {
			return m, err
		}
		m.hosts = append(m.hosts, host)
	}
	if len(m.hosts) == 0 {
		return m, errors.New("the connection string names no host")
	}
	if m.scheme == "mongodb+srv" && (len(m.hosts) != 1 || strings.Contains(m.hosts[0], ":")) {
		return m, errors.New("a mongodb+srv connection string names exactly one host name, without a port")
	}
	rest = rest[len(m.hostsRaw):]
	if strings.HasPrefix(rest, "/") {
		m.hasPath = true
		db, query, hasQuery := strings.Cut(rest[1:], "?")
		m.dbRaw, rest = db, ""
		if hasQuery {
			rest = "?" + query
		}
		decoded, err := url.QueryUnescape(m.dbRaw)
		if err != nil {
			return m, errors.New("the database name is not validly percent-encoded")
		}
		m.db = decoded
	}
	if rest != "" {
		m.hasQuery, m.query = true, rest[1:]
	}
	return m, nil
}

// sanitizeMongoHost decodes one host and checks its port, as the driver does.
func sanitizeMongoHost(h string) (string, error) {
	host, err := url.QueryUnescape(h)
	if err != nil {
		return "", errors.New("a host is not validly percent-encoded")
	}
	if strings.HasSuffix(host, ".sock") {
		return host, nil // a Unix domain socket path
	}
	_, port, err := net.SplitHostPort(host)
	if err != nil {
		var addrErr *net.AddrError
		if !errors.As(err, &addrErr) || addrErr.Err != "missing port in address" {
			return "", errors.New("a host is not of the form host, host:port or [IPv6]:port")
		}
		if strings.Count(host, ":") > 1 && !strings.HasPrefix(host, "[") {
			return "", errors.New("an IPv6 address must be written in brackets, like [::1]:27017")
		}
		return host, nil
	}
	if _, err := parsePort(port); err != nil {
		return "", err
	}
	return host, nil
}

// MaskMongoURI returns uri with its password replaced by "*****", and the values of secret
// options (tlsCertificateKeyFilePassword, an AWS session token in authMechanismProperties) too.
// Input that is not a valid MongoDB connection string gives "(invalid connection string)", since
// it might hold a secret in any position. Surrounding white space is removed.
func MaskMongoURI(uri string) string {
	m, err := parseMongoURI(strings.TrimSpace(uri))
	if err != nil {
		return invalidMongoURI
	}
	var b strings.Builder
	b.WriteString(m.scheme + "://")
	if m.hasUserinfo {
		b.WriteString(m.userRaw)
		if m.hasPassword {
			b.WriteString(":" + mask)
		}
		b.WriteByte('@')
	}
	b.WriteString(m.hostsRaw)
	if m.hasPath {
		b.WriteString("/" + m.dbRaw)
	}
	if m.hasQuery {
		b.WriteString("?" + maskMongoOptions(m.query))
	}
	return b.String()
}

// maskMongoOptions masks secret option values in a raw query, keeping everything else (and the
// '&' or ';' separators) as written.
func maskMongoOptions(q string) string {
	var b strings.Builder
	for q != "" {
		end := strings.IndexAny(q, "&;")
		seg, sep := q, ""
		if end >= 0 {
			seg, sep, q = q[:end], q[end:end+1], q[end+1:]
		} else {
			q = ""
		}
		key, value, hasValue := strings.Cut(seg, "=")
		if hasValue && isSecretMongoOption(key, value) {
			seg = key + "=" + mask
		}
		b.WriteString(seg + sep)
	}
	return b.String()
}

// isSecretMongoOption reports whether an option's value must be masked.
func isSecretMongoOption(rawKey, rawValue string) bool {
	key, err := url.QueryUnescape(rawKey)
	if err != nil {
		return true // cannot tell: err on the side of hiding
	}
	if isSecretParam(key) {
		return true
	}
	if strings.EqualFold(key, "authMechanismProperties") {
		value, err := url.QueryUnescape(rawValue)
		return err != nil || strings.Contains(strings.ToUpper(value), "AWS_SESSION_TOKEN")
	}
	return false
}

// MongoTargetKey returns a stable "host1:port,host2:port/db" key for a MongoDB connection
// string, so that two strings that name the same database in different spellings compare equal:
// hosts are lower-cased, sorted and deduplicated, and the default port 27017 is made explicit.
// A mongodb+srv host keeps no port (it has none), so it never equals a plain host. The string
// must name a database; errors never quote the input.
func MongoTargetKey(uri string) (string, error) {
	m, err := parseMongoURI(strings.TrimSpace(uri))
	if err != nil {
		return "", fmt.Errorf("invalid MongoDB connection string: %w; expected a form like mongodb://host:27017/database", err)
	}
	if m.db == "" {
		return "", errors.New("the MongoDB connection string names no database: add it after the hosts, like mongodb://host:27017/database")
	}
	seen := map[string]bool{}
	var hosts []string
	for _, h := range m.hosts {
		key := normalizeMongoHost(h, m.scheme == "mongodb+srv")
		if !seen[key] {
			seen[key] = true
			hosts = append(hosts, key)
		}
	}
	sort.Strings(hosts)
	return strings.Join(hosts, ",") + "/" + m.db, nil
}

// normalizeMongoHost lower-cases a host name and makes the default port explicit.
func normalizeMongoHost(h string, srv bool) string {
	if strings.HasSuffix(h, ".sock") {
		return h // a socket path is case-sensitive and has no port
	}
	if srv {
		return strings.TrimSuffix(strings.ToLower(h), ".")
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = strings.Trim(h, "[]"), defaultMongoPort
	}
	if n, err := strconv.Atoi(port); err == nil {
		port = strconv.Itoa(n) // "027017" and "27017" are one port
	}
	return net.JoinHostPort(strings.TrimSuffix(strings.ToLower(host), "."), port)
}
