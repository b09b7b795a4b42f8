package mongosink

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrNoDatabase is returned (possibly wrapped) by DatabaseName and Connect when the connection string
// names no database; relmongo writes into exactly the database the user names, never a default one.
var ErrNoDatabase = errors.New("the MongoDB connection string must name a database, e.g. mongodb://host:27017/mydb")

// maxDatabaseNameBytes is MongoDB's limit on a database name (it must be shorter than 64 bytes).
const maxDatabaseNameBytes = 63

// DatabaseName returns the database named in the path of a MongoDB connection string
// (mongodb://host:27017/mydb?options or mongodb+srv://cluster.example.net/mydb).
//
// It is pure: it neither resolves mongodb+srv host names nor connects, so the API can run it as a
// cheap pre-check. Errors never contain the connection string itself, which may carry a password.
func DatabaseName(uri string) (string, error) {
	var rest string
	switch {
	case strings.HasPrefix(uri, "mongodb+srv://"):
		rest = uri[len("mongodb+srv://"):]
	case strings.HasPrefix(uri, "mongodb://"):
		rest = uri[len("mongodb://"):]
	default:
		return "", errors.New("the MongoDB connection string must start with mongodb:// or mongodb+srv://")
	}

	// The split follows the driver's own parser (x/mongo/driver/connstring), so that this function
	// and Connect agree on every string: user info ends at the first '@', hosts at the next '/' or '?'.
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	hosts := rest
	if i := strings.IndexAny(rest, "/?@"); i >= 0 {
		switch rest[i] {
		case '@':
			return "", errors.New("the MongoDB connection string has an unescaped '@' in its user name or password; percent-encode it as %40")
		case '?':
			return "", ErrNoDatabase
		}
		hosts = rest[:i]
	}
	if strings.Trim(hosts, ",") == "" {
		return "", errors.New("the MongoDB connection string names no host, e.g. mongodb://host:27017/mydb")
	}

	path := rest[len(hosts):]
	if path == "" {
		return "", ErrNoDatabase
	}
	path = path[1:] // the '/' found above
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return "", ErrNoDatabase
	}
	name, err := url.QueryUnescape(path)
	if err != nil {
		return "", fmt.Errorf("the database name in the MongoDB connection string is not validly percent-encoded: %w", err)
	}
	if err := validateDatabaseName(name); err != nil {
		return "", err
	}
	return name, nil
}

// validateDatabaseName applies MongoDB's naming rules, so that a bad name is reported before a job
// starts rather than as a server error on the first write.
func validateDatabaseName(name string) error {
	if name == "" {
		return ErrNoDatabase
	}
	if len(name) > maxDatabaseNameBytes {
		return fmt.Errorf("the database name %q is %d bytes long; MongoDB allows at most %d", name, len(name), maxDatabaseNameBytes)
	}
	if i := strings.IndexAny(name, "/\\. \"$\x00"); i >= 0 {
		return fmt.Errorf("the database name %q contains %q, which MongoDB does not allow in database names (/ \\ . space \" $ and NUL are refused)", name, name[i])
	}
	return nil
}

// validateCollectionName refuses names that MongoDB would refuse, with a message that says why.
func validateCollectionName(name string) error {
	switch {
	case name == "":
		return errors.New("the collection name is empty")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("the collection name %q contains a NUL character", name)
	case strings.Contains(name, "$"):
		return fmt.Errorf("the collection name %q contains '$', which MongoDB does not allow", name)
	case strings.HasPrefix(name, "system."):
		return fmt.Errorf("the collection name %q starts with \"system.\", which MongoDB reserves", name)
	}
	return nil
}

// redactURIError returns err's text with the password and other secrets of uri blanked out. The
// driver's parse errors quote option values, so they can echo a secret if it is malformed; the
// result is a flat error on purpose (no Unwrap), so nobody can reach the unredacted original.
func redactURIError(err error, uri string) error {
	msg := err.Error()
	for _, s := range uriSecrets(uri) {
		if len(s) >= 3 { // shorter strings would blank out ordinary words of the message
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return errors.New(msg)
}

// uriSecrets lists the substrings of uri that may be secret: the password (raw and decoded) and
// the values of options that carry credentials.
func uriSecrets(uri string) []string {
	var out []string
	rest := uri
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		if _, pw, ok := strings.Cut(rest[:i], ":"); ok {
			out = append(out, pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				out = append(out, dec)
			}
		}
		rest = rest[i+1:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		for _, kv := range strings.FieldsFunc(rest[i+1:], func(r rune) bool { return r == '&' || r == ';' }) {
			k, v, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "tlscertificatekeyfilepassword", "sslclientcertificatekeyfilepassword", "authmechanismproperties":
				out = append(out, v)
				if dec, err := url.QueryUnescape(v); err == nil {
					out = append(out, dec)
				}
			}
		}
	}
	return out
}
