package convert

import (
	"strings"
	"unicode/utf8"
)

// Characters of the field-name rule (see the package documentation).
const (
	fullwidthStop   = '\uFF0E' // stands for '.'
	fullwidthDollar = '\uFF04' // stands for a leading '$'
	symbolForNull   = '\u2400' // stands for NUL
	escapeRune      = '\uFF3C' // FULLWIDTH REVERSE SOLIDUS: the next rune is literal
)

// FieldName maps a column name to a field name MongoDB accepts everywhere,
// reversibly: '.' becomes U+FF0E FULLWIDTH FULL STOP, a leading '$' becomes
// U+FF04 FULLWIDTH DOLLAR SIGN, NUL becomes U+2400 SYMBOL FOR NULL, and any of
// U+FF0E, U+FF04, U+2400 or U+FF3C already in the name is preceded by U+FF3C
// FULLWIDTH REVERSE SOLIDUS so OriginalFieldName can tell them apart. Names
// without these characters are returned unchanged.
func FieldName(column string) string {
	if !strings.ContainsAny(column, ".\x00\uFF0E\uFF04\u2400\uFF3C") && !strings.HasPrefix(column, "$") {
		return column
	}
	var b strings.Builder
	b.Grow(len(column) + 8)
	for i := 0; i < len(column); {
		r, n := utf8.DecodeRuneInString(column[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteByte(column[i]) // keep invalid bytes as they are
		case r == '.':
			b.WriteRune(fullwidthStop)
		case r == '$' && i == 0:
			b.WriteRune(fullwidthDollar)
		case r == 0:
			b.WriteRune(symbolForNull)
		case r == fullwidthStop || r == fullwidthDollar || r == symbolForNull || r == escapeRune:
			b.WriteRune(escapeRune)
			b.WriteRune(r)
		default:
			b.WriteString(column[i : i+n])
		}
		i += n
	}
	return b.String()
}

// OriginalFieldName inverts FieldName: OriginalFieldName(FieldName(c)) == c
// for every c.
func OriginalFieldName(field string) string {
	if !strings.ContainsAny(field, "\uFF0E\uFF04\u2400\uFF3C") {
		return field
	}
	var b strings.Builder
	b.Grow(len(field))
	for i := 0; i < len(field); {
		r, n := utf8.DecodeRuneInString(field[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteByte(field[i])
		case r == escapeRune && i+n < len(field):
			r2, n2 := utf8.DecodeRuneInString(field[i+n:])
			if r2 == utf8.RuneError && n2 <= 1 {
				b.WriteByte(field[i+n])
				n++
			} else {
				b.WriteString(field[i+n : i+n+n2])
				n += n2
			}
		case r == fullwidthStop:
			b.WriteByte('.')
		case r == fullwidthDollar:
			b.WriteByte('$')
		case r == symbolForNull:
			b.WriteByte(0)
		default:
			b.WriteString(field[i : i+n])
		}
		i += n
	}
	return b.String()
}
