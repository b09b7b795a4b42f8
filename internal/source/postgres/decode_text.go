package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
)

// normalizeTime turns PostgreSQL's time/timetz output into HH:MM:SS[.ffffff][±HH:MM] (TYPES.md).
// PostgreSQL prints a whole-hour offset as "+02"; it becomes "+02:00". An offset with seconds
// ("+01:02:03", possible for timetz) cannot be written as ±HH:MM and is kept as printed rather
// than rounded. ok is false for text that is not a time at all.
func normalizeTime(s string) (string, bool) {
	// HH:MM:SS
	if len(s) < 8 || !digits(s[0:2]) || s[2] != ':' || !digits(s[3:5]) || s[5] != ':' || !digits(s[6:8]) {
		return "", false
	}
	i := 8
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigitByte(s[j]) {
			j++
		}
		if j == i+1 || j-i-1 > 6 {
			return "", false
		}
		i = j
	}
	if i == len(s) {
		return s, true
	}
	if s[i] != '+' && s[i] != '-' {
		return "", false
	}
	off := s[i+1:]
	switch {
	case len(off) == 2 && digits(off):
		return s + ":00", true
	case len(off) == 5 && digits(off[0:2]) && off[2] == ':' && digits(off[3:5]):
		return s, true
	case len(off) == 8 && digits(off[0:2]) && off[2] == ':' && digits(off[3:5]) && off[5] == ':' && digits(off[6:8]):
		return s, true
	}
	return "", false
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			return false
		}
	}
	return s != ""
}

// parseHstore parses hstore's output form — "k"=>"v", "k2"=>NULL, with '"' and '\' escaped by a
// backslash — into pairs in the order the server printed them (its storage order), so the
// document's field order is the source's and does not depend on Go map iteration.
func parseHstore(s string) ([]convert.KeyValue, error) {
	p := hstoreParser{s: s}
	var pairs []convert.KeyValue
	p.skipSpace()
	for !p.done() {
		if len(pairs) > 0 {
			if !p.consume(",") {
				return nil, p.errorf("expected ',' between pairs")
			}
			p.skipSpace()
		}
		key, isNull, err := p.item()
		if err != nil {
			return nil, err
		}
		if isNull {
			return nil, p.errorf("a key cannot be NULL")
		}
		p.skipSpace()
		if !p.consume("=>") {
			return nil, p.errorf("expected '=>' after key %q", key)
		}
		p.skipSpace()
		val, isNull, err := p.item()
		if err != nil {
			return nil, err
		}
		kv := convert.KeyValue{Key: key}
		if !isNull {
			v := val
			kv.Value = &v
		}
		pairs = append(pairs, kv)
		p.skipSpace()
	}
	if pairs == nil {
		pairs = []convert.KeyValue{} // an empty hstore is an empty document, not NULL
	}
	return pairs, nil
}

type hstoreParser struct {
	s   string
	pos int
}

func (p *hstoreParser) done() bool { return p.pos >= len(p.s) }

func (p *hstoreParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *hstoreParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

func (p *hstoreParser) consume(tok string) bool {
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// item reads a quoted string or an unquoted NULL (the only unquoted word hstore_out prints).
func (p *hstoreParser) item() (string, bool, error) {
	if p.consume("NULL") {
		return "", true, nil
	}
	if !p.consume(`"`) {
		return "", false, p.errorf("expected a quoted string")
	}
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.s) {
				return "", false, errors.New("the text ends inside an escape")
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		case '"':
			p.pos++
			return b.String(), false, nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", false, errors.New("the text ends inside a quoted string")
}
