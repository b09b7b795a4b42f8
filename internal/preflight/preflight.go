// Package preflight holds the checks a job must pass before it runs: the source answers with these
// credentials, every mapped table and column exists with a compatible type, the MongoDB connection
// string names a database and the target answers, and the target can store what the mapping
// produces. POST /jobs runs them time-boxed; the Prepare activity runs the catalog and capability
// checks again when the job starts.
package preflight

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/source/connect"
)

// Input is what a job would run with.
type Input struct {
	Project           *project.Project
	Source            connstr.Source
	MongoURI          string
	CollectionFilters []string
	TableFilters      map[string]map[string]project.TableFilter
}

// Result lists every failed check; empty Problems means the job can start.
type Result struct {
	Problems []string
	Plans    []project.CollectionPlan
}

// Run checks source and target concurrently (each bounded by ctx) and returns all problems.
func Run(ctx context.Context, in Input) Result {
	var (
		wg       sync.WaitGroup
		srcProbs []string
		tgtProbs []string
		plans    []project.CollectionPlan
		caps     *mongosink.Capabilities
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		src, err := connect.Open(ctx, in.Source, 2)
		if err != nil {
			srcProbs = append(srcProbs, fmt.Sprintf("source: %v", timeoutHint(ctx, err)))
			return
		}
		defer src.Close()
		cat, err := src.Introspect(ctx, in.Project.Source.Schemas)
		if err != nil {
			srcProbs = append(srcProbs, fmt.Sprintf("source: %v", timeoutHint(ctx, err)))
			return
		}
		var ps project.Problems
		plans, ps = project.Resolve(in.Project, cat, in.CollectionFilters, in.TableFilters)
		for _, p := range ps {
			srcProbs = append(srcProbs, "source schema: "+p.String())
		}
	}()
	go func() {
		defer wg.Done()
		t, err := mongosink.Connect(ctx, in.MongoURI)
		if err != nil {
			tgtProbs = append(tgtProbs, fmt.Sprintf("target: %v", timeoutHint(ctx, err)))
			return
		}
		defer t.Close(context.WithoutCancel(ctx)) //nolint:errcheck
		c := t.Capabilities()
		caps = &c
	}()
	wg.Wait()
	res := Result{Problems: append(srcProbs, tgtProbs...), Plans: plans}
	if caps != nil && len(srcProbs) == 0 {
		if msg := CapabilityProblems(plans, *caps); msg != "" {
			res.Problems = append(res.Problems, msg)
		}
	}
	return res
}

func timeoutHint(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (no answer within the pre-check time limit: is the host reachable?)", err)
	}
	return err
}

// CapabilityProblems returns a message naming every column whose values the target can never
// store (TYPES.md, Targets), or "" when the mapping fits the target.
func CapabilityProblems(plans []project.CollectionPlan, caps mongosink.Capabilities) string {
	if caps.Decimal128 {
		return ""
	}
	var cols []string
	var walk func(collection string, t *project.TablePlan)
	walk = func(collection string, t *project.TablePlan) {
		for _, c := range t.Columns {
			if len(c.Output) == 0 && c.KeyPart == 0 {
				continue
			}
			if convert.KindNeedsDecimal128(c.ConvertColumn()) {
				cols = append(cols, fmt.Sprintf("%s.%s (collection %s)", t.Table, c.Name, collection))
			}
		}
		for i := range t.Embedded {
			walk(collection, &t.Embedded[i])
		}
	}
	for i := range plans {
		walk(plans[i].Name, &plans[i].Root)
	}
	if len(cols) == 0 {
		return ""
	}
	return fmt.Sprintf("target: %s %s cannot store Decimal128, which these numeric columns produce: %s; override their field type to STRING (exact text) in the project, or use MongoDB",
		caps.Product, caps.Version, strings.Join(cols, ", "))
}
