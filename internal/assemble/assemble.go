// Package assemble turns source rows into complete BSON documents following a collection plan:
// output field paths (renames nest), null handling, type conversion, embedded documents and
// arrays assembled from related rows, and the document key (_id). It is pure: rows of embedded
// tables arrive through a Fetch function, so every mapping rule is unit-tested here.
package assemble

import (
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// MaxDocumentBytes is MongoDB's BSON document size limit.
const MaxDocumentBytes = 16 * 1024 * 1024

// RecordError is a row that cannot become a correct document (API.md, Record errors).
type RecordError struct {
	Collection string
	Table      project.TableRef
	// Key holds the root row's key columns as text, for the job event.
	Key map[string]string
	// Column names the offending column; for an embedded table it is "schema.table.column".
	Column string
	Reason string
}

// Error names the table, key and column.
func (e *RecordError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s", e.Table)
	if len(e.Key) > 0 {
		keys := make([]string, 0, len(e.Key))
		for k := range e.Key {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + e.Key[k]
		}
		fmt.Fprintf(&b, " key (%s)", strings.Join(parts, ", "))
	}
	if e.Column != "" {
		fmt.Fprintf(&b, " column %s", e.Column)
	}
	return b.String() + ": " + e.Reason
}

// Builder assembles the documents of one collection.
type Builder struct {
	plan    *project.CollectionPlan
	opts    convert.Options
	limits  convert.TargetLimits
	root    *tableAsm
	keyCols []int // indexes of the root's key columns in key order
	counts  map[string]map[convert.Note]int64
	// tables lists the embedded tables parents-first, the order in which they are fetched.
	tables []*tableAsm
	// checkDocs: the assembled document needs a CheckTarget walk of its own. Every value is
	// checked when it is converted; what only the whole document shows is a field name of the
	// plan the target refuses, or an array inside a primitive array, and most plans have
	// neither, which spares a second walk of every document.
	checkDocs bool
	// lastDoc is the size of the previous document, the first guess of the next one's buffer.
	lastDoc int
}

// New prepares a builder for plan. limits describes what the target cannot store.
func New(plan *project.CollectionPlan, opts convert.Options, limits convert.TargetLimits) (*Builder, error) {
	b := &Builder{plan: plan, opts: opts, limits: limits, counts: map[string]map[convert.Note]int64{}}
	var err error
	if b.root, err = newTableAsm(&plan.Root, nil); err != nil {
		return nil, fmt.Errorf("collection %s: %w", plan.Name, err)
	}
	for _, k := range plan.Root.KeyColumns {
		_, i, ok := plan.Root.Column(k)
		if !ok {
			return nil, fmt.Errorf("collection %s: key column %q is not read", plan.Name, k)
		}
		b.keyCols = append(b.keyCols, i)
	}
	if len(b.keyCols) == 0 && !plan.Staging {
		return nil, fmt.Errorf("collection %s: the root table has no key", plan.Name)
	}
	queue := slices.Clone(b.root.children)
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		b.tables = append(b.tables, t)
		queue = append(queue, t.children...)
	}
	b.checkDocs = needsDocCheck(b.root, limits)
	if limits.NoDottedOrDollarKeys && plan.KeyHandling == project.KeyWrapped {
		for _, i := range b.keyCols {
			b.checkDocs = b.checkDocs || badFieldName(plan.Root.Columns[i].IDName)
		}
	}
	return b, nil
}

// needsDocCheck reports whether documents of t's tree can hold something the target refuses
// that no value check sees (see Builder.checkDocs).
func needsDocCheck(t *tableAsm, limits convert.TargetLimits) bool {
	if limits.NoNestedArrays && t.plan.Primitive && t.plan.Kind == project.KindEmbeddedArray {
		return true
	}
	if limits.NoDottedOrDollarKeys {
		var bad func(nodes []*node) bool
		bad = func(nodes []*node) bool {
			for _, n := range nodes {
				if n.name != "" && badFieldName(n.name) || bad(n.children) {
					return true
				}
			}
			return false
		}
		if bad(t.fields) {
			return true
		}
	}
	for _, ch := range t.children {
		if needsDocCheck(ch, limits) {
			return true
		}
	}
	return false
}

// badFieldName mirrors CheckTarget's rule for field names: no '.', no leading '$'.
func badFieldName(name string) bool {
	return strings.Contains(name, ".") || strings.HasPrefix(name, "$")
}

// HasEmbedded reports whether documents need rows of other tables (then BuildChunk fetches them).
func (b *Builder) HasEmbedded() bool { return len(b.tables) > 0 }

// Notes returns, per column, how many values had each lossy-but-standard note (e.g. sub-millisecond
// digits truncated), for the WARNING events of the job.
func (b *Builder) Notes() map[string]map[convert.Note]int64 { return b.counts }

// KeyText returns the root row's key columns as text, for events and logs.
func (b *Builder) KeyText(row source.Row) map[string]string {
	m := make(map[string]string, len(b.keyCols))
	for _, i := range b.keyCols {
		m[b.plan.Root.Columns[i].Name] = keyText(row[i])
	}
	return m
}

// Fetch streams the rows of embedded table t whose link columns equal one of keys (text tuples),
// in link, then sort order. It is source.Snapshot.ReadByKeys in production.
type Fetch func(t *project.TablePlan, keys [][]string, fn func(source.Row) error) error

// Emit receives each assembled document, or the record error of a root row.
type Emit func(doc bson.Raw, rerr *RecordError) error

// BuildChunk assembles the documents of root rows (in order): it fetches the related rows of
// every embedded table with one Fetch call per table — parents before children — then builds
// each document. Rows passed in are retained during the call only.
func (b *Builder) BuildChunk(rows []source.Row, fetch Fetch, emit Emit) error {
	related := map[*tableAsm]map[string][]source.Row{}
	parents := map[*tableAsm][]source.Row{b.root: rows}
	for _, t := range b.tables {
		keys := distinctKeys(parents[t.parent], t.parentIdx)
		got := map[string][]source.Row{}
		var all []source.Row
		if len(keys) > 0 {
			err := fetch(t.plan, keys, func(r source.Row) error {
				r = slices.Clone(r)
				k, ok := textKey(r, t.linkIdx)
				if ok {
					got[k] = append(got[k], r)
					all = append(all, r)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		related[t] = got
		parents[t] = all
	}
	for _, r := range rows {
		doc, rerr := b.build(r, related)
		if err := emit(doc, rerr); err != nil {
			return err
		}
	}
	return nil
}

// Build assembles the document of one root row of a collection without embedded tables.
func (b *Builder) Build(row source.Row) (bson.Raw, *RecordError) {
	if b.HasEmbedded() {
		return nil, &RecordError{Collection: b.plan.Name, Table: b.plan.Root.Table, Reason: "internal error: Build called on a collection with embedded tables; use BuildChunk"}
	}
	return b.build(row, nil)
}

func distinctKeys(rows []source.Row, idx []int) [][]string {
	seen := map[string]bool{}
	var keys [][]string
	for _, r := range rows {
		k, ok := textKey(r, idx)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		tuple := make([]string, len(idx))
		for i, j := range idx {
			tuple[i] = r[j].(string)
		}
		keys = append(keys, tuple)
	}
	return keys
}

// textKey joins the text values at idx; a NULL in any of them means no match (SQL semantics).
func textKey(r source.Row, idx []int) (string, bool) {
	if len(idx) == 1 {
		s, ok := r[idx[0]].(string)
		return s, ok
	}
	var sb strings.Builder
	for i, j := range idx {
		s, ok := r[j].(string)
		if !ok {
			return "", false
		}
		if i > 0 {
			sb.WriteByte(0) // text values of SQL sources never contain NUL
		}
		sb.WriteString(s)
	}
	return sb.String(), true
}
