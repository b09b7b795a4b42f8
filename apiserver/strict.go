package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// errBodyTooLarge is returned for a body over maxBodyBytes (answered 413).
var errBodyTooLarge = fmt.Errorf("the request body is over %d MiB", maxBodyBytes>>20)

// statusForBody is the status of a decodeStrict error: 413 for an oversize body, else 400.
func statusForBody(err error) int {
	if errors.Is(err, errBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// readBody reads at most maxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if len(data) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	return data, nil
}

// keyProblems walks a JSON document against the Go type it decodes into and reports what
// encoding/json would forgive: keys whose case differs from the field name (json matches them
// case-insensitively), duplicate keys (json keeps the last silently) and unknown keys — all of
// them at once, each with its JSON path.
func keyProblems(data []byte, t reflect.Type) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var probs []string
	walkValue(dec, t, "$", &probs)
	return probs
}

func walkValue(dec *json.Decoder, t reflect.Type, path string, probs *[]string) {
	tok, err := dec.Token()
	if err != nil {
		return // syntax errors are reported by the decoder proper
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('{'):
		walkObject(dec, t, path, probs)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			walkValue(dec, elem, fmt.Sprintf("%s[%d]", path, i), probs)
		}
		_, _ = dec.Token() // ']'
	}
}

func walkObject(dec *json.Decoder, t reflect.Type, path string, probs *[]string) {
	var fields map[string]reflect.Type // exact JSON name -> type, for structs
	var elem reflect.Type
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = jsonFields(t)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		sub := path + "." + key
		if seen[key] {
			*probs = append(*probs, fmt.Sprintf("%s is given twice", sub))
		}
		seen[key] = true
		var next reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				if name := caseMatch(fields, key); name != "" {
					*probs = append(*probs, fmt.Sprintf("%s: field names are case-sensitive; did you mean %q?", sub, name))
					ft = fields[name] // keep checking below it
				} else {
					*probs = append(*probs, fmt.Sprintf("%s: unknown field %q", sub, key))
				}
			}
			next = ft
		case elem != nil:
			next = elem
		}
		walkValue(dec, next, sub, probs)
	}
	_, _ = dec.Token() // '}'
}

func caseMatch(fields map[string]reflect.Type, key string) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if strings.EqualFold(n, key) {
			return n
		}
	}
	return ""
}

// jsonFields returns the JSON names of a struct's fields (embedded structs flattened).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		// An `any` field accepts whatever it is given: do not check below it.
		if f.Type.Kind() == reflect.Interface {
			out[name] = nil
			continue
		}
		out[name] = f.Type
	}
	return out
}
