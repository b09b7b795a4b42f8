package apiserver

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/relmongo/relmongo/internal/project"
)

// tableFilterProblems lists the relationalTableFilters entries that would do nothing: a table
// the project does not map, or one only collections outside collectionFilters (only) read. A
// filter that silently does nothing would copy rows the user meant to leave out, so each is a
// 400. projectID names the project in the messages.
func tableFilterProblems(p *project.Project, projectID string, only []string, filters map[string]map[string]project.TableFilter) []string {
	if len(filters) == 0 {
		return nil
	}
	all := map[string]bool{}      // every table the project maps
	selected := map[string]bool{} // the tables this job reads
	var walk func(emb []project.Embedded, sel bool)
	add := func(t project.TableRef, sel bool) {
		all[t.String()] = true
		if sel {
			selected[t.String()] = true
		}
	}
	walk = func(emb []project.Embedded, sel bool) {
		for _, e := range emb {
			add(e.Table, sel)
			walk(e.Embedded, sel)
		}
	}
	for _, c := range p.Collections {
		sel := len(only) == 0 || slices.Contains(only, c.Name)
		add(c.Table, sel)
		walk(c.Embedded, sel)
	}
	var unknown, unselected []string
	for schemaName, tables := range filters {
		for table := range tables {
			name := project.TableRef{Schema: schemaName, Name: table}.String()
			switch {
			case !all[name]:
				unknown = append(unknown, name)
			case !selected[name]:
				unselected = append(unselected, name)
			}
		}
	}
	sort.Strings(unknown)
	sort.Strings(unselected)
	var probs []string
	if len(unknown) > 0 {
		known := make([]string, 0, len(all))
		for t := range all {
			known = append(known, t)
		}
		sort.Strings(known)
		probs = append(probs, fmt.Sprintf("relationalTableFilters names %s, which %s of project %s (its tables: %s)",
			strings.Join(unknown, ", "), notTables(len(unknown)), projectID, strings.Join(known, ", ")))
	}
	if len(unselected) > 0 {
		probs = append(probs, fmt.Sprintf("relationalTableFilters names %s, which %s not migrated by this job: only collections outside collectionFilters %v read %s; remove the filter or select a collection that reads the table",
			strings.Join(unselected, ", "), isAre(len(unselected)), only, itThem(len(unselected))))
	}
	return probs
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func notTables(n int) string {
	if n == 1 {
		return "is not a table"
	}
	return "are not tables"
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
