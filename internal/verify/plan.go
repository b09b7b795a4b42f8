package verify

import "fmt"

// maxGroups is how many places of the key order a sample visits at most. Rows are read in groups
// of consecutive keys (one range read and one find by _id each) rather than one by one, so a
// sample of 1000 rows costs 20 range reads and 20 finds whatever the dialect. More groups spread
// the sample wider but cost a round trip each (and a collection scan each on FerretDB, which does
// not use the _id index for $in).
const maxGroups = 20

// Sample is where SAMPLE mode reads: Groups groups of GroupRows consecutive root rows (in key
// order, among the rows the job selected), group k starting after row k*Step. It depends only on
// the number of rows and the sample size, so the same job verifies the same rows every time.
type Sample struct {
	Groups, GroupRows, Step int64
	// All is set when the sample would cover every row: then every row is compared (mode ALL).
	All bool
}

// PlanSample spreads sampleSize rows over rows selected rows.
func PlanSample(rows, sampleSize int64) (Sample, error) {
	if sampleSize < 1 {
		return Sample{}, fmt.Errorf("sampleSize must be at least 1 (got %d)", sampleSize)
	}
	if rows <= sampleSize {
		return Sample{All: true}, nil
	}
	groupRows := (sampleSize + maxGroups - 1) / maxGroups
	groups := sampleSize / groupRows // the sample holds at most sampleSize rows
	return Sample{Groups: groups, GroupRows: groupRows, Step: rows / groups}, nil
}

// Counts are the figures of a collection's count check.
type Counts struct {
	// Selected is the number of root rows the job selects (its filter and rowCount) now.
	Selected int64
	// RecordErrors is the number of rows the job reported as record errors (never written).
	RecordErrors int64
	// Written is the number of documents the job wrote (retries counted once).
	Written int64
	// Target is the number of documents in the collection now.
	Target int64
	// Exact is set when the collection held only what the job wrote (dropCollections, or a
	// keyless table's staging collection): then Target must equal Written; otherwise documents
	// that were there before the job may remain and Target may be larger.
	Exact bool
}

// Check applies the count rule of API.md: Written = Selected - RecordErrors (every selected row
// became a document or a reported record error), and Target = Written (Target >= Written when
// the collection was not dropped). It returns "" when the counts agree, otherwise why not.
func (c Counts) Check() string {
	if want := c.Selected - c.RecordErrors; c.Written != want {
		return fmt.Sprintf("the job wrote %d documents but the source now selects %d rows and %d were record errors (expected %d documents); the source changed since the snapshot or rows were lost",
			c.Written, c.Selected, c.RecordErrors, want)
	}
	switch {
	case c.Exact && c.Target != c.Written:
		return fmt.Sprintf("the collection holds %d documents, the job wrote %d", c.Target, c.Written)
	case c.Target < c.Written:
		return fmt.Sprintf("the collection holds %d documents, fewer than the %d the job wrote", c.Target, c.Written)
	}
	return ""
}

// Summary describes counts that agree, for the collection's INFO event.
func (c Counts) Summary() string {
	s := fmt.Sprintf("%d rows selected, %d record errors, %d documents written, %d in the collection", c.Selected, c.RecordErrors, c.Written, c.Target)
	if extra := c.Target - c.Written; extra > 0 {
		s += fmt.Sprintf(" (%d were there before the job: dropCollections was false)", extra)
	}
	return s
}
