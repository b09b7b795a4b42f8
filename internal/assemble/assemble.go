// Package assemble turns source rows into complete BSON documents following a collection plan:
// output field paths (renames nest), null handling, type conversion and the document key (_id).
// It is pure: no I/O, so every mapping rule is unit-tested here.
package assemble

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"

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
	// Key holds the row's key columns as text, for the job event.
	Key    map[string]string
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

// node is one field of the output tree: a column (col >= 0) or a sub-document.
type node struct {
	name     string
	col      int
	children []*node
}

// Builder assembles the documents of one collection.
type Builder struct {
	plan     *project.CollectionPlan
	opts     convert.Options
	limits   convert.TargetLimits
	cols     []convert.Column
	root     []*node
	keyCols  []int // indexes of key columns in key order
	notes    map[string]convert.Note
	counts   map[string]map[convert.Note]int64
	scratchD []byte
}

// New prepares a builder for plan. limits describes what the target cannot store.
func New(plan *project.CollectionPlan, opts convert.Options, limits convert.TargetLimits) (*Builder, error) {
	b := &Builder{plan: plan, opts: opts, limits: limits, counts: map[string]map[convert.Note]int64{}}
	t := &plan.Root
	b.cols = make([]convert.Column, len(t.Columns))
	for i, c := range t.Columns {
		b.cols[i] = c.ConvertColumn()
		if len(c.Output) > 0 {
			b.root = insertPath(b.root, c.Output, i)
		}
	}
	for _, k := range t.KeyColumns {
		_, i, ok := t.Column(k)
		if !ok {
			return nil, fmt.Errorf("collection %s: key column %q is not read", plan.Name, k)
		}
		b.keyCols = append(b.keyCols, i)
	}
	if len(b.keyCols) == 0 {
		return nil, fmt.Errorf("collection %s: the root table has no key", plan.Name)
	}
	return b, nil
}

func insertPath(nodes []*node, path []string, col int) []*node {
	for _, n := range nodes {
		if n.name == path[0] && n.col < 0 && len(path) > 1 {
			n.children = insertPath(n.children, path[1:], col)
			return nodes
		}
	}
	if len(path) == 1 {
		return append(nodes, &node{name: path[0], col: col})
	}
	n := &node{name: path[0], col: -1}
	n.children = insertPath(nil, path[1:], col)
	return append(nodes, n)
}

// Notes returns, per column, how many values had each lossy-but-standard note (e.g. sub-millisecond
// digits truncated), for the WARNING events of the job.
func (b *Builder) Notes() map[string]map[convert.Note]int64 { return b.counts }

// KeyText returns the row's key columns as text, for events and logs.
func (b *Builder) KeyText(row source.Row) map[string]string {
	m := make(map[string]string, len(b.keyCols))
	for _, i := range b.keyCols {
		m[b.plan.Root.Columns[i].Name] = fmt.Sprint(row[i])
	}
	return m
}

// Build assembles the document of one root row. A row that cannot be converted exactly, or whose
// document exceeds 16 MiB or holds a value the target cannot store, returns a RecordError.
func (b *Builder) Build(row source.Row) (bson.Raw, *RecordError) {
	t := &b.plan.Root
	vals := make([]bsoncore.Value, len(row))
	var notes []struct {
		col  int
		note convert.Note
	}
	for i, v := range row {
		if v == nil {
			continue
		}
		val, note, err := convert.Value(b.cols[i], v, b.opts)
		if err != nil {
			return nil, b.recordError(row, t.Columns[i].Name, err.Error())
		}
		if err := convert.CheckTarget(val, b.limits); err != nil {
			return nil, b.recordError(row, t.Columns[i].Name, err.Error()+" (the target cannot store it)")
		}
		vals[i] = val
		if note != 0 {
			notes = append(notes, struct {
				col  int
				note convert.Note
			}{i, note})
		}
	}
	id, err := b.id(row, vals)
	if err != nil {
		return nil, b.recordError(row, "", err.Error())
	}
	idx, doc := bsoncore.AppendDocumentStart(b.scratchD[:0])
	doc = bsoncore.AppendValueElement(doc, "_id", id)
	doc = b.appendNodes(doc, b.root, row, vals)
	doc, _ = bsoncore.AppendDocumentEnd(doc, idx)
	b.scratchD = doc
	if len(doc) > MaxDocumentBytes {
		return nil, b.recordError(row, "", fmt.Sprintf("the document is %d bytes, over MongoDB's 16 MiB limit", len(doc)))
	}
	for _, n := range notes {
		name := t.Columns[n.col].Name
		if b.counts[name] == nil {
			b.counts[name] = map[convert.Note]int64{}
		}
		for bit := convert.Note(1); bit != 0 && bit <= n.note; bit <<= 1 {
			if n.note&bit != 0 {
				b.counts[name][bit]++
			}
		}
	}
	return bson.Raw(slices.Clone(doc)), nil
}

func (b *Builder) recordError(row source.Row, column, reason string) *RecordError {
	return &RecordError{Collection: b.plan.Name, Table: b.plan.Root.Table, Key: b.KeyText(row), Column: column, Reason: reason}
}

func (b *Builder) appendNodes(doc []byte, nodes []*node, row source.Row, vals []bsoncore.Value) []byte {
	for _, n := range nodes {
		if n.col < 0 {
			idx, d := bsoncore.AppendDocumentElementStart(doc, n.name)
			d = b.appendNodes(d, n.children, row, vals)
			doc, _ = bsoncore.AppendDocumentEnd(d, idx)
			continue
		}
		if row[n.col] == nil {
			if b.plan.Root.Columns[n.col].OmitNull {
				continue
			}
			doc = bsoncore.AppendNullElement(doc, n.name)
			continue
		}
		doc = bsoncore.AppendValueElement(doc, n.name, vals[n.col])
	}
	return doc
}

// id builds the _id per the plan's key handling (MAPPING.md, Keys).
func (b *Builder) id(row source.Row, vals []bsoncore.Value) (bsoncore.Value, error) {
	t := &b.plan.Root
	for _, i := range b.keyCols {
		if row[i] == nil {
			return bsoncore.Value{}, fmt.Errorf("key column %s is NULL", t.Columns[i].Name)
		}
	}
	switch b.plan.KeyHandling {
	case project.KeySingle:
		return vals[b.keyCols[0]], nil
	case project.KeyWrapped:
		idx, doc := bsoncore.AppendDocumentStart(nil)
		for _, i := range b.keyCols {
			doc = bsoncore.AppendValueElement(doc, t.Columns[i].IDName, vals[i])
		}
		doc, _ = bsoncore.AppendDocumentEnd(doc, idx)
		return bsoncore.Value{Type: bsontype.EmbeddedDocument, Data: doc}, nil
	case project.KeyGenerated:
		idx, doc := bsoncore.AppendDocumentStart(nil)
		for _, i := range b.keyCols {
			doc = bsoncore.AppendValueElement(doc, t.Columns[i].Name, vals[i])
		}
		doc, _ = bsoncore.AppendDocumentEnd(doc, idx)
		oid, err := GeneratedID(b.plan.Name, doc)
		if err != nil {
			return bsoncore.Value{}, err
		}
		return bsoncore.Value{Type: bsontype.ObjectID, Data: bsoncore.AppendObjectID(nil, oid)}, nil
	}
	return bsoncore.Value{}, fmt.Errorf("unknown key handling %q", b.plan.KeyHandling)
}

// GeneratedID derives the deterministic ObjectId of MAPPING.md: the first 12 bytes of SHA-256 over
// the collection name, a zero byte, and the canonical Extended JSON of the key document.
func GeneratedID(collection string, keyDoc []byte) (primitive.ObjectID, error) {
	ext, err := bson.MarshalExtJSON(bson.Raw(keyDoc), true, false)
	if err != nil {
		return primitive.ObjectID{}, fmt.Errorf("encoding the key document: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(collection))
	h.Write([]byte{0})
	h.Write(ext)
	var oid primitive.ObjectID
	copy(oid[:], h.Sum(nil)[:12])
	return oid, nil
}
