package project

import (
	"fmt"
	"slices"
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/schema"
)

// Resolve checks the project against a live catalog and builds the plan of each selected
// collection. only, when non-empty, selects collections by name (a job's collectionFilters);
// filters, when non-nil, replace the project's table filters per table (a job's
// relationalTableFilters). Every problem is returned at once, each with its JSON path.
func Resolve(p *Project, cat *schema.Catalog, only []string, filters map[string]map[string]TableFilter) ([]CollectionPlan, Problems) {
	var ps Problems
	for _, name := range only {
		if !slices.ContainsFunc(p.Collections, func(c Collection) bool { return c.Name == name }) {
			ps = append(ps, Problem{Path: "$.collectionFilters", Message: fmt.Sprintf("collection %q is not defined in the project", name)})
		}
	}
	var plans []CollectionPlan
	for i := range p.Collections {
		c := &p.Collections[i]
		if len(only) > 0 && !slices.Contains(only, c.Name) {
			continue
		}
		path := fmt.Sprintf("$.collections[%d]", i)
		plan, cps := resolveCollection(p, c, path, cat, filters)
		ps = append(ps, cps...)
		plans = append(plans, plan)
	}
	return plans, ps
}

func effectiveFilter(p *Project, t TableRef, override map[string]map[string]TableFilter) TableFilter {
	if f, ok := Filter(override, t); ok {
		return f
	}
	f, _ := Filter(p.TableFilters, t)
	return f
}

func resolveCollection(p *Project, c *Collection, path string, cat *schema.Catalog, filters map[string]map[string]TableFilter) (CollectionPlan, Problems) {
	var ps Problems
	plan := CollectionPlan{Name: c.Name, KeyHandling: p.CollectionKeyHandling(c)}
	table, ok := cat.Table(c.Table.Schema, c.Table.Name)
	if !ok {
		ps = append(ps, Problem{Path: path + ".table", Message: fmt.Sprintf("table %s does not exist in the source (or is not visible to this user)", c.Table)})
		return plan, ps
	}
	key := table.PrimaryKey
	if len(key) == 0 && len(table.UniqueKeys) > 0 {
		key = table.UniqueKeys[0]
	}
	if len(key) == 0 {
		ps = append(ps, Problem{Path: path + ".table", Message: fmt.Sprintf("table %s has no primary key or unique NOT NULL key; keyless tables are not supported yet — add a primary key or a unique index on NOT NULL columns", c.Table)})
		return plan, ps
	}
	if plan.KeyHandling == KeySingle && len(key) > 1 {
		plan.KeyHandling = KeyWrapped // MAPPING.md: a composite key falls back to WRAPPED
	}
	casing := p.Settings.Casing
	nullDefault := p.Settings.NullHandling
	root := TablePlan{Table: c.Table, KeyColumns: slices.Clone(key), Filter: effectiveFilter(p, c.Table, filters), EstimatedRows: table.EstimatedRows}
	for col := range c.Fields {
		if _, ok := table.Column(col); !ok {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.fields[%q]", path, col), Message: fmt.Sprintf("column %q does not exist in table %s", col, c.Table)})
		}
	}
	outputs := map[string]string{} // output path -> column that produced it
	for _, col := range table.Columns {
		f := c.Fields[col.Name]
		keyPart := slices.Index(key, col.Name) + 1
		cp := ColumnPlan{Name: col.Name, DataType: col.DataType, Kind: col.Kind, Element: col.Element, Scale: col.Scale, Override: f.Type}
		if f.Type != "" && !convert.OverrideApplies(col.Kind, f.Type) {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.fields[%q].type", path, col.Name), Message: fmt.Sprintf("a %s column cannot be converted to %s", col.DataType, f.Type)})
		}
		nh := f.NullHandling
		if nh == "" {
			nh = nullDefault
		}
		cp.OmitNull = nh == NullOmit
		inID := keyPart > 0 && plan.KeyHandling != KeyGenerated
		if keyPart > 0 {
			cp.KeyPart = keyPart
			cp.IDName = convert.FieldName(ApplyCasing(col.Name, casing))
		}
		emit := !f.Exclude && (!inID || c.KeepKeyFields)
		if f.Exclude && keyPart > 0 && plan.KeyHandling == KeyGenerated {
			emit = false
		}
		if emit {
			var out []string
			if f.Rename != "" {
				out = strings.Split(f.Rename, ".")
			} else {
				out = []string{convert.FieldName(ApplyCasing(col.Name, casing))}
			}
			joined := strings.Join(out, ".")
			if other, dup := outputs[joined]; dup {
				ps = append(ps, Problem{Path: fmt.Sprintf("%s.fields[%q]", path, col.Name), Message: fmt.Sprintf("output field %q is also produced by column %q; rename one of them", joined, other)})
			}
			if joined == "_id" {
				ps = append(ps, Problem{Path: fmt.Sprintf("%s.fields[%q]", path, col.Name), Message: "output field _id is reserved for the document key; rename the column"})
			}
			outputs[joined] = col.Name
			cp.Output = out
		}
		if emit || keyPart > 0 {
			root.Columns = append(root.Columns, cp)
		}
	}
	ps = append(ps, prefixClashes(path, outputs)...)
	if len(c.Embedded) > 0 {
		ps = append(ps, Problem{Path: path + ".embedded", Message: "embedded rules are not supported by this build yet"})
	}
	plan.Root = root
	return plan, ps
}

// prefixClashes reports an output field that is both a value and the parent of another field
// (e.g. "billing" and "billing.state").
func prefixClashes(path string, outputs map[string]string) Problems {
	var ps Problems
	names := make([]string, 0, len(outputs))
	for n := range outputs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, a := range names {
		for _, b := range names {
			if strings.HasPrefix(b, a+".") {
				ps = append(ps, Problem{Path: fmt.Sprintf("%s.fields[%q]", path, outputs[b]), Message: fmt.Sprintf("output field %q would nest inside field %q, which already holds column %q", b, a, outputs[a])})
			}
		}
	}
	return ps
}
