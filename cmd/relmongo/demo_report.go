package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source/connect"
)

// placement is one place where a source table's rows arrive: as the documents of a collection
// (path empty) or as the elements of an embedded array at path inside its documents.
type placement struct {
	table      project.TableRef
	collection string
	path       []string // field path from the document root to the array; empty for a root
}

func (p placement) describe() string {
	if len(p.path) == 0 {
		return "documents in " + p.collection
	}
	return "elements of " + p.collection + "." + strings.Join(p.path, ".") + "[]"
}

// placements lists where each table of the project arrives; tables that are only ever embedded
// as single documents (looked up, so repeated) are returned apart.
func placements(p *project.Project) (counted []placement, lookups map[project.TableRef][]string) {
	lookups = map[project.TableRef][]string{}
	var walk func(coll string, prefix []string, es []project.Embedded)
	walk = func(coll string, prefix []string, es []project.Embedded) {
		for _, e := range es {
			path := prefix
			if e.Field != "" {
				path = append(append([]string(nil), prefix...), strings.Split(e.Field, ".")...)
			}
			if e.Kind == project.KindEmbeddedArray {
				counted = append(counted, placement{table: e.Table, collection: coll, path: path})
			} else {
				lookups[e.Table] = append(lookups[e.Table], coll+"."+strings.Join(path, "."))
			}
			walk(coll, path, e.Embedded)
		}
	}
	for _, c := range p.Collections {
		counted = append(counted, placement{table: c.Table, collection: c.Name})
		walk(c.Name, nil, c.Embedded)
	}
	for _, pl := range counted {
		delete(lookups, pl.table)
	}
	return counted, lookups
}

// printArrivals prints, per source table, the rows its filter selects next to what arrived in
// the target: documents where the table is a collection's root, array elements where it is
// embedded as an array. It returns an error when a count differs.
func printArrivals(ctx context.Context, out io.Writer, cs connstr.Source, p *project.Project, db *mongo.Database) error {
	src, err := connect.Open(ctx, cs, 2)
	if err != nil {
		return fmt.Errorf("connecting to the source to count rows: %w", err)
	}
	defer src.Close()
	counted, lookups := placements(p)
	sort.SliceStable(counted, func(i, j int) bool { return counted[i].table.String() < counted[j].table.String() })
	type line struct {
		table, where string
		rows, got    int64
	}
	var lines []line
	rows := map[project.TableRef]int64{}
	for _, pl := range counted {
		n, ok := rows[pl.table]
		if !ok {
			f, _ := project.Filter(p.TableFilters, pl.table)
			if n, err = src.CountRows(ctx, project.TablePlan{Table: pl.table, Filter: f}); err != nil {
				return fmt.Errorf("counting the rows of %s: %w", pl.table, err)
			}
			rows[pl.table] = n
		}
		got, err := arrived(ctx, db, pl)
		if err != nil {
			return err
		}
		lines = append(lines, line{table: pl.table.String(), where: pl.describe(), rows: n, got: got})
	}
	wt, ww := len("SOURCE TABLE"), len("ARRIVED AS")
	for _, l := range lines {
		wt, ww = max(wt, len(l.table)), max(ww, len(l.where))
	}
	fmt.Fprintf(out, "%-*s  %11s  %-*s  %11s\n", wt, "SOURCE TABLE", "SOURCE ROWS", ww, "ARRIVED AS", "COUNT")
	mismatches := 0
	for _, l := range lines {
		mark := "ok"
		if l.got != l.rows {
			mark = "MISMATCH"
			mismatches++
		}
		fmt.Fprintf(out, "%-*s  %11d  %-*s  %11d  %s\n", wt, l.table, l.rows, ww, l.where, l.got, mark)
	}
	for t, where := range lookups {
		fmt.Fprintf(out, "%s is embedded as a looked-up document in %s (repeated per reference, not counted).\n", t, strings.Join(where, ", "))
	}
	if mismatches > 0 {
		return fmt.Errorf("%d of the counts above differ from their source table", mismatches)
	}
	fmt.Fprintf(out, "All %d source tables arrived complete.\n", len(rows))
	return nil
}

// arrived counts what reached the target for one placement.
func arrived(ctx context.Context, db *mongo.Database, pl placement) (int64, error) {
	coll := db.Collection(pl.collection)
	if len(pl.path) == 0 {
		n, err := coll.CountDocuments(ctx, bson.D{})
		if err != nil {
			return 0, fmt.Errorf("counting the documents of %s: %w", pl.collection, err)
		}
		return n, nil
	}
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: pl.path[0], Value: 1}}).SetBatchSize(1000))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", pl.collection, err)
	}
	defer cur.Close(ctx)
	var n int64
	for cur.Next(ctx) {
		n += elementsAt(bson.RawValue{Type: bsontype.EmbeddedDocument, Value: cur.Current}, pl.path)
	}
	if err := cur.Err(); err != nil {
		return 0, fmt.Errorf("reading %s: %w", pl.collection, err)
	}
	return n, nil
}

// elementsAt counts the elements of the arrays at path under v, descending into every element of
// the arrays on the way (an array embedded in an array's elements).
func elementsAt(v bson.RawValue, path []string) int64 {
	switch v.Type {
	case bsontype.Array:
		vals, _ := v.Array().Values()
		if len(path) == 0 {
			return int64(len(vals))
		}
		var n int64
		for _, e := range vals {
			n += elementsAt(e, path)
		}
		return n
	case bsontype.EmbeddedDocument:
		if len(path) == 0 {
			return 0
		}
		f, err := v.Document().LookupErr(path[0])
		if err != nil {
			return 0
		}
		return elementsAt(f, path[1:])
	}
	return 0
}

// printSample prints the first document of the collection with the deepest embedding.
func printSample(ctx context.Context, out io.Writer, p *project.Project, db *mongo.Database) error {
	best, bestDepth := "", -1
	for _, c := range p.Collections {
		if d := depth(c.Embedded); d > bestDepth {
			best, bestDepth = c.Name, d
		}
	}
	if best == "" {
		return nil
	}
	var doc bson.Raw
	err := db.Collection(best).FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: 1}})).Decode(&doc)
	if err != nil {
		return fmt.Errorf("reading a sample document of %s: %w", best, err)
	}
	text, err := bson.MarshalExtJSONIndent(doc, false, false, "", "  ")
	if err != nil {
		return fmt.Errorf("printing a sample document of %s: %w", best, err)
	}
	fmt.Fprintf(out, "\nA document of %s:\n%s\n", best, text)
	return nil
}

func depth(es []project.Embedded) int {
	d := 0
	for _, e := range es {
		d = max(d, 1+depth(e.Embedded))
	}
	return d
}
