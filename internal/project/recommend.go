package project

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/schema"
)

// Default mappings of POST /project (MAPPING.md, Default mappings when creating from a live source).
const (
	// MappingOneToOne is one collection per table, no embedding.
	MappingOneToOne = "ONE_TO_ONE"
	// MappingRecommended embeds child, join and small lookup tables (see Recommend).
	MappingRecommended = "RECOMMENDED"
)

// Thresholds of RECOMMENDED. They are judged on the catalog's row estimates, so a recommendation
// never scans the data; the reasons quote the estimates they used.
const (
	// RecommendLookupMaxRows is the largest row estimate of a table that RECOMMENDED treats as a
	// lookup (code) table. Larger tables are entities of their own: embedding them as documents
	// would drop their rows that nothing references.
	RecommendLookupMaxRows = 100
	// RecommendMaxAverageElements bounds the average array length (child rows per parent row) of
	// a child table that RECOMMENDED embeds although its primary key does not contain the link
	// to its parent (an "owned" child such as invoice_line): beyond it the child is more likely a
	// log that grows without bound, and a collection is the safer default.
	RecommendMaxAverageElements = 1000
)

// DefaultOptions describe the project a default mapping builds.
type DefaultOptions struct {
	// Name is the project name.
	Name string
	// SourceType is the source database type (POSTGRESQL, SQL_SERVER, SQLITE).
	SourceType string
	// Schemas are the schemas the project reads.
	Schemas []string
	// Casing is applied to the generated collection and embedded field names and becomes the
	// project's casing setting ("" = KEEP).
	Casing string
}

// Reason explains one choice of a default mapping: why a table became a collection, or why and
// how it is embedded at one place of a collection's tree.
type Reason struct {
	// Collection is the collection the choice belongs to.
	Collection string `json:"collection"`
	// Path is the JSON path of the rule in the project document (a collection or an embedded rule).
	Path string `json:"path"`
	// Table is the table of the rule (schema.name).
	Table string `json:"table"`
	// Reason says why, in words, with the catalog facts it relied on.
	Reason string `json:"reason"`
}

// newDefaultProject returns the common part of both default mappings. Key handling SINGLE makes
// `_id` the primary-key value (a composite key falls back to WRAPPED, MAPPING.md).
func newDefaultProject(opts DefaultOptions, description string) *Project {
	casing := opts.Casing
	if casing == "" {
		casing = CasingKeep
	}
	return &Project{
		Version:     CurrentVersion,
		Name:        opts.Name,
		Description: description,
		Source:      Source{Type: opts.SourceType, Schemas: slices.Clone(opts.Schemas)},
		Settings:    Settings{KeyHandling: KeySingle, Casing: casing, NullHandling: NullInclude},
		Collections: []Collection{},
	}
}

// OneToOne builds the ONE_TO_ONE mapping of every table of cat: one collection per table, named
// like the table (with opts.Casing applied; schema_table when two schemas have a table of that
// name), no field options, no embedding, key handling SINGLE. Collections are ordered by schema
// and table name, so the result does not depend on the catalog's order.
func OneToOne(cat *schema.Catalog, opts DefaultOptions) *Project {
	p := newDefaultProject(opts, fmt.Sprintf("ONE_TO_ONE default mapping of %s: one collection per table, no embedding.", schemaList(opts.Schemas)))
	tables := sortedTables(cat)
	names := collectionNames(tables, opts.Casing)
	for _, t := range tables {
		p.Collections = append(p.Collections, Collection{Name: names[refOf(t)], Table: refOf(t)})
	}
	return p
}

// Recommend builds the RECOMMENDED mapping of every table of cat and explains each choice. It is a
// pure function of the catalog (tables, keys, foreign keys, nullability and row estimates). Only
// foreign keys between tables of cat count: a reference to a table outside it stays a plain field.
//
// The rules, in the order they are decided:
//
//  1. Child (MAPPING.md): a table whose primary key contains exactly one foreign key to another
//     table, as a proper part of the key (order_item(order_id, line_no)), is embedded as an
//     EMBEDDED_DOCUMENT_ARRAY in that parent. When the key is exactly that foreign key the table
//     holds at most one row per parent (an extension table) and is embedded as a reverse
//     EMBEDDED_DOCUMENT instead.
//  2. Join table (MAPPING.md): a table whose primary key is exactly the columns of two foreign keys
//     is a many-to-many. It becomes an array in the table its primary key starts with
//     (playlist_track(playlist_id, track_id) -> playlist.tracks[]), each element with the far
//     table merged in when the join table has no other columns (a pure join table), or under a
//     field named after the far table's foreign key otherwise.
//  3. Lookup (MAPPING.md): a small table (at most RecommendLookupMaxRows rows by estimate) with no
//     foreign keys of its own, referenced by exactly one other table and holding no array, is
//     embedded as an EMBEDDED_DOCUMENT wherever that table appears, in place of the foreign-key
//     column; it is not a collection of its own.
//  4. Owned child (relmongo's extension of rule 1 for surrogate keys): a table that no table
//     references, with a key of its own, and with exactly one NOT NULL foreign key to a table
//     that nothing else references, is embedded as an array in that table when its estimated
//     rows per parent row are at most RecommendMaxAverageElements (invoice_line -> invoice.lines[]:
//     its other foreign key, to track, leads to a table shared with playlist_track, so it cannot
//     be the owner). An ambiguous, nullable or unbounded link leaves the table a collection.
//  5. Everything else is a collection named like its table (as in OneToOne).
//
// Embedded rules leave out the columns that merely repeat the link (the parent's key in an array
// element, the foreign key replaced by a lookup document). Array field names are the child table's
// name without its parent's name, pluralized (invoice_line under invoice -> lines); document field
// names are the foreign-key column without its _id suffix (genre_id -> genre). Array order is the
// embedded table's key order (the default sort). A reason is returned for every collection and
// every embedded rule, in document order.
func Recommend(cat *schema.Catalog, opts DefaultOptions) (*Project, []Reason) {
	p := newDefaultProject(opts, fmt.Sprintf("RECOMMENDED default mapping of %s: child and join tables embedded as arrays in their parent, small lookup tables as documents, everything else a collection.", schemaList(opts.Schemas)))
	r := newRecommender(cat, opts)
	r.classify()
	r.nameFields()
	for _, rt := range r.tables {
		if rt.role != roleCollection {
			continue
		}
		c := Collection{Name: r.collNames[rt.ref], Table: rt.ref}
		path := fmt.Sprintf("$.collections[%d]", len(p.Collections))
		r.note(c.Name, path, rt, rt.why)
		c.Fields, c.Embedded = r.body(rt, c.Name, path, true)
		p.Collections = append(p.Collections, c)
	}
	return p, r.reasons
}

// role is where RECOMMENDED puts a table.
type role int

const (
	roleCollection role = iota
	roleChild           // rule 1: array in parent
	roleExtension       // rule 1: reverse document in parent
	roleJoin            // rule 2: array in parent with the far table
	roleLookup          // rule 3: document in the one referencing table
	roleOwned           // rule 4: array in parent
)

// inRef is a foreign key of a catalog table that references the table it is listed under.
type inRef struct {
	from *rtable
	fk   *schema.ForeignKey
}

// lookupEmbed is a lookup document embedded in its referencing table.
type lookupEmbed struct {
	lookup *rtable
	fk     *schema.ForeignKey
	field  string
}

// rtable is one table of the catalog with what RECOMMENDED decided for it.
type rtable struct {
	t        *schema.Table
	ref      TableRef
	incoming []inRef
	role     role
	// parent and link: for roleChild, roleExtension, roleJoin and roleOwned, the parent table and
	// this table's foreign key to it.
	parent *rtable
	link   *schema.ForeignKey
	// far and farLink: for roleJoin, the far table and the foreign key to it; merge when the join
	// table has no other columns.
	far     *rtable
	farLink *schema.ForeignKey
	merge   bool
	// lookupOf is the referencing table of a roleLookup table.
	lookupOf *rtable
	// why is the reason of the table's role.
	why string
	// Filled by nameFields: columns left out, lookup documents and children with their fields.
	excluded   []string
	lookups    []lookupEmbed
	children   []*rtable
	childField map[*rtable]string
	farField   string
}

type recommender struct {
	opts      DefaultOptions
	tables    []*rtable
	byRef     map[TableRef]*rtable
	collNames map[TableRef]string
	qualify   bool
	reasons   []Reason
}

func newRecommender(cat *schema.Catalog, opts DefaultOptions) *recommender {
	r := &recommender{opts: opts, byRef: map[TableRef]*rtable{}}
	sorted := sortedTables(cat)
	schemas := map[string]bool{}
	for _, t := range sorted {
		rt := &rtable{t: t, ref: refOf(t), childField: map[*rtable]string{}}
		r.tables = append(r.tables, rt)
		r.byRef[rt.ref] = rt
		schemas[t.Schema] = true
	}
	r.qualify = len(schemas) > 1
	r.collNames = collectionNames(sorted, opts.Casing)
	for _, rt := range r.tables {
		for _, fk := range fksOf(rt) {
			if target := r.target(fk); target != nil {
				target.incoming = append(target.incoming, inRef{from: rt, fk: fk})
			}
		}
	}
	return r
}

// fksOf returns rt's foreign keys ordered by the position of their first column, then by name, so
// that no decision or reason depends on the order in which a dialect lists constraints.
func fksOf(rt *rtable) []*schema.ForeignKey {
	out := make([]*schema.ForeignKey, 0, len(rt.t.ForeignKeys))
	for i := range rt.t.ForeignKeys {
		out = append(out, &rt.t.ForeignKeys[i])
	}
	slices.SortStableFunc(out, func(a, b *schema.ForeignKey) int {
		var ca, cb int
		if len(a.Columns) > 0 {
			ca = columnIndex(rt.t, a.Columns[0])
		}
		if len(b.Columns) > 0 {
			cb = columnIndex(rt.t, b.Columns[0])
		}
		if ca != cb {
			return ca - cb
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// target returns the catalog table fk references, nil when it is outside the catalog.
func (r *recommender) target(fk *schema.ForeignKey) *rtable {
	return r.byRef[TableRef{Schema: fk.RefSchema, Name: fk.RefTable}]
}

// name renders a table for reasons: its bare name, or schema.name when several schemas are read.
func (r *recommender) name(rt *rtable) string {
	if r.qualify {
		return rt.ref.String()
	}
	return rt.ref.Name
}

func (r *recommender) names(ts []*rtable) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = r.name(t)
	}
	return strings.Join(out, ", ")
}

func (r *recommender) note(collection, path string, rt *rtable, reason string) {
	r.reasons = append(r.reasons, Reason{Collection: collection, Path: path, Table: rt.ref.String(), Reason: reason})
}

// classify decides every table's role, rule by rule (see Recommend).
func (r *recommender) classify() {
	for _, rt := range r.tables {
		r.classifyByKey(rt)
	}
	r.breakCycles()
	for _, rt := range r.tables {
		if rt.role == roleCollection {
			r.classifyLookup(rt)
		}
	}
	for _, rt := range r.tables {
		if rt.role == roleCollection {
			r.classifyOwned(rt)
		}
	}
	for _, rt := range r.tables {
		if rt.role == roleCollection {
			rt.why = r.collectionWhy(rt)
		}
	}
}

// pkForeignKeys returns the foreign keys to catalog tables whose columns all belong to the
// primary key of rt.
func (r *recommender) pkForeignKeys(rt *rtable) []*schema.ForeignKey {
	var out []*schema.ForeignKey
	for _, fk := range fksOf(rt) {
		if r.target(fk) != nil && len(rt.t.PrimaryKey) > 0 && subset(fk.Columns, rt.t.PrimaryKey) {
			out = append(out, fk)
		}
	}
	return out
}

// classifyByKey applies rules 1 and 2, which read the primary key.
func (r *recommender) classifyByKey(rt *rtable) {
	pk := rt.t.PrimaryKey
	fks := r.pkForeignKeys(rt)
	switch {
	case len(fks) == 1 && r.target(fks[0]) != rt:
		parent := r.target(fks[0])
		rt.parent, rt.link = parent, fks[0]
		if sameSet(fks[0].Columns, pk) {
			rt.role = roleExtension
			rt.why = fmt.Sprintf("%s's primary key (%s) is exactly its foreign key %s to %s: it holds at most one row per %s row and only makes sense with it, so it is embedded as a document (reverse: true) in %s",
				r.name(rt), cols(pk), fks[0].Name, r.name(parent), r.name(parent), r.name(parent))
			return
		}
		rt.role = roleChild
		rt.why = fmt.Sprintf("%s's primary key (%s) contains exactly one foreign key, %s (%s) to %s: its rows only make sense under one %s row, so it is embedded as an array in %s%s",
			r.name(rt), cols(pk), fks[0].Name, cols(fks[0].Columns), r.name(parent), r.name(parent), r.name(parent), r.average(rt, parent))
	case len(fks) == 2 && sameSet(append(slices.Clone(fks[0].Columns), fks[1].Columns...), pk) &&
		r.target(fks[0]) != rt && r.target(fks[1]) != rt:
		lead, far := fks[0], fks[1]
		if !slices.Contains(lead.Columns, pk[0]) {
			lead, far = far, lead
		}
		rt.role = roleJoin
		rt.parent, rt.link = r.target(lead), lead
		rt.far, rt.farLink = r.target(far), far
		rt.merge = len(rt.t.Columns) == len(pk)
		how := fmt.Sprintf("each element with its %s row merged in", r.name(rt.far))
		kind := "a pure join table (its primary key is its two foreign keys and it has no other columns)"
		if !rt.merge {
			kind = "a join table with attributes (its primary key is its two foreign keys)"
			how = fmt.Sprintf("each element with its %s row as a document (not merged: the join table's own columns could clash with it)", r.name(rt.far))
		}
		rt.why = fmt.Sprintf("%s is %s: a many-to-many between %s and %s. It becomes an array in %s, the table its primary key (%s) starts with, %s%s",
			r.name(rt), kind, r.name(rt.parent), r.name(rt.far), r.name(rt.parent), cols(pk), how, r.average(rt, rt.parent))
	}
}

// average renders the estimated number of child rows per parent row, or "" when unknown.
func (r *recommender) average(child, parent *rtable) string {
	if child.t.EstimatedRows < 0 || parent.t.EstimatedRows <= 0 {
		return ""
	}
	n := int64(math.Round(float64(child.t.EstimatedRows) / float64(parent.t.EstimatedRows)))
	unit := "elements"
	if n == 1 {
		unit = "element"
	}
	return fmt.Sprintf(" (about %d %s per %s, by the catalog's row estimates)", n, unit, r.name(parent))
}

// breakCycles makes collections of tables whose chain of parents loops (a primary key holding a
// foreign key to a table whose primary key holds a foreign key back): no table of the loop could
// be a root, so none of their rows would be migrated.
func (r *recommender) breakCycles() {
	for _, rt := range r.tables {
		seen := map[*rtable]bool{}
		for cur := rt; cur != nil && cur.parent != nil; cur = cur.parent {
			if seen[cur] {
				loop := []*rtable{cur}
				for t := cur.parent; t != cur; t = t.parent {
					loop = append(loop, t)
				}
				slices.SortFunc(loop, func(a, b *rtable) int { return strings.Compare(a.ref.String(), b.ref.String()) })
				for _, t := range loop {
					t.role, t.parent, t.link, t.far, t.farLink, t.merge = roleCollection, nil, nil, nil, nil, false
					t.why = fmt.Sprintf("%s is part of a loop of tables whose primary keys contain foreign keys to each other (%s); embedding them in each other would leave no root, so each is a collection", r.name(t), r.names(loop))
				}
				break
			}
			seen[cur] = true
		}
	}
}

// holdsEmbedded reports whether another table is embedded in rt as an array, extension or join
// far table: such a table is not a lookup.
func (r *recommender) holdsEmbedded(rt *rtable) bool {
	for _, o := range r.tables {
		if o.parent == rt || o.far == rt {
			return true
		}
	}
	return false
}

// referencers returns the distinct catalog tables with a foreign key to rt (rt itself included).
func referencers(rt *rtable) []*rtable {
	var out []*rtable
	for _, in := range rt.incoming {
		if !slices.Contains(out, in.from) {
			out = append(out, in.from)
		}
	}
	return out
}

// lookupVerdict says whether rt is a lookup table (rule 3), and if not why, in words.
func (r *recommender) lookupVerdict(rt *rtable) (bool, string) {
	refs := referencers(rt)
	switch {
	case len(refs) == 0:
		return false, "no table references it"
	case len(refs) > 1:
		return false, fmt.Sprintf("it is referenced by %d tables (%s), so it is not the lookup of one table", len(refs), r.names(refs))
	case refs[0] == rt:
		return false, "only its own rows reference it"
	case len(rt.t.ForeignKeys) > 0:
		return false, fmt.Sprintf("it is referenced only by %s but has foreign keys of its own, so it is not a lookup table", r.name(refs[0]))
	case r.holdsEmbedded(rt):
		return false, fmt.Sprintf("it is referenced only by %s but holds embedded rows of its own, so it stays a collection", r.name(refs[0]))
	case rt.t.EstimatedRows < 0:
		return false, fmt.Sprintf("it is referenced only by %s but its size is unknown (no row estimate in the catalog: run ANALYZE), so it is not taken for a small lookup table", r.name(refs[0]))
	case rt.t.EstimatedRows > RecommendLookupMaxRows:
		return false, fmt.Sprintf("it is referenced only by %s, but with about %d rows it is larger than a lookup table (at most %d rows)", r.name(refs[0]), rt.t.EstimatedRows, RecommendLookupMaxRows)
	}
	return true, ""
}

// classifyLookup applies rule 3.
func (r *recommender) classifyLookup(rt *rtable) {
	ok, _ := r.lookupVerdict(rt)
	if !ok {
		return
	}
	user := referencers(rt)[0]
	rt.role, rt.lookupOf = roleLookup, user
	rt.why = fmt.Sprintf("%s is a small lookup table (about %d rows, no foreign keys of its own) referenced only by %s: it is embedded as a document wherever %s appears, in place of the foreign-key column. Its rows that no %s row references are not migrated; add a collection for %s to keep them",
		r.name(rt), rt.t.EstimatedRows, r.name(user), r.name(user), r.name(user), r.name(rt))
}

// ownedVerdict applies rule 4 to rt: the parent and link when it is an owned child, else why not
// ("" when the rule does not concern rt at all).
func (r *recommender) ownedVerdict(rt *rtable) (*rtable, *schema.ForeignKey, string) {
	if len(rt.incoming) > 0 || len(tableKey(rt.t)) == 0 {
		return nil, nil, ""
	}
	var cands []inRef
	var shared, nullable []string
	for _, fk := range fksOf(rt) {
		p := r.target(fk)
		if p == nil || p == rt || (p.role == roleLookup && p.lookupOf == rt) {
			continue
		}
		switch {
		case len(p.incoming) != 1 && len(referencers(p)) == 1:
			shared = append(shared, fmt.Sprintf("%s (referenced by several of its foreign keys)", r.name(p)))
		case len(p.incoming) != 1:
			shared = append(shared, r.name(p))
		case !r.notNull(rt, fk.Columns):
			nullable = append(nullable, fmt.Sprintf("%s (%s)", r.name(p), cols(fk.Columns)))
		default:
			cands = append(cands, inRef{from: p, fk: fk})
		}
	}
	switch {
	case len(cands) > 1:
		ps := make([]*rtable, len(cands))
		for i, c := range cands {
			ps[i] = c.from
		}
		return nil, nil, fmt.Sprintf("it could belong to any of %s (each referenced by it alone), so which one owns it is ambiguous", r.names(ps))
	case len(cands) == 0 && len(nullable) > 0:
		return nil, nil, fmt.Sprintf("its foreign key to %s can be NULL, so embedding it there would lose the rows without a parent", strings.Join(nullable, ", "))
	case len(cands) == 0 && len(shared) > 0:
		return nil, nil, fmt.Sprintf("its foreign keys lead to tables that other tables reference too (%s), so none of them owns its rows", strings.Join(shared, ", "))
	case len(cands) == 0:
		return nil, nil, ""
	}
	p, fk := cands[0].from, cands[0].fk
	if rt.t.EstimatedRows < 0 || p.t.EstimatedRows < 0 {
		return nil, nil, fmt.Sprintf("it looks owned by %s, but the catalog has no row estimates to bound the array (run ANALYZE), so it stays a collection", r.name(p))
	}
	if avg := float64(rt.t.EstimatedRows) / math.Max(float64(p.t.EstimatedRows), 1); avg > RecommendMaxAverageElements {
		return nil, nil, fmt.Sprintf("it looks owned by %s, but with about %d rows per %s row the arrays would be longer than %d elements on average, so it stays a collection",
			r.name(p), int64(math.Round(avg)), r.name(p), RecommendMaxAverageElements)
	}
	return p, fk, ""
}

func (r *recommender) notNull(rt *rtable, columns []string) bool {
	for _, c := range columns {
		col, ok := rt.t.Column(c)
		if !ok || col.Nullable {
			return false
		}
	}
	return true
}

// classifyOwned applies rule 4.
func (r *recommender) classifyOwned(rt *rtable) {
	p, fk, _ := r.ownedVerdict(rt)
	if p == nil {
		return
	}
	rt.role, rt.parent, rt.link = roleOwned, p, fk
	var others []string
	for _, o := range fksOf(rt) {
		if o == fk {
			continue
		}
		if t := r.target(o); t != nil && !(t.role == roleLookup && t.lookupOf == rt) {
			others = append(others, fmt.Sprintf("%s (%s)", r.name(t), cols(o.Columns)))
		}
	}
	why := fmt.Sprintf("%s has a primary key of its own (%s), so the child rule (a foreign key in the primary key) does not apply; but no table references it, %s is referenced by %s alone, and %s is NOT NULL: each row belongs to exactly one %s row, so it is embedded as an array in %s%s",
		r.name(rt), cols(tableKey(rt.t)), r.name(p), r.name(rt), cols(fk.Columns), r.name(p), r.name(p), r.average(rt, p))
	if len(others) > 0 {
		why += fmt.Sprintf(". Its other foreign keys stay plain fields that reference collections: %s", strings.Join(others, ", "))
	}
	rt.why = why
}

// collectionWhy explains why rt is a collection of its own.
func (r *recommender) collectionWhy(rt *rtable) string {
	if rt.why != "" { // set by breakCycles
		return rt.why
	}
	var facts []string
	pk := rt.t.PrimaryKey
	fks := r.pkForeignKeys(rt)
	switch {
	case len(pk) == 0:
		facts = append(facts, "it has no primary key")
	case len(fks) == 0:
		facts = append(facts, fmt.Sprintf("its primary key (%s) contains no foreign key, so its rows stand on their own", cols(pk)))
	case len(fks) == 1:
		facts = append(facts, fmt.Sprintf("its primary key (%s) contains only a foreign key to itself", cols(pk)))
	default:
		ts := make([]*rtable, 0, len(fks))
		for _, fk := range fks {
			if t := r.target(fk); !slices.Contains(ts, t) {
				ts = append(ts, t)
			}
		}
		facts = append(facts, fmt.Sprintf("its primary key (%s) contains foreign keys to %s, so no single parent owns its rows", cols(pk), r.names(ts)))
	}
	if _, why := r.lookupVerdict(rt); why != "" && why != "no table references it" {
		facts = append(facts, why)
	}
	if _, _, why := r.ownedVerdict(rt); why != "" {
		facts = append(facts, why)
	}
	return fmt.Sprintf("%s becomes a collection: %s", r.name(rt), strings.Join(facts, "; "))
}

// nameFields decides, per table, the columns its embedded rules make redundant and the field
// names of its lookup documents, arrays and extension documents, unique among its output names.
func (r *recommender) nameFields() {
	for _, rt := range r.tables {
		excluded := map[string]bool{}
		if rt.link != nil {
			for _, c := range rt.link.Columns {
				excluded[c] = true // the parent's key: the element sits under that parent
			}
		}
		if rt.farLink != nil {
			for _, c := range rt.farLink.Columns {
				excluded[c] = true // the far row (merged or as a document) carries it
			}
		}
		for _, fk := range fksOf(rt) {
			if l := r.target(fk); l != nil && l.role == roleLookup && l.lookupOf == rt {
				rt.lookups = append(rt.lookups, lookupEmbed{lookup: l, fk: fk})
				for _, c := range fk.Columns {
					excluded[c] = true // the lookup document carries it
				}
			}
		}
		used := map[string]bool{}
		for _, c := range rt.t.Columns {
			if excluded[c.Name] {
				rt.excluded = append(rt.excluded, c.Name)
				continue
			}
			used[convert.FieldName(ApplyCasing(c.Name, r.opts.Casing))] = true
		}
		// Lookups come in the order of their foreign-key columns in the table (fksOf), so a
		// document sits where its column was.
		for i := range rt.lookups {
			le := &rt.lookups[i]
			le.field = r.claim(used, stripID(le.fk), le.lookup.ref.Name)
		}
		if rt.role == roleJoin && !rt.merge {
			rt.farField = r.claim(used, stripID(rt.farLink), rt.far.ref.Name)
		}
		for _, o := range r.tables {
			if o.parent != rt {
				continue
			}
			rt.children = append(rt.children, o)
			base := stripPrefix(o.ref.Name, rt.ref.Name)
			if o.role == roleExtension {
				rt.childField[o] = r.claim(used, base, o.ref.Name)
			} else {
				rt.childField[o] = r.claim(used, plural(base), plural(o.ref.Name))
			}
		}
	}
}

// claim picks the first free output name among the candidates (with casing applied), else the
// first one with a numeric suffix, and marks it used.
func (r *recommender) claim(used map[string]bool, candidates ...string) string {
	var cs []string
	for _, c := range candidates {
		if c != "" {
			cs = append(cs, convert.FieldName(ApplyCasing(c, r.opts.Casing)))
		}
	}
	if len(cs) == 0 {
		cs = []string{"embedded"} // unreachable with real catalogs: table names are never empty
	}
	for _, c := range cs {
		if !used[c] {
			used[c] = true
			return c
		}
	}
	for n := 2; ; n++ {
		c := fmt.Sprintf("%s_%d", cs[0], n)
		if !used[c] {
			used[c] = true
			return c
		}
	}
}

// body renders rt at one place of a collection's tree: its field options and embedded rules.
// withChildren is false where rt is only repeated (a far table merged into join rows): its arrays
// are in its own collection.
func (r *recommender) body(rt *rtable, coll, path string, withChildren bool) (map[string]Field, []Embedded) {
	var fields map[string]Field
	for _, c := range rt.excluded {
		if !withChildren && !slices.Contains(lookupColumns(rt), c) {
			continue // a repeated table keeps its links: it is not under its own parent here
		}
		if fields == nil {
			fields = map[string]Field{}
		}
		fields[c] = Field{Exclude: true}
	}
	var emb []Embedded
	add := func(e Embedded, child *rtable, why string) {
		r.note(coll, fmt.Sprintf("%s.embedded[%d]", path, len(emb)), child, why)
		emb = append(emb, e)
	}
	for _, le := range rt.lookups {
		add(Embedded{Kind: KindEmbeddedDocument, Field: le.field, Table: le.lookup.ref, Via: r.via(rt, le.lookup, le.fk)}, le.lookup, le.lookup.why)
	}
	if !withChildren {
		return fields, emb
	}
	for _, ch := range rt.children {
		e := Embedded{Kind: KindEmbeddedArray, Field: rt.childField[ch], Table: ch.ref, Via: r.via(ch, rt, ch.link)}
		if ch.role == roleExtension {
			e.Kind, e.Reverse = KindEmbeddedDocument, true
		}
		i := len(emb)
		add(e, ch, ch.why)
		cp := fmt.Sprintf("%s.embedded[%d]", path, i)
		f, sub := r.body(ch, coll, cp, true)
		if ch.role == roleJoin {
			far := Embedded{Kind: KindEmbeddedDocument, Field: ch.farField, Merge: ch.merge, Table: ch.far.ref, Via: r.via(ch, ch.far, ch.farLink)}
			farPath := fmt.Sprintf("%s.embedded[%d]", cp, len(sub))
			how := fmt.Sprintf("%s is the far side of the join table %s: each %s element carries the %s row it references", r.name(ch.far), r.name(ch), rt.childField[ch], r.name(ch.far))
			if ch.merge {
				how += ", merged into the element (the join table's own columns are left out: the parent and the merged row already hold them)"
			}
			r.note(coll, farPath, ch.far, how)
			far.Fields, far.Embedded = r.body(ch.far, coll, farPath, false)
			sub = append(sub, far)
		}
		emb[i].Fields, emb[i].Embedded = f, sub
	}
	return fields, emb
}

// lookupColumns returns the foreign-key columns of rt replaced by lookup documents.
func lookupColumns(rt *rtable) []string {
	var out []string
	for _, le := range rt.lookups {
		out = append(out, le.fk.Columns...)
	}
	return out
}

// via names the link explicitly only when it is needed: when more than one foreign key joins the
// two tables (MAPPING.md, via). Columns are used when they reference the primary key (portable
// across environments), else the constraint name.
func (r *recommender) via(from, to *rtable, fk *schema.ForeignKey) *Via {
	n := 0
	for i := range from.t.ForeignKeys {
		if r.target(&from.t.ForeignKeys[i]) == to {
			n++
		}
	}
	if n <= 1 {
		return nil
	}
	if slices.Equal(fk.RefColumns, to.t.PrimaryKey) {
		return &Via{Columns: slices.Clone(fk.Columns)}
	}
	return &Via{Constraint: fk.Name}
}

// sortedTables returns the catalog's tables ordered by schema and name.
func sortedTables(cat *schema.Catalog) []*schema.Table {
	out := make([]*schema.Table, 0, len(cat.Tables))
	for i := range cat.Tables {
		out = append(out, &cat.Tables[i])
	}
	slices.SortFunc(out, func(a, b *schema.Table) int {
		if c := strings.Compare(a.Schema, b.Schema); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func refOf(t *schema.Table) TableRef { return TableRef{Schema: t.Schema, Name: t.Name} }

// collectionNames names one collection per table: the table name with casing applied, or
// schema_table when several schemas have a table of that name, made valid for MongoDB (no '$' or
// NUL, not "system.", at most maxCollectionNameBytes bytes) and unique.
func collectionNames(tables []*schema.Table, casing string) map[TableRef]string {
	count := map[string]int{}
	for _, t := range tables {
		count[ApplyCasing(t.Name, casing)]++
	}
	out := map[TableRef]string{}
	taken := map[string]bool{}
	for _, t := range tables {
		base := ApplyCasing(t.Name, casing)
		if count[base] > 1 {
			base = ApplyCasing(t.Schema+"_"+t.Name, casing)
		}
		base = validCollectionName(base)
		name := base
		for n := 2; taken[name]; n++ {
			name = truncateBytes(base, maxCollectionNameBytes-8) + fmt.Sprintf("_%d", n)
		}
		taken[name] = true
		out[refOf(t)] = name
	}
	return out
}

func validCollectionName(s string) string {
	s = strings.NewReplacer("$", "_", "\x00", "").Replace(s)
	if strings.HasPrefix(s, "system.") {
		s = "_" + s
	}
	if s == "" {
		s = "_"
	}
	return truncateBytes(s, maxCollectionNameBytes)
}

// truncateBytes cuts s to at most n bytes at a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// stripID returns a single-column foreign key's column without its id suffix (genre_id -> genre,
// GenreId -> Genre), or "" when it has none or several columns.
func stripID(fk *schema.ForeignKey) string {
	if len(fk.Columns) != 1 {
		return ""
	}
	c := fk.Columns[0]
	lower := strings.ToLower(c)
	switch {
	case len(c) > 3 && (strings.HasSuffix(lower, "_id") || strings.HasSuffix(lower, "-id")):
		return c[:len(c)-3]
	case len(c) > 2 && (strings.HasSuffix(c, "Id") || strings.HasSuffix(c, "ID")):
		// Only at a camel-case word boundary: GenreId, genreID, but not PAID.
		if prev, _ := utf8.DecodeLastRuneInString(c[:len(c)-2]); unicode.IsLower(prev) || unicode.IsDigit(prev) {
			return c[:len(c)-2]
		}
	}
	return ""
}

// stripPrefix removes the parent's name from the front of a child table's name at a word boundary
// (invoice_line under invoice -> line; InvoiceLine under Invoice -> Line; invoice_lines under
// invoices -> lines); otherwise it returns the child's name.
func stripPrefix(child, parent string) string {
	prefixes := []string{parent}
	if strings.HasSuffix(strings.ToLower(parent), "s") && len(parent) > 1 {
		prefixes = append(prefixes, parent[:len(parent)-1])
	}
	for _, p := range prefixes {
		if len(child) <= len(p) || !strings.EqualFold(child[:len(p)], p) {
			continue
		}
		rest := child[len(p):]
		switch first, _ := utf8.DecodeRuneInString(rest); {
		case first == '_' || first == '-' || first == ' ':
			if trimmed := strings.TrimLeft(rest, "_- "); trimmed != "" {
				return trimmed
			}
		case unicode.IsUpper(first):
			last, _ := utf8.DecodeLastRuneInString(p)
			if unicode.IsLower(last) || unicode.IsDigit(last) {
				return rest
			}
		}
	}
	return child
}

// plural makes an English plural of a generated name's last word, keeping its letter case
// (line -> lines, entry -> entries, box -> boxes, LINE -> LINES); a word that already ends in a
// plural s is kept.
func plural(s string) string {
	if s == "" {
		return s
	}
	lower := strings.ToLower(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	upper := unicode.IsUpper(last)
	suffix := func(x string) string {
		if upper {
			return strings.ToUpper(x)
		}
		return x
	}
	switch {
	case strings.HasSuffix(lower, "ss") || strings.HasSuffix(lower, "us") || strings.HasSuffix(lower, "x") ||
		strings.HasSuffix(lower, "z") || strings.HasSuffix(lower, "ch") || strings.HasSuffix(lower, "sh"):
		return s + suffix("es")
	case strings.HasSuffix(lower, "is"):
		return s[:len(s)-2] + suffix("es")
	case strings.HasSuffix(lower, "s"):
		return s
	case strings.HasSuffix(lower, "y") && len(lower) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return s[:len(s)-1] + suffix("ies")
	}
	return s + suffix("s")
}

func columnIndex(t *schema.Table, name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return len(t.Columns)
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return len(a) > 0
}

func sameSet(a, b []string) bool { return subset(a, b) && subset(b, a) && len(a) == len(b) }

func cols(c []string) string { return strings.Join(c, ", ") }

func schemaList(schemas []string) string {
	switch len(schemas) {
	case 0:
		return "the database"
	case 1:
		return "schema " + schemas[0]
	}
	return "schemas " + strings.Join(schemas, ", ")
}
