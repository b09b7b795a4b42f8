package project

import (
	"strings"
	"unicode"
)

// Casing styles for generated field and collection names (MAPPING.md, Fields).
const (
	CasingKeep       = "KEEP"
	CasingCamel      = "CAMEL_CASE"
	CasingTitle      = "TITLE_CASE"
	CasingKebab      = "KEBAB_CASE"
	CasingSnake      = "SNAKE_CASE"
	CasingUpperSnake = "UPPER_SNAKE_CASE"
)

// ApplyCasing renders a source identifier in the given style. Words are split at '_', '-', spaces
// and lower-to-upper or acronym boundaries, so SQL Server's "InvoiceLineId" and PostgreSQL's
// "invoice_line_id" both become "invoiceLineId" under CAMEL_CASE.
func ApplyCasing(name, style string) string {
	if style == "" || style == CasingKeep {
		return name
	}
	words := splitWords(name)
	if len(words) == 0 {
		return name
	}
	switch style {
	case CasingCamel, CasingTitle:
		var b strings.Builder
		for i, w := range words {
			w = strings.ToLower(w)
			if i == 0 && style == CasingCamel {
				b.WriteString(w)
				continue
			}
			b.WriteString(upperFirst(w))
		}
		return b.String()
	case CasingKebab:
		return strings.ToLower(strings.Join(words, "-"))
	case CasingSnake:
		return strings.ToLower(strings.Join(words, "_"))
	case CasingUpperSnake:
		return strings.ToUpper(strings.Join(words, "_"))
	}
	return name
}

func upperFirst(w string) string {
	r := []rune(w)
	if len(r) == 0 {
		return w
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || unicode.IsSpace(r):
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// "invoiceLine" splits before L; "HTTPServer" splits before S (acronym end).
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
