package store

import (
	"fmt"
	"sort"
	"strings"
)

// orderBy turns an API sort expression "<field>,ASC|DESC" into an ORDER BY
// clause. Only whitelisted fields map to columns, so user input never reaches
// SQL text. tiebreak is appended so equal keys still list in a stable order,
// which paging through results relies on.
func orderBy(expr, def string, columns map[string]string, tiebreak string) (string, error) {
	if expr == "" {
		expr = def
	}
	field, dir, ok := strings.Cut(expr, ",")
	col, known := columns[field]
	if !ok || !known || (dir != "ASC" && dir != "DESC") {
		names := make([]string, 0, len(columns))
		for k := range columns {
			names = append(names, k)
		}
		sort.Strings(names)
		return "", fmt.Errorf("sort %q: use <field>,ASC or <field>,DESC with field one of %s: %w",
			expr, strings.Join(names, ", "), ErrInvalid)
	}
	return " ORDER BY " + col + " " + dir + ", " + tiebreak, nil
}
