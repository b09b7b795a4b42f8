package postgres

import (
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// windowParams are the named parameters a scheduled job's root whereClause may use; each is bound
// as a timestamptz query parameter.
var windowParams = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range project.WindowParamNames {
		m[n] = true
	}
	return m
}()

// bindWindowParams rewrites the named window parameters (":windowStart", ":windowEnd",
// ":scheduledTime") of a whereClause into positional parameters "$n::timestamptz" starting at
// first, and returns the values to bind in order. Only code is rewritten: string literals
// ('…', E'…' with backslash escapes, $tag$…$tag$), quoted identifiers ("…") and comments (-- and
// nested /* */) are copied unchanged, and "::" is a cast, never a parameter. Values are never
// pasted into the SQL, so a value such as "'; DROP TABLE x; --" stays data. A window parameter
// without a value (a job that is not a scheduled run) is an error that says so.
func bindWindowParams(where string, values map[string]string, first int) (string, []any, error) {
	var b strings.Builder
	var args []any
	depth := 0
	n := len(where)
	for i := 0; i < n; {
		c := where[i]
		switch {
		case c == '\'':
			// E'…' strings take backslash escapes; a standard string only doubles quotes.
			escapes := i > 0 && (where[i-1] == 'E' || where[i-1] == 'e') && (i < 2 || !isIdentByte(where[i-2]))
			j := i + 1
			for ; j < n; j++ {
				if escapes && where[j] == '\\' {
					j++
					continue
				}
				if where[j] == '\'' {
					if j+1 < n && where[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= n {
				return "", nil, fmt.Errorf("%w: the whereClause has an unterminated ' quote", source.ErrBadFilter)
			}
			b.WriteString(where[i : j+1])
			i = j + 1
		case c == '"':
			j := strings.IndexByte(where[i+1:], '"')
			if j < 0 {
				return "", nil, fmt.Errorf("the whereClause has an unterminated \" identifier")
			}
			b.WriteString(where[i : i+j+2])
			i += j + 2
		case c == '-' && i+1 < n && where[i+1] == '-':
			j := strings.IndexByte(where[i:], '\n')
			if j < 0 {
				j = n - i
			}
			b.WriteString(where[i : i+j])
			i += j
		case c == '/' && i+1 < n && where[i+1] == '*':
			depth, j := 1, i+2
			for j < n && depth > 0 {
				switch {
				case strings.HasPrefix(where[j:], "/*"):
					depth++
					j += 2
				case strings.HasPrefix(where[j:], "*/"):
					depth--
					j += 2
				default:
					j++
				}
			}
			if depth > 0 {
				return "", nil, fmt.Errorf("%w: the whereClause has an unterminated /* comment", source.ErrBadFilter)
			}
			b.WriteString(where[i:j])
			i = j
		case c == '$' && (i == 0 || !isIdentByte(where[i-1])):
			// A dollar-quoted string $tag$…$tag$ (a positional $1 is left as it is).
			k := i + 1
			for k < n && isIdentByte(where[k]) && !(k == i+1 && where[k] >= '0' && where[k] <= '9') {
				k++
			}
			if k < n && where[k] == '$' {
				tag := where[i : k+1]
				end := strings.Index(where[k+1:], tag)
				if end < 0 {
					return "", nil, fmt.Errorf("%w: the whereClause has an unterminated %s string", source.ErrBadFilter, tag)
				}
				stop := k + 1 + end + len(tag)
				b.WriteString(where[i:stop])
				i = stop
				continue
			}
			b.WriteByte(c)
			i++
		case c == ':' && i+1 < n && where[i+1] == ':':
			b.WriteString("::")
			i += 2
		case c == ':' && i+1 < n && isIdentStart(where[i+1]):
			j := i + 1
			for j < n && isIdentByte(where[j]) {
				j++
			}
			name := where[i+1 : j]
			if !windowParams[name] {
				// Not ours (an array slice a[lo:hi]): left for PostgreSQL.
				b.WriteString(where[i:j])
				i = j
				continue
			}
			v, ok := values[name]
			if !ok {
				return "", nil, fmt.Errorf("%w: the whereClause uses :%s, which only a scheduled run has (see the schedules section of the API)", source.ErrBadFilter, name)
			}
			args = append(args, v)
			fmt.Fprintf(&b, "$%d::timestamptz", first+len(args)-1)
			i = j
		case c == ';':
			return "", nil, fmt.Errorf("%w: a whereClause must be a single SQL expression: remove the ';' (a second statement is never run)", source.ErrBadFilter)
		case c == '(' || c == ')':
			if c == '(' {
				depth++
			} else if depth--; depth < 0 {
				// "a) OR (b" would escape the parentheses relmongo puts around the clause and widen
				// a chunk's key range.
				return "", nil, fmt.Errorf("%w: a whereClause must be one expression with balanced parentheses: a ')' closes a '(' that the clause did not open", source.ErrBadFilter)
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	if depth != 0 {
		return "", nil, fmt.Errorf("%w: the whereClause has %d unclosed '('", source.ErrBadFilter, depth)
	}
	return b.String(), args, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c >= 0x80
}
