package sqlserver

import (
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/source"
)

// errSecondStatement is returned for a whereClause that holds more than one statement. SQL
// Server runs every statement of a batch (sp_executesql too) and has no read-only transaction,
// so a second statement could write.
var errSecondStatement = fmt.Errorf("%w: a whereClause must be a single SQL expression: remove the ';' (a second statement is never run)", source.ErrBadFilter)

// errUnbalanced is returned for a ')' that closes more than the clause opened: it would end the
// parentheses relmongo puts around the filter, and T-SQL needs no ';' to start another statement.
var errUnbalanced = fmt.Errorf("%w: a whereClause must be one expression with balanced parentheses: a ')' closes a '(' that the clause did not open", source.ErrBadFilter)

// filterSQL checks a table filter's whereClause and returns it ready to be put in parentheses
// ("" when there is none). Outside string literals ('…', N'…'), quoted identifiers ("…", […])
// and comments (-- to the end of the line, /* … */ which nest in T-SQL) it must contain no ';'
// and its parentheses must balance; a trailing "--" comment is ended by a line break so that it
// cannot swallow the ')' that follows.
func filterSQL(where string) (string, error) {
	w := strings.TrimSpace(where)
	if w == "" {
		return "", nil
	}
	depth := 0
	i := 0
	for i < len(w) {
		c := w[i]
		switch {
		case c == ';':
			return "", errSecondStatement
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			if depth < 0 {
				return "", errUnbalanced
			}
			i++
		case c == '\'' || c == '"':
			end := closingQuote(w, i+1, c)
			if end < 0 {
				return "", fmt.Errorf("%w: the whereClause has an unterminated %c quote", source.ErrBadFilter, c)
			}
			i = end + 1
		case c == '[':
			end := closingQuote(w, i+1, ']')
			if end < 0 {
				return "", fmt.Errorf("%w: the whereClause has an unterminated [identifier]", source.ErrBadFilter)
			}
			i = end + 1
		case c == '-' && i+1 < len(w) && w[i+1] == '-':
			end := strings.IndexByte(w[i:], '\n')
			if end < 0 {
				i = len(w)
			} else {
				i += end + 1
			}
		case c == '/' && i+1 < len(w) && w[i+1] == '*':
			end := closingComment(w, i+2)
			if end < 0 {
				return "", fmt.Errorf("%w: the whereClause has an unterminated /* comment", source.ErrBadFilter)
			}
			i = end
		default:
			i++
		}
	}
	if depth != 0 {
		return "", fmt.Errorf("%w: the whereClause has %d unclosed '('", source.ErrBadFilter, depth)
	}
	return w + "\n", nil
}

// closingQuote returns the index of the quote q that ends a quoted run starting at i (a doubled
// quote is an escaped one), or -1.
func closingQuote(s string, i int, q byte) int {
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

// closingComment returns the index just after the "*/" that ends a block comment whose body
// starts at i, honouring nesting as SQL Server does, or -1.
func closingComment(s string, i int) int {
	depth := 1
	for i < len(s)-1 {
		switch {
		case s[i] == '/' && s[i+1] == '*':
			depth++
			i += 2
		case s[i] == '*' && s[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return -1
}
