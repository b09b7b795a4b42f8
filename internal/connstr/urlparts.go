package connstr

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// hierURL is the split form of "[user[:password]@]hosts[/path][?query]", the part of a
// hierarchical URL after "scheme://". Its messages never quote the input (see the package doc).
type hierURL struct {
	user        string // decoded
	password    string // decoded
	hasUserinfo bool
	hosts       string // raw; may hold several comma-separated hosts
	path        string // raw, without the leading '/'
	query       string // raw, without the '?'
	// atLater is set when an '@' follows an authority that has none: the usual sign of an
	// unencoded '/' or '?' in a password, which then split the URL in the wrong place.
	atLater bool
}

// explain adds the percent-encoding hint to an error about the authority when the URL shows
// signs of a mis-split password.
func (h hierURL) explain(err error) error {
	if err == nil || !h.atLater {
		return err
	}
	return errors.New(err.Error() + "; " + userinfoHint)
}

// splitHier splits s like net/url does (the authority ends at the first '/' or '?', the
// userinfo at the authority's last '@'), but reports errors without quoting the input, and
// detects the usual sign of an unencoded '/' or '?' in a password: an '@' after the authority.
func splitHier(s string) (hierURL, error) {
	var h hierURL
	authority, rest := s, ""
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		authority, rest = s[:i], s[i:]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo := authority[:at]
		authority = authority[at+1:]
		user, password, _ := strings.Cut(userinfo, ":")
		var err error
		if h.user, err = url.PathUnescape(user); err != nil {
			return h, errors.New("the user name is not validly percent-encoded (write % as %25)")
		}
		if h.password, err = url.PathUnescape(password); err != nil {
			return h, errors.New("the password is not validly percent-encoded (write % as %25); " + userinfoHint)
		}
		h.hasUserinfo = true
	}
	h.hosts = authority
	h.atLater = !h.hasUserinfo && strings.Contains(rest, "@")
	if strings.HasPrefix(rest, "/") {
		rest = rest[1:]
		h.path, rest, _ = strings.Cut(rest, "?")
		rest = "?" + rest
	}
	h.query = strings.TrimPrefix(rest, "?")
	if strings.Contains(h.path, "@") {
		return h, errors.New("an '@' follows the host; " + userinfoHint)
	}
	return h, nil
}

// hostPort is one parsed "host[:port]".
type hostPort struct {
	host    string
	port    int
	hasPort bool
}

// parseHostPort parses "host", "host:port", "[v6]" or "[v6]:port". unescape decodes the host
// (PostgreSQL allows a percent-encoded socket directory); nil leaves it as is.
func parseHostPort(s string, unescape func(string) (string, error)) (hostPort, error) {
	var hp hostPort
	if s == "" {
		return hp, nil
	}
	hostPart, portPart, hasPort := s, "", false
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return hp, errors.New("an IPv6 address opened with '[' is not closed with ']'")
		}
		hostPart = s[1:end]
		after := s[end+1:]
		switch {
		case after == "":
		case after[0] == ':':
			portPart, hasPort = after[1:], true
		default:
			return hp, errors.New("after an IPv6 address in brackets only ':port' may follow")
		}
		if !isIPv6(hostPart) {
			return hp, errors.New("the text in brackets is not an IPv6 address")
		}
	} else {
		if strings.Count(s, ":") > 1 {
			return hp, errors.New("an IPv6 address must be written in brackets, like [::1]:5432")
		}
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			hostPart, portPart, hasPort = s[:i], s[i+1:], true
		}
		if unescape != nil {
			decoded, err := unescape(hostPart)
			if err != nil {
				return hp, errors.New("the host is not validly percent-encoded")
			}
			hostPart = decoded
		}
		if !validHostName(hostPart) {
			return hp, errors.New("the host name contains characters that no host name has")
		}
	}
	hp.host = hostPart
	if hasPort {
		port, err := parsePort(portPart)
		if err != nil {
			return hp, err
		}
		hp.port, hp.hasPort = port, true
	}
	return hp, nil
}

// parsePort parses a TCP port number.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(s, "+") {
		return 0, errors.New("the port is not a number from 1 to 65535")
	}
	return n, nil
}

// isIPv6 reports whether s is an IPv6 address, optionally with a zone ("fe80::1%eth0").
func isIPv6(s string) bool {
	addr, _, _ := strings.Cut(s, "%")
	ip := net.ParseIP(addr)
	return ip != nil && strings.Contains(addr, ":")
}

// validHostName accepts DNS names (including internationalized ones), IPv4 addresses and, when
// the name starts with '/', a Unix socket directory.
func validHostName(s string) bool {
	if strings.HasPrefix(s, "/") {
		return !strings.ContainsAny(s, "@?")
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.' || r == '_' {
			continue
		}
		return false
	}
	return true
}

// hostForURL writes a host for a URL authority: IPv6 in brackets, a socket path escaped.
func hostForURL(host string) string {
	switch {
	case strings.Contains(host, ":"):
		return "[" + host + "]"
	case strings.HasPrefix(host, "/"):
		return url.PathEscape(host)
	}
	return host
}

// queryParam is one "key=value" of a query string, decoded.
type queryParam struct {
	key, value string
}

// parseQuery splits a query string on '&' and decodes keys and values with unescape. Empty
// segments are skipped, as every driver does.
func parseQuery(q string, unescape func(string) (string, error)) ([]queryParam, error) {
	var params []queryParam
	for _, seg := range strings.Split(q, "&") {
		if seg == "" {
			continue
		}
		k, v, ok := strings.Cut(seg, "=")
		if !ok || k == "" {
			return nil, errors.New("a query parameter is not of the form name=value; " + userinfoHint)
		}
		key, err := unescape(k)
		if err != nil {
			return nil, errors.New("a query parameter name is not validly percent-encoded")
		}
		value, err := unescape(v)
		if err != nil {
			// The value may be a password: do not name the parameter either, it tells which.
			return nil, errors.New("a query parameter value is not validly percent-encoded (write % as %25)")
		}
		params = append(params, queryParam{key: key, value: value})
	}
	return params, nil
}

// setParam stores a parameter, refusing a second one whose name equals it ignoring case (the
// drivers would silently keep one of them). Only names known to the caller are quoted: an
// unknown "name" might be a fragment of a mis-split password.
func setParam(params map[string]string, key, value string, known bool) error {
	for k := range params {
		if strings.EqualFold(k, key) {
			if known {
				return errors.New("the parameter " + key + " is given twice")
			}
			return errors.New("a parameter is given twice")
		}
	}
	params[key] = value
	return nil
}
