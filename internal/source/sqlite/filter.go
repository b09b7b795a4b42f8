package sqlite

import (
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/source"
)

// errSecondStatement is returned for a whereClause that holds more than one statement. The
// driver runs every statement of a query text and returns the rows of the last, so a ';' could
// smuggle in a statement that query_only does not stop (ATTACH reads other files).
var errSecondStatement = fmt.Errorf("%w: a whereClause must be a single SQL expression: remove the ';' (a second statement is never run)", source.ErrBadFilter)

// filterSQL checks a table filter's whereClause and returns it ready to be put in parentheses:
// it must not contain ';' outside string literals, quoted identifiers and comments, and a
// trailing "--" comment is ended by a line break so that it cannot swallow the rest of the query.
func filterSQL(where string) (string, error) {
	w := strings.TrimSpace(where)
	if w == "" {
		return "", nil
	}
	i := 0
	for i < len(w) {
		c := w[i]
		switch {
		case c == ';':
			return "", errSecondStatement
		case c == '\'' || c == '"' || c == '`':
			end := closing(w, i+1, c)
			if end < 0 {
				return "", fmt.Errorf("%w: the whereClause has an unterminated %c quote", source.ErrBadFilter, c)
			}
			i = end + 1
		case c == '[':
			end := strings.IndexByte(w[i+1:], ']')
			if end < 0 {
				return "", fmt.Errorf("%w: the whereClause has an unterminated [identifier]", source.ErrBadFilter)
			}
			i += end + 2
		case c == '-' && i+1 < len(w) && w[i+1] == '-':
			end := strings.IndexByte(w[i:], '\n')
			if end < 0 {
				i = len(w)
			} else {
				i += end + 1
			}
		case c == '/' && i+1 < len(w) && w[i+1] == '*':
			end := strings.Index(w[i+2:], "*/")
			if end < 0 {
				return "", fmt.Errorf("%w: the whereClause has an unterminated /* comment", source.ErrBadFilter)
			}
			i += end + 4
		default:
			i++
		}
	}
	return w + "\n", nil
}

// closing returns the index of the quote q that ends a quoted run starting at i (a doubled
// quote is an escaped one), or -1.
func closing(s string, i int, q byte) int {
	for i < len(s) {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				i += 2
				continue
			}
			return i
		}
		i++
	}
	return -1
}
