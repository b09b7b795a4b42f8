package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// startFlags are the flags of `jobs start` that fill in a job create request (API.md).
type startFlags struct {
	file           string
	project        string
	sourceURL      string
	sourceType     string
	sourceUser     string
	passwordStdin  bool
	target         string
	verify         bool
	drop           bool
	errorHandling  string
	errorTolerance int64
	timeZone       string
	collections    []string
	where          []string
	watch          bool
}

// requestOverlay is what the flags given on the command line set in the request; nil/"" fields
// were not given and leave the file's values alone.
type requestOverlay struct {
	projectID      string
	sourceURL      string
	sourceType     string
	sourceUser     string
	password       *string
	target         string
	verify         *bool
	drop           *bool
	errorHandling  string
	errorTolerance *int64
	timeZone       string
	collections    []string
	where          []string
}

// buildJobRequest lays the overlay over base (the request file's object, or nil) and fills the
// defaults a command line user expects (mode SNAPSHOT, verification off, the source type from the
// URL). It returns every missing required value at once.
func buildJobRequest(base map[string]any, o requestOverlay) (map[string]any, error) {
	req := base
	if req == nil {
		req = map[string]any{}
	}
	set := func(path string, v any) error { return setPath(req, path, v) }
	var errs []string
	try := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if o.projectID != "" {
		try(set("projectId", o.projectID))
	}
	if o.sourceURL != "" {
		try(set("jdbcConnectionDetails.url", o.sourceURL))
	}
	if o.sourceType != "" {
		try(set("jdbcConnectionDetails.type", strings.ToUpper(o.sourceType)))
	}
	if o.sourceUser != "" {
		try(set("jdbcConnectionDetails.user", o.sourceUser))
	}
	if o.password != nil {
		try(set("jdbcConnectionDetails.password", *o.password))
	}
	if o.target != "" {
		try(set("mongodbConnectionDetails.connectionString", o.target))
	}
	if o.verify != nil {
		try(set("verification.enabled", *o.verify))
	}
	if o.drop != nil {
		try(set("options.dropCollections", *o.drop))
	}
	if o.errorHandling != "" {
		try(set("options.errorHandling", strings.ToUpper(o.errorHandling)))
	}
	if o.errorTolerance != nil {
		try(set("options.errorTolerance", *o.errorTolerance))
	}
	if o.timeZone != "" {
		try(set("options.sourceTimeZone", o.timeZone))
	}
	if len(o.collections) > 0 {
		req["collectionFilters"] = o.collections
	}
	for _, w := range o.where {
		table, clause, ok := strings.Cut(w, "=")
		schema, name, dotted := strings.Cut(table, ".")
		if !ok || !dotted || schema == "" || name == "" || strings.TrimSpace(clause) == "" {
			errs = append(errs, fmt.Sprintf("--where %q: use schema.table=CLAUSE, e.g. public.invoice=\"total > 10\"", w))
			continue
		}
		try(setKeys(req, []string{"relationalTableFilters", schema, name, "whereClause"}, clause, false))
	}
	// Defaults: the API requires these, and a command line user should not have to say them.
	try(setDefault(req, "options.mode", "SNAPSHOT"))
	try(setDefault(req, "verification.enabled", false))
	if t := sourceTypeOf(stringAt(req, "jdbcConnectionDetails.url")); t != "" {
		try(setDefault(req, "jdbcConnectionDetails.type", t))
	}
	for _, r := range []struct{ path, flag string }{
		{"projectId", "--project"},
		{"jdbcConnectionDetails.url", "--source-url"},
		{"jdbcConnectionDetails.type", "--source-type"},
		{"mongodbConnectionDetails.connectionString", "--target"},
	} {
		if stringAt(req, r.path) == "" {
			errs = append(errs, fmt.Sprintf("%s is missing: give %s or set it in the request file", r.path, r.flag))
		}
	}
	if len(errs) > 0 {
		return nil, usageErrorf("the job request is incomplete: %s", strings.Join(errs, "; "))
	}
	return req, nil
}

// setPath sets the dotted path in m to v, creating objects on the way.
func setPath(m map[string]any, path string, v any) error {
	return setKeys(m, strings.Split(path, "."), v, false)
}

// setDefault sets the dotted path in m to v unless it has a value.
func setDefault(m map[string]any, path string, v any) error {
	return setKeys(m, strings.Split(path, "."), v, true)
}

// setKeys sets m[keys[0]][keys[1]]… to v, creating objects on the way; with keep, an existing
// value stays. A path through a value that is not an object is an error.
func setKeys(m map[string]any, keys []string, v any, keep bool) error {
	cur := m
	for i, k := range keys[:len(keys)-1] {
		next, exists := cur[k]
		if !exists || next == nil {
			child := map[string]any{}
			cur[k] = child
			cur = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s in the request file is not an object", strings.Join(keys[:i+1], "."))
		}
		cur = child
	}
	last := keys[len(keys)-1]
	if _, exists := cur[last]; exists && keep {
		return nil
	}
	cur[last] = v
	return nil
}

// stringAt returns the string at a dotted path of m, or "".
func stringAt(m map[string]any, path string) string {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[p]
	}
	s, _ := cur.(string)
	return s
}

// sourceTypeOf guesses jdbcConnectionDetails.type from a source URL; "" when it cannot tell.
func sourceTypeOf(url string) string {
	u := strings.ToLower(url)
	switch {
	case strings.HasPrefix(u, "jdbc:postgresql:"), strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "POSTGRESQL"
	case strings.HasPrefix(u, "jdbc:sqlserver:"), strings.HasPrefix(u, "sqlserver://"):
		return "SQL_SERVER"
	case strings.HasPrefix(u, "jdbc:sqlite:"), strings.HasPrefix(u, "sqlite:"):
		return "SQLITE"
	}
	return ""
}

// decodeRequestFile parses a request file as a JSON object.
func decodeRequestFile(name string, data []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, usageErrorf("%s is not a JSON object (a job create request, see docs/API.md): fix it and retry", name)
	}
	return m, nil
}
