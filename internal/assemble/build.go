package assemble

import (
	"crypto/sha256"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// tableAsm is one table of the collection's tree, prepared for assembly.
type tableAsm struct {
	plan     *project.TablePlan
	parent   *tableAsm
	cols     []convert.Column
	fields   []*node
	children []*tableAsm
	// linkIdx are the row positions of this table's LinkColumns (text); parentIdx the positions
	// of the matching ParentColumns (text) in the parent's rows.
	linkIdx, parentIdx []int
	primitiveCol       int
	// vals is convertRow's result buffer, reused from row to row: a row's values are appended to
	// its document before the next row of the same table is converted (every table of the tree
	// has its own tableAsm, even a table embedded in itself).
	vals []bsoncore.Value
}

// node is one field of an output level: a column (col >= 0), a sub-document (children), or an
// embedded table (child), which a merge splices into the level itself.
type node struct {
	name     string
	col      int
	child    *tableAsm
	children []*node
}

func newTableAsm(p *project.TablePlan, parent *tableAsm) (*tableAsm, error) {
	t := &tableAsm{plan: p, parent: parent, primitiveCol: -1}
	t.cols = make([]convert.Column, len(p.Columns))
	for i, c := range p.Columns {
		t.cols[i] = c.ConvertColumn()
		if len(c.Output) > 0 {
			t.fields = insertPath(t.fields, c.Output, &node{col: i})
			t.primitiveCol = i
		}
	}
	for _, c := range p.LinkColumns {
		i := p.TextIndex(c)
		if i < 0 {
			return nil, fmt.Errorf("table %s: link column %q is not read as text", p.Table, c)
		}
		t.linkIdx = append(t.linkIdx, i)
	}
	if parent != nil {
		for _, c := range p.ParentColumns {
			i := parent.plan.TextIndex(c)
			if i < 0 {
				return nil, fmt.Errorf("table %s: parent column %q is not read as text", parent.plan.Table, c)
			}
			t.parentIdx = append(t.parentIdx, i)
		}
		if len(t.parentIdx) == 0 || len(t.parentIdx) != len(t.linkIdx) {
			return nil, fmt.Errorf("table %s: the link to %s is not resolved", p.Table, parent.plan.Table)
		}
	}
	for i := range p.Embedded {
		ch, err := newTableAsm(&p.Embedded[i], t)
		if err != nil {
			return nil, err
		}
		t.children = append(t.children, ch)
		if ch.plan.Merge {
			t.fields = append(t.fields, &node{col: -1, child: ch})
		} else {
			t.fields = insertPath(t.fields, ch.plan.Field, &node{col: -1, child: ch})
		}
	}
	return t, nil
}

// insertPath places leaf at path, creating or reusing sub-documents on the way.
func insertPath(nodes []*node, path []string, leaf *node) []*node {
	if len(path) == 1 {
		leaf.name = path[0]
		return append(nodes, leaf)
	}
	for _, n := range nodes {
		if n.name == path[0] && n.col < 0 && n.child == nil {
			n.children = insertPath(n.children, path[1:], leaf)
			return nodes
		}
	}
	n := &node{name: path[0], col: -1}
	n.children = insertPath(nil, path[1:], leaf)
	return append(nodes, n)
}

// assembly is the state of one document being built.
type assembly struct {
	b       *Builder
	related map[*tableAsm]map[string][]source.Row
	root    source.Row
}

func (b *Builder) build(row source.Row, related map[*tableAsm]map[string][]source.Row) (bson.Raw, *RecordError) {
	a := &assembly{b: b, related: related, root: row}
	vals, rerr := a.convertRow(b.root, row)
	if rerr != nil {
		return nil, rerr
	}
	id, err := b.id(row, vals)
	if err != nil {
		return nil, a.recordError("", err.Error())
	}
	// One allocation of about the right size per document (documents of a table are alike),
	// instead of the slice doubling its way up field by field.
	idx, doc := bsoncore.AppendDocumentStart(make([]byte, 0, min(b.lastDoc+b.lastDoc/8+64, MaxDocumentBytes)))
	doc = bsoncore.AppendValueElement(doc, "_id", id)
	doc, rerr = a.appendFields(doc, b.root, b.root.fields, row, vals)
	if rerr != nil {
		return nil, rerr
	}
	doc, _ = bsoncore.AppendDocumentEnd(doc, idx)
	b.lastDoc = len(doc)
	if len(doc) > MaxDocumentBytes {
		return nil, a.recordError("", fmt.Sprintf("the document is %d bytes, over MongoDB's 16 MiB limit%s", len(doc), a.largestArray(b.root, row)))
	}
	if b.checkDocs {
		if err := convert.CheckTarget(bsoncore.Value{Type: bsontype.EmbeddedDocument, Data: doc}, b.limits); err != nil {
			return nil, a.recordError("", err.Error()+" (the target cannot store it)")
		}
	}
	return bson.Raw(doc), nil
}

func (a *assembly) recordError(column, reason string) *RecordError {
	b := a.b
	return &RecordError{Collection: b.plan.Name, Table: b.plan.Root.Table, Key: b.KeyText(a.root), Column: column, Reason: reason}
}

// convertRow converts the values of a row that are emitted or part of the key.
func (a *assembly) convertRow(t *tableAsm, row source.Row) ([]bsoncore.Value, *RecordError) {
	if t.vals == nil {
		t.vals = make([]bsoncore.Value, len(t.cols))
	}
	vals := t.vals
	clear(vals)
	for i, c := range t.plan.Columns {
		if row[i] == nil || (len(c.Output) == 0 && c.KeyPart == 0) {
			continue
		}
		val, note, err := convert.Value(t.cols[i], row[i], a.b.opts)
		if err != nil {
			return nil, a.recordError(t.columnName(i), err.Error())
		}
		if err := convert.CheckTarget(val, a.b.limits); err != nil {
			return nil, a.recordError(t.columnName(i), err.Error()+" (the target cannot store it)")
		}
		if note&keyMergingNotes != 0 && t.parent == nil && c.KeyPart > 0 {
			return nil, a.recordError(t.columnName(i), keyNoteReason(c.Name, row[i], note))
		}
		vals[i] = val
		if note != 0 {
			a.b.count(t.columnName(i), note)
		}
	}
	return vals, nil
}

// columnName names column i for record errors and notes: plain for the root table,
// "schema.table.column" for an embedded table. It is built only when needed, not per value.
func (t *tableAsm) columnName(i int) string {
	if t.parent == nil {
		return t.plan.Columns[i].Name
	}
	return t.plan.Table.String() + "." + t.plan.Columns[i].Name
}

func (b *Builder) count(column string, note convert.Note) {
	if b.counts[column] == nil {
		b.counts[column] = map[convert.Note]int64{}
	}
	for bit := convert.Note(1); bit != 0 && bit <= note; bit <<= 1 {
		if note&bit != 0 {
			b.counts[column][bit]++
		}
	}
}

func (a *assembly) appendFields(doc []byte, t *tableAsm, nodes []*node, row source.Row, vals []bsoncore.Value) ([]byte, *RecordError) {
	var rerr *RecordError
	for _, n := range nodes {
		switch {
		case n.child != nil:
			doc, rerr = a.appendEmbedded(doc, n, row)
		case n.col < 0:
			idx, d := bsoncore.AppendDocumentElementStart(doc, n.name)
			d, rerr = a.appendFields(d, t, n.children, row, vals)
			doc, _ = bsoncore.AppendDocumentEnd(d, idx)
		case row[n.col] == nil:
			if !t.plan.Columns[n.col].OmitNull {
				doc = bsoncore.AppendNullElement(doc, n.name)
			}
		default:
			doc = bsoncore.AppendValueElement(doc, n.name, vals[n.col])
		}
		if rerr != nil {
			return nil, rerr
		}
	}
	return doc, nil
}

// childRows returns the rows of embedded table t related to the parent row.
func (a *assembly) childRows(t *tableAsm, parentRow source.Row) []source.Row {
	k, ok := textKey(parentRow, t.parentIdx)
	if !ok {
		return nil
	}
	return a.related[t][k]
}

func (a *assembly) appendEmbedded(doc []byte, n *node, parentRow source.Row) ([]byte, *RecordError) {
	t := n.child
	p := t.plan
	rows := a.childRows(t, parentRow)
	if p.Kind == project.KindEmbeddedArray {
		if p.Limit > 0 && len(rows) > p.Limit {
			rows = rows[:p.Limit]
		}
		if len(rows) == 0 && p.OmitEmpty {
			return doc, nil
		}
		idx, arr := bsoncore.AppendArrayElementStart(doc, n.name)
		for i, r := range rows {
			vals, rerr := a.convertRow(t, r)
			if rerr != nil {
				return nil, rerr
			}
			key := strconv.Itoa(i) // no allocation below 100 elements, unlike fmt
			switch {
			case p.Primitive && (t.primitiveCol < 0 || r[t.primitiveCol] == nil):
				arr = bsoncore.AppendNullElement(arr, key)
			case p.Primitive:
				arr = bsoncore.AppendValueElement(arr, key, vals[t.primitiveCol])
			default:
				eidx, el := bsoncore.AppendDocumentElementStart(arr, key)
				el, rerr = a.appendFields(el, t, t.fields, r, vals)
				if rerr != nil {
					return nil, rerr
				}
				arr, _ = bsoncore.AppendDocumentEnd(el, eidx)
			}
		}
		doc, _ = bsoncore.AppendArrayEnd(arr, idx)
		return doc, nil
	}
	if len(rows) > 1 {
		return nil, a.recordError(p.Table.String(), fmt.Sprintf("%d rows of %s reference this row through %v; an EMBEDDED_DOCUMENT holds exactly one (use an EMBEDDED_DOCUMENT_ARRAY)", len(rows), p.Table, p.LinkColumns))
	}
	if len(rows) == 0 {
		if p.Merge || p.OmitEmpty {
			return doc, nil
		}
		return bsoncore.AppendNullElement(doc, n.name), nil
	}
	vals, rerr := a.convertRow(t, rows[0])
	if rerr != nil {
		return nil, rerr
	}
	if p.Merge {
		return a.appendFields(doc, t, t.fields, rows[0], vals)
	}
	idx, d := bsoncore.AppendDocumentElementStart(doc, n.name)
	d, rerr = a.appendFields(d, t, t.fields, rows[0], vals)
	if rerr != nil {
		return nil, rerr
	}
	doc, _ = bsoncore.AppendDocumentEnd(d, idx)
	return doc, nil
}

// largestArray names the embedded array with the most elements for an oversize document.
func (a *assembly) largestArray(t *tableAsm, row source.Row) string {
	best, name := 0, ""
	var walk func(t *tableAsm, row source.Row)
	walk = func(t *tableAsm, row source.Row) {
		for _, ch := range t.children {
			rows := a.childRows(ch, row)
			if ch.plan.Kind == project.KindEmbeddedArray && len(rows) > best {
				best, name = len(rows), ch.plan.Table.String()
			}
			for _, r := range rows {
				walk(ch, r)
			}
		}
	}
	walk(t, row)
	if name == "" {
		return ""
	}
	return fmt.Sprintf("; its largest array holds %d rows of %s", best, name)
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
		if b.plan.Staging {
			// A keyless row has no identity to derive an _id from: a fresh ObjectId, and the
			// staging collection makes re-runs replace the collection instead of duplicating it.
			return bsoncore.Value{Type: bsontype.ObjectID, Data: bsoncore.AppendObjectID(nil, primitive.NewObjectID())}, nil
		}
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
