package connstr

import (
	"errors"
	"net/url"
	"strings"
)

// parseSQLiteJDBC parses a sqlite-jdbc URL after "jdbc:sqlite:": a file path, optionally
// followed by "?pragma=value&…", or a "file:" URI.
func parseSQLiteJDBC(rest string) (Source, error) {
	if strings.HasPrefix(strings.ToLower(rest), "file:") {
		return parseSQLiteFileURI(rest[len("file:"):])
	}
	path, query, _ := strings.Cut(rest, "?")
	params, err := sqliteParams(query)
	if err != nil {
		return Source{}, err
	}
	return sqliteSource(path, params)
}

// parseSQLiteURL parses what follows "sqlite:": "///abs/path", "/abs/path" or "rel/path", with
// an optional query. As in dbmate and golang-migrate, "sqlite://x.db" names the relative file
// x.db; note that SQLAlchemy's "sqlite:///x.db" is relative there but absolute (/x.db) here.
func parseSQLiteURL(rest string) (Source, error) {
	rest = strings.TrimPrefix(rest, "//")
	path, query, _ := strings.Cut(rest, "?")
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return Source{}, errors.New("the file path is not validly percent-encoded (write % as %25)")
	}
	params, err := sqliteParams(query)
	if err != nil {
		return Source{}, err
	}
	return sqliteSource(decoded, params)
}

// parseSQLiteFileURI parses what follows "file:" in an SQLite URI filename: "/abs", "rel",
// "///abs" or "//localhost/abs", with optional query parameters (mode=ro, ...).
func parseSQLiteFileURI(rest string) (Source, error) {
	if strings.HasPrefix(rest, "//") {
		authority, path, _ := strings.Cut(rest[2:], "/")
		if authority != "" && !strings.EqualFold(authority, "localhost") {
			return Source{}, errors.New("a file: uri may name no host other than localhost")
		}
		rest = "/" + path
	}
	path, query, _ := strings.Cut(rest, "?")
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return Source{}, errors.New("the file path is not validly percent-encoded (write % as %25)")
	}
	params, err := sqliteParams(query)
	if err != nil {
		return Source{}, err
	}
	return sqliteSource(decoded, params)
}

// sqliteParams parses the query of an SQLite URL, refusing in-memory databases.
func sqliteParams(query string) (map[string]string, error) {
	list, err := parseQuery(query, url.QueryUnescape)
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	for _, p := range list {
		if strings.EqualFold(p.key, "mode") && strings.EqualFold(p.value, "memory") {
			return nil, errInMemorySQLite
		}
		if err := setParam(params, p.key, p.value, true); err != nil {
			return nil, err
		}
	}
	return params, nil
}

var errInMemorySQLite = errors.New("an in-memory SQLite database holds no data to migrate: give the path of a database file")

// sqliteSource checks a file path and builds the Source.
func sqliteSource(path string, params map[string]string) (Source, error) {
	if path == "" {
		return Source{}, errors.New("the url names no database file")
	}
	if path == ":memory:" || strings.HasPrefix(path, ":memory:") {
		return Source{}, errInMemorySQLite
	}
	if params == nil {
		params = map[string]string{}
	}
	return Source{Type: TypeSQLite, Path: path, Params: params}, nil
}

// maskedSQLite renders the sqlite-jdbc form for display; SQLite has no password to hide, but a
// parameter might (a key for an encryption extension).
func (s Source) maskedSQLite() string {
	var q []string
	for _, k := range sortedKeys(s.Params) {
		v := url.QueryEscape(s.Params[k])
		if isSecretParam(k) {
			v = mask
		}
		q = append(q, url.QueryEscape(k)+"="+v)
	}
	out := "jdbc:sqlite:" + s.Path
	if len(q) > 0 {
		out += "?" + strings.Join(q, "&")
	}
	return out
}
