package activities

import (
	"context"
	"strconv"
	"testing"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/source"
)

// intTable is a source over keys 1..rows that plans like the real dialects.
type intTable struct {
	source.Source
	rows int
}

func (f intTable) PlanChunks(_ context.Context, _ project.TablePlan, after []string, chunkRows int64, max int) ([][]string, bool, error) {
	start := 0
	if after != nil {
		start, _ = strconv.Atoi(after[0])
	}
	var out [][]string
	for len(out) < max {
		next := start + int(chunkRows)
		if next > f.rows {
			return out, true, nil
		}
		out = append(out, []string{strconv.Itoa(next)})
		start = next
	}
	return out, false, nil
}

// TestPlanRangeRowCount plans whole tables with and without rowCount and checks the chunks
// cover exactly the first rowCount keys.
func TestPlanRangeRowCount(t *testing.T) {
	tests := []struct {
		rows               int
		chunkRows, maxPlan int64
		rowCount           int64 // -1 = none
		want               int   // rows covered
	}{
		{100, 10, 3, -1, 100},
		{100, 10, 3, 35, 35},
		{100, 10, 64, 30, 30},
		{100, 10, 2, 7, 7},
		{100, 10, 3, 0, 0},
		{20, 10, 3, 35, 20},
		{100, 7, 3, 100, 100},
		{100, 7, 3, 99, 99},
		{5, 10, 3, 3, 3},
	}
	for _, tc := range tests {
		src := intTable{rows: tc.rows}
		in := contract.PlanChunksInput{Options: contract.Options{ChunkRows: tc.chunkRows}, MaxChunks: int(tc.maxPlan),
			Plan: project.CollectionPlan{Root: project.TablePlan{KeyColumns: []string{"id"}}}}
		if tc.rowCount >= 0 {
			rc := tc.rowCount
			in.Plan.Root.Filter.RowCount = &rc
		}
		covered := 0
		lower := 0
		for step := 0; step < 1000; step++ {
			uppers, done, closed, err := planRange(context.Background(), src, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range uppers {
				n, _ := strconv.Atoi(u[0])
				if step > 0 || lower > 0 {
					if n-lower != int(tc.chunkRows) && !(done && closed) {
						t.Fatalf("%+v: chunk (%d,%d] is not full before the end", tc, lower, n)
					}
				}
				covered += n - lower
				lower = n
				in.FirstSeq++
				in.After = u
			}
			if done {
				if !closed {
					covered += tc.rows - lower // the open last chunk reads the rest
				}
				break
			}
		}
		if covered != tc.want {
			t.Errorf("%+v: chunks cover %d rows, want %d", tc, covered, tc.want)
		}
	}
}
