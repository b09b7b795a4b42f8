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
		r := &resolver{p: p, cat: cat, filters: filters}
		plan := r.collection(c, fmt.Sprintf("$.collections[%d]", i))
		ps = append(ps, r.problems...)
		plans = append(plans, plan)
	}
	return plans, ps
}

// resolver resolves one collection and collects its problems.
type resolver struct {
	p        *Project
	cat      *schema.Catalog
	filters  map[string]map[string]TableFilter
	problems Problems
}

func (r *resolver) add(path, format string, args ...any) {
	r.problems = append(r.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (r *resolver) filter(t TableRef) TableFilter {
	if f, ok := Filter(r.filters, t); ok {
		return f
	}
	f, _ := Filter(r.p.TableFilters, t)
	return f
}

// outputs tracks the output field names of one document level, to find clashes.
type outputs map[string]outputClaim // output path -> what produced it

// outputClaim is what produced an output field and the JSON path of the rule that did, so that
// a clash found later is reported where the user has to change something.
type outputClaim struct{ by, path string }

func (o outputs) claim(r *resolver, path string, name []string, by string) {
	joined := strings.Join(name, ".")
	if other, dup := o[joined]; dup {
		r.add(path, "output field %q is produced twice (by %s and by %s); rename or exclude one", joined, other.by, by)
		return
	}
	o[joined] = outputClaim{by: by, path: path}
}

// checkPrefixes reports an output field that is both a value and the parent of another field
// (e.g. "billing" and "billing.state"), at the path of the rule producing the nested field.
func (o outputs) checkPrefixes(r *resolver) {
	names := make([]string, 0, len(o))
	for n := range o {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, a := range names {
		for _, b := range names {
			if strings.HasPrefix(b, a+".") {
				r.add(o[b].path, "output field %q (%s) would nest inside field %q (%s)", b, o[b].by, a, o[a].by)
			}
		}
	}
}

func (r *resolver) collection(c *Collection, path string) CollectionPlan {
	plan := CollectionPlan{Name: c.Name, KeyHandling: r.p.CollectionKeyHandling(c)}
	table, ok := r.cat.Table(c.Table.Schema, c.Table.Name)
	if !ok {
		r.add(path+".table", "table %s does not exist in the source (or is not visible to this user)", c.Table)
		return plan
	}
	key := tableKey(table)
	if len(key) == 0 {
		// MAPPING.md, Keys: fresh ObjectIds, one pass, written to a staging collection that
		// replaces the target when the table is done — so a re-run replaces the collection.
		plan.Staging = true
		plan.KeyHandling = KeyGenerated
	}
	if plan.KeyHandling == KeySingle && len(key) > 1 {
		plan.KeyHandling = KeyWrapped // MAPPING.md: a composite key falls back to WRAPPED
	}
	root := TablePlan{Table: c.Table, KeyColumns: slices.Clone(key), Filter: r.filter(c.Table), EstimatedRows: table.EstimatedRows}
	out := outputs{"_id": {by: "the document key", path: path}}
	r.columns(&root, table, c.Fields, path, out, func(col string) (keyPart int, inID bool) {
		keyPart = slices.Index(key, col) + 1
		return keyPart, keyPart > 0 && plan.KeyHandling != KeyGenerated && !c.KeepKeyFields
	})
	for i := range c.Embedded {
		r.embedded(&root, table, &c.Embedded[i], fmt.Sprintf("%s.embedded[%d]", path, i), out)
	}
	out.checkPrefixes(r)
	finishText(&root)
	plan.Root = root
	return plan
}

// tableKey returns the primary key, else the first unique key on NOT NULL columns.
func tableKey(t *schema.Table) []string {
	if len(t.PrimaryKey) > 0 {
		return t.PrimaryKey
	}
	if len(t.UniqueKeys) > 0 {
		return t.UniqueKeys[0]
	}
	return nil
}

// columns adds the columns of table to plan with their output names. keyInfo says, for the
// root, whether a column is part of _id and whether it is moved there (not emitted).
func (r *resolver) columns(plan *TablePlan, table *schema.Table, fields map[string]Field, path string, out outputs, keyInfo func(string) (int, bool)) {
	casing := r.p.Settings.Casing
	for col := range fields {
		if _, ok := table.Column(col); !ok {
			r.add(fmt.Sprintf("%s.fields[%q]", path, col), "column %q does not exist in table %s", col, plan.Table)
		}
	}
	for _, col := range table.Columns {
		f := fields[col.Name]
		fp := fmt.Sprintf("%s.fields[%q]", path, col.Name)
		cp := ColumnPlan{Name: col.Name, DataType: col.DataType, Kind: col.Kind, Element: col.Element, Scale: col.Scale, Override: f.Type}
		// An unknown type name is Validate's problem; report only known overrides that cannot apply.
		if typeOverrides[f.Type] && !convert.OverrideAppliesTo(cp.ConvertColumn()) {
			r.add(fp+".type", "a %s column cannot be converted to %s", col.DataType, f.Type)
		}
		nh := f.NullHandling
		if nh == "" {
			nh = r.p.Settings.NullHandling
		}
		cp.OmitNull = nh == NullOmit
		keyPart, inID := 0, false
		if keyInfo != nil {
			keyPart, inID = keyInfo(col.Name)
		}
		if keyPart > 0 {
			cp.KeyPart = keyPart
			cp.IDName = convert.FieldName(ApplyCasing(col.Name, casing))
		}
		if !f.Exclude && !inID {
			if f.Rename != "" {
				cp.Output = strings.Split(f.Rename, ".")
			} else {
				cp.Output = []string{convert.FieldName(ApplyCasing(col.Name, casing))}
			}
			out.claim(r, fp, cp.Output, "column "+col.Name)
		}
		plan.Columns = append(plan.Columns, cp)
	}
}

// embedded resolves one embedding rule under parent.
func (r *resolver) embedded(parent *TablePlan, parentTable *schema.Table, e *Embedded, path string, parentOut outputs) {
	table, ok := r.cat.Table(e.Table.Schema, e.Table.Name)
	if !ok {
		r.add(path+".table", "table %s does not exist in the source (or is not visible to this user)", e.Table)
		return
	}
	child := TablePlan{Table: e.Table, Kind: e.Kind, Sort: e.Sort, Limit: e.Limit, Primitive: e.Primitive, Merge: e.Merge,
		Reverse: e.Reverse, KeyColumns: slices.Clone(tableKey(table)), EstimatedRows: table.EstimatedRows,
		OmitEmpty: r.p.Settings.NullHandling == NullOmit}
	if e.Field != "" {
		child.Field = strings.Split(e.Field, ".")
	}
	var linkOK bool
	switch {
	case e.Kind == KindEmbeddedArray || (e.Kind == KindEmbeddedDocument && e.Reverse):
		// The embedded table references the parent.
		child.LinkColumns, child.ParentColumns, linkOK = r.link(path, table, parentTable, e.Via)
	case e.Kind == KindEmbeddedDocument:
		// The parent references the embedded table.
		child.ParentColumns, child.LinkColumns, linkOK = r.link(path, parentTable, table, e.Via)
	default:
		return // Validate reported the kind
	}
	if e.Kind == KindEmbeddedArray {
		child.Filter = r.filter(e.Table) // filters never apply to EMBEDDED_DOCUMENT lookups (MAPPING.md)
	}
	for j, s := range e.Sort {
		if _, ok := table.Column(s.Column); !ok && s.Column != "" { // Validate reports a missing column
			r.add(fmt.Sprintf("%s.sort[%d].column", path, j), "sort column %q does not exist in table %s", s.Column, e.Table)
		}
	}
	own := outputs{}
	if e.Merge {
		own = parentOut
	} else if e.Field != "" {
		parentOut.claim(r, path+".field", child.Field, "embedded "+e.Table.String())
	}
	r.columns(&child, table, e.Fields, path, own, nil)
	if !linkOK {
		child.LinkColumns, child.ParentColumns = nil, nil
	}
	emitted := 0
	for _, c := range child.Columns {
		if len(c.Output) > 0 {
			emitted++
		}
	}
	if e.Primitive && (emitted != 1 || len(e.Embedded) > 0) {
		r.add(path+".primitive", "a primitive array needs exactly one included column and no embedded rules (got %d columns)", emitted)
	}
	for i := range e.Embedded {
		r.embedded(&child, table, &e.Embedded[i], fmt.Sprintf("%s.embedded[%d]", path, i), own)
	}
	if !e.Merge {
		own.checkPrefixes(r)
	}
	finishText(&child)
	parent.Embedded = append(parent.Embedded, child)
}

// link finds the columns by which table `from` references table `to` (MAPPING.md, via).
func (r *resolver) link(path string, from, to *schema.Table, via *Via) (fromCols, toCols []string, ok bool) {
	fromRef := TableRef{Schema: from.Schema, Name: from.Name}
	toRef := TableRef{Schema: to.Schema, Name: to.Name}
	var fks []schema.ForeignKey
	for _, fk := range from.ForeignKeys {
		if fk.RefSchema == to.Schema && fk.RefTable == to.Name {
			fks = append(fks, fk)
		}
	}
	switch {
	case via != nil && via.Constraint != "":
		for _, fk := range fks {
			if fk.Name == via.Constraint {
				return fk.Columns, fk.RefColumns, true
			}
		}
		r.add(path+".via.constraint", "no foreign key named %q from %s to %s", via.Constraint, fromRef, toRef)
		return nil, nil, false
	case via != nil && len(via.Columns) > 0:
		refs := via.References
		if len(refs) == 0 {
			refs = to.PrimaryKey
		}
		if len(refs) != len(via.Columns) {
			r.add(path+".via", "%d via columns on %s do not match the %d key columns %v of %s; give via.references", len(via.Columns), fromRef, len(refs), refs, toRef)
			return nil, nil, false
		}
		good := true
		for i, c := range via.Columns {
			fc, ok1 := from.Column(c)
			tc, ok2 := to.Column(refs[i])
			switch {
			case !ok1:
				r.add(path+".via.columns", "column %q does not exist in table %s", c, fromRef)
				good = false
			case !ok2:
				r.add(path+".via.references", "column %q does not exist in table %s", refs[i], toRef)
				good = false
			case !compatibleKinds(fc.Kind, tc.Kind):
				r.add(path+".via.columns", "column %s.%s (%s) cannot be matched with %s.%s (%s)", fromRef, c, fc.DataType, toRef, refs[i], tc.DataType)
				good = false
			}
		}
		if len(via.References) > 0 && good && !isUniqueKey(to, refs) {
			r.add(path+".via.references", "columns %v of %s are not its primary key or a unique NOT NULL key", refs, toRef)
			good = false
		}
		return via.Columns, refs, good
	case len(fks) == 1:
		return fks[0].Columns, fks[0].RefColumns, true
	case len(fks) == 0:
		r.add(path+".via", "no foreign key from %s to %s; name the columns with via.columns", fromRef, toRef)
	default:
		names := make([]string, len(fks))
		for i, fk := range fks {
			names[i] = fk.Name
		}
		r.add(path+".via", "%d foreign keys from %s to %s (%s): say which with via.constraint", len(fks), fromRef, toRef, strings.Join(names, ", "))
	}
	return nil, nil, false
}

func isUniqueKey(t *schema.Table, cols []string) bool {
	if slices.Equal(t.PrimaryKey, cols) {
		return true
	}
	for _, u := range t.UniqueKeys {
		if slices.Equal(u, cols) {
			return true
		}
	}
	return false
}

// compatibleKinds reports whether values of the two kinds can be equal (a synthetic FK).
func compatibleKinds(a, b convert.Kind) bool {
	isInt := func(k convert.Kind) bool { return k == convert.KindInt32 || k == convert.KindInt64 }
	return a == b || (isInt(a) && isInt(b))
}

// finishText lists the columns read as text — the table's own link columns and the parent
// columns its children match on — and drops the columns that are neither emitted, nor part of
// the key, nor needed for a link (excluded columns are not read at all).
func finishText(t *TablePlan) {
	add := func(name string) {
		if !slices.Contains(t.TextColumns, name) {
			t.TextColumns = append(t.TextColumns, name)
		}
	}
	for _, c := range t.LinkColumns {
		add(c)
	}
	for _, ch := range t.Embedded {
		for _, c := range ch.ParentColumns {
			add(c)
		}
	}
	t.Columns = slices.DeleteFunc(t.Columns, func(c ColumnPlan) bool {
		return len(c.Output) == 0 && c.KeyPart == 0 && !slices.Contains(t.TextColumns, c.Name)
	})
}
