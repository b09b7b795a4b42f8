package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/source"
)

// openPipeline opens a collection's source and target and prepares its document builder: what
// CopyChunk and Verify both need before they read a range.
func (a *Activities) openPipeline(ctx context.Context, conns contract.Connections, opts contract.Options,
	plan *project.CollectionPlan) (source.Source, *mongosink.Target, *assemble.Builder, error) {
	src, err := a.openSource(ctx, conns, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	target, err := a.openTarget(ctx, conns)
	if err != nil {
		return nil, nil, nil, err
	}
	builder, err := newBuilder(plan, opts.SourceTimeZone, target)
	if err != nil {
		return nil, nil, nil, err
	}
	return src, target, builder, nil
}

// newBuilder prepares the document builder of a collection for a target: the conversion rules of
// the job's options and what the target cannot store. CopyChunk and Verify both use it, so a
// verification assembles exactly what the copy wrote.
func newBuilder(plan *project.CollectionPlan, sourceTimeZone string, target *mongosink.Target) (*assemble.Builder, error) {
	loc, err := time.LoadLocation(sourceTimeZone)
	if err != nil {
		return nil, setupError(fmt.Errorf("sourceTimeZone %q: %w", sourceTimeZone, err))
	}
	caps := target.Capabilities()
	limits := convert.TargetLimits{
		NoDecimal128: !caps.Decimal128, NoNaNInf: !caps.NaNInfDoubles, NoNestedArrays: !caps.NestedArrays,
		NoNULInStrings: !caps.NULInStrings, NoDottedOrDollarKeys: !caps.DottedDollarKeys,
		// FerretDB stores -0.0 as 0: refuse it there rather than change the value silently.
		NoNegativeZero: caps.Product == mongosink.ProductFerretDB,
	}
	builder, err := assemble.New(plan, convert.Options{Location: loc}, limits)
	if err != nil {
		return nil, setupError(err)
	}
	return builder, nil
}

// assembleRange reads the root rows of plan with key in (lower, upper] in snap and assembles
// their documents, passing each (or its record error) to emit in key order. onRow runs for every
// root row read, before its document is built (counters, throttling). It is the one read ->
// convert -> assemble path of the copy and of verification.
func assembleRange(ctx context.Context, snap source.Snapshot, builder *assemble.Builder, plan *project.CollectionPlan,
	lower, upper []string, chunkBytes int64, maxGroupRows int, onRow func() error, emit assemble.Emit) error {
	if !builder.HasEmbedded() {
		// Flat documents stream: one row in, one document out.
		return snap.ReadRange(ctx, plan.Root, lower, upper, func(row source.Row) error {
			if err := onRow(); err != nil {
				return err
			}
			return emit(builder.Build(row))
		})
	}
	// Embedded tables are read for a group of root rows with one query per table, once the
	// range's root rows are read: the snapshot's connection serves one query at a time. The rows
	// of a group and of its children are in memory together, so a group holds at most
	// maxGroupRows root rows, and fewer when the previous group's rows with their children passed
	// a quarter of chunkBytes (the rest is left to the documents being built and written).
	var childBytes int64
	fetch := func(t *project.TablePlan, keys [][]string, fn func(source.Row) error) error {
		return snap.ReadByKeys(ctx, *t, keys, func(row source.Row) error {
			childBytes += rowBytes(row)
			return fn(row)
		})
	}
	var roots []source.Row
	err := snap.ReadRange(ctx, plan.Root, lower, upper, func(row source.Row) error {
		if err := onRow(); err != nil {
			return err
		}
		roots = append(roots, slices.Clone(row))
		return nil
	})
	limit := max(chunkBytes/4, 1)
	groupRows := max(maxGroupRows, 1)
	for len(roots) > 0 && err == nil {
		n := 0
		groupBytes := int64(0)
		for n < len(roots) && n < groupRows && (n == 0 || groupBytes < limit) {
			groupBytes += rowBytes(roots[n])
			n++
		}
		childBytes = 0
		err = builder.BuildChunk(roots[:n], fetch, emit)
		groupRows = nextGroupRows(n, groupBytes+childBytes, limit, max(maxGroupRows, 1))
		clear(roots[:n]) // built: let the rows go while the next group is read
		roots = roots[n:]
	}
	return err
}
