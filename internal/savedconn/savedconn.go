// Package savedconn holds the rules of saved connections (API.md, savePassword and
// existingConnectionId): what is sealed in the store for each kind, how a saved connection
// combines with the fields a request gives, and how it is listed without its secrets. It reads
// and writes nothing itself: the API and the activities pass it store records and the key.
//
// A request that names a saved connection may give user and password (they replace the saved
// ones: a rotated password), but not another url or connection string: sending a saved password
// to a host the saved connection does not name would let anyone who can call the API read it.
package savedconn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
)

// Kinds of saved connections, as store.Connection.Kind holds them.
const (
	// KindJDBC is a relational source.
	KindJDBC = "JDBC"
	// KindMongo is a MongoDB target.
	KindMongo = "MONGODB"
)

// Source is the plaintext sealed in a saved JDBC connection. Its JSON is a superset of
// contract.SourceSecret's.
type Source struct {
	// Type is the source type (POSTGRESQL, SQL_SERVER, SQLITE).
	Type     string `json:"type"`
	URL      string `json:"url"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

// Target is the plaintext sealed in a saved MongoDB connection.
type Target struct {
	ConnectionString string `json:"connectionString"`
}

// ErrInvalid is wrapped by errors of requests that contradict the saved connection they name
// (wrong kind, other type, other url): the API answers 400.
var ErrInvalid = errors.New("the request contradicts the saved connection")

// ErrUnusable is wrapped by errors of saved connections that cannot be opened (sealed with
// another key, or damaged): the API answers 422.
var ErrUnusable = errors.New("the saved connection cannot be used")

// problem is an error whose text is a complete user-facing message and whose class is kind.
type problem struct {
	msg  string
	kind error
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

func invalid(format string, args ...any) error {
	return &problem{msg: fmt.Sprintf(format, args...), kind: ErrInvalid}
}

// OpenSource unseals a saved connection named as a source (jdbcConnectionDetails).
func OpenSource(key secret.Key, c store.Connection) (Source, error) {
	if c.Kind != KindJDBC {
		return Source{}, invalid("saved connection %q is a MongoDB connection: name it in mongodbConnectionDetails.existingConnectionId, not as a source", c.ID)
	}
	var s Source
	if err := open(key, c, &s); err != nil {
		return Source{}, err
	}
	return s, nil
}

// OpenTarget unseals a saved connection named as a target (mongodbConnectionDetails).
func OpenTarget(key secret.Key, c store.Connection) (Target, error) {
	if c.Kind != KindMongo {
		return Target{}, invalid("saved connection %q is a relational (JDBC) connection: name it in jdbcConnectionDetails.existingConnectionId, not as a MongoDB target", c.ID)
	}
	var t Target
	if err := open(key, c, &t); err != nil {
		return Target{}, err
	}
	return t, nil
}

func open(key secret.Key, c store.Connection, v any) error {
	if err := key.OpenJSON(secret.Sealed{Ciphertext: string(c.Sealed)}, v); err != nil {
		hint := "save it again (savePassword: true with the full connection details)"
		if errors.Is(err, secret.ErrWrongKey) {
			hint = "it was saved with another secret key: configure that key, or " + hint
		}
		// secret's errors never hold the plaintext.
		return &problem{msg: fmt.Sprintf("saved connection %q cannot be decrypted (%v); %s", c.ID, err, hint), kind: ErrUnusable}
	}
	return nil
}

// MergeSource combines a saved source with the fields of a request that names it (see the
// package comment): typ must be the saved type, url empty or the saved url, and a non-empty
// user or password replaces the saved one.
func MergeSource(id string, saved Source, typ, url, user, password string) (Source, error) {
	if typ != saved.Type {
		return Source{}, invalid("saved connection %q is a %s connection but jdbcConnectionDetails.type is %s: send type %s, or name another connection",
			id, saved.Type, typ, saved.Type)
	}
	if u := strings.TrimSpace(url); u != "" && u != strings.TrimSpace(saved.URL) {
		return Source{}, invalid("jdbcConnectionDetails.url differs from the url of saved connection %q: omit url to use the saved connection, or omit existingConnectionId to use this url", id)
	}
	if user != "" {
		saved.User = user
	}
	if password != "" {
		saved.Password = password
	}
	return saved, nil
}

// MergeTarget checks the connection string of a request that names a saved target: empty or
// the saved one.
func MergeTarget(id string, saved Target, connectionString string) (Target, error) {
	if c := strings.TrimSpace(connectionString); c != "" && c != strings.TrimSpace(saved.ConnectionString) {
		return Target{}, invalid("mongodbConnectionDetails.connectionString differs from the one of saved connection %q: omit connectionString to use the saved connection, or omit existingConnectionId to use this one", id)
	}
	return saved, nil
}

// Seal makes the store record of a connection to save: v is a Source (kind JDBC) or a Target
// (kind MONGODB); masked is its display form without secrets.
func Seal(key secret.Key, id string, v any, masked string) (store.Connection, error) {
	kind := ""
	switch v.(type) {
	case Source:
		kind = KindJDBC
	case Target:
		kind = KindMongo
	default:
		return store.Connection{}, fmt.Errorf("sealing connection %q: a %T is neither a Source nor a Target", id, v)
	}
	sealed, err := key.SealJSON(v)
	if err != nil {
		return store.Connection{}, fmt.Errorf("sealing connection %q: %w", id, err)
	}
	return store.Connection{ID: id, Kind: kind, MaskedURL: masked, Sealed: []byte(sealed.Ciphertext)}, nil
}

// maskedPrefixes name the source type of a masked JDBC url (connstr.Source.Masked always shows
// the JDBC form), so listings need not decrypt anything.
var maskedPrefixes = []struct{ prefix, typ string }{
	{"jdbc:postgresql:", "POSTGRESQL"},
	{"jdbc:sqlserver:", "SQL_SERVER"},
	{"jdbc:sqlite:", "SQLITE"},
}

// TypeOf returns the type a listing shows for a saved connection: the source type of a JDBC
// connection (read from its masked url), MONGODB for a target, "" when unknown.
func TypeOf(c store.Connection) string {
	if c.Kind == KindMongo {
		return KindMongo
	}
	for _, p := range maskedPrefixes {
		if strings.HasPrefix(c.MaskedURL, p.prefix) {
			return p.typ
		}
	}
	return ""
}
