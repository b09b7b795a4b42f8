package activities

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.temporal.io/sdk/activity"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/contract"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/store"
	"github.com/relmongo/relmongo/internal/verify"
)

// verifyPlanBatch is how many ALL-mode ranges one planning call returns.
const verifyPlanBatch = 16

// verifyBeatEvery spaces Verify's heartbeats. A sample moves on every few milliseconds; a heartbeat
// per group would be a server call each time, and a heartbeat call that is slow to answer (a busy
// server) ends the attempt. Well under the one-minute heartbeat timeout.
const verifyBeatEvery = 10 * time.Second

// verifyState is a Verify attempt's position, carried in its heartbeats so that a retry (a worker
// crash, a timeout) resumes after the last range it compared instead of starting over.
type verifyState struct {
	Counted      bool                `json:"counted"`
	Counts       verify.Counts       `json:"counts"`
	CountProblem string              `json:"countProblem,omitempty"`
	Sample       verify.Sample       `json:"sample"`
	Index        int64               `json:"index"`
	Pos          contract.ChunkBound `json:"pos,omitempty"`
	Done         bool                `json:"done"`
	Tally        verify.Tally        `json:"tally"`
	RecordErrors int64               `json:"recordErrors"`
	Altered      int                 `json:"altered"`
}

// verifyRun is the state of one Verify attempt.
type verifyRun struct {
	in      contract.VerifyInput
	src     source.Source
	target  *mongosink.Target
	builder *assemble.Builder
	st      verifyState
	// lastBeat is when the last heartbeat was recorded.
	lastBeat time.Time
}

// beat records st as the attempt's resumable position, at most every verifyBeatEvery. A skipped
// beat loses nothing: a retry resumes from an older position with the tally of that position.
func (r *verifyRun) beat(ctx context.Context, st verifyState) {
	if now := time.Now(); now.Sub(r.lastBeat) >= verifyBeatEvery {
		r.lastBeat = now
		activity.RecordHeartbeat(ctx, st)
	}
}

// Verify verifies one copied collection (API.md, verification): the count check of
// verify.Counts, then the content of the sampled (or all) root rows, re-read and re-assembled by
// the copy's own code path and compared by _id with the stored documents. Differences become
// VERIFICATION events (at most verify.MaxListed per collection, then a summary); they are a
// result, not an error: the activity fails only when it cannot verify.
func (a *Activities) Verify(ctx context.Context, in contract.VerifyInput) (contract.VerifyResult, error) {
	src, target, builder, err := a.openPipeline(ctx, in.Connections, in.Options, &in.Plan)
	if err != nil {
		return contract.VerifyResult{}, err
	}
	r := &verifyRun{in: in, src: src, target: target, builder: builder, lastBeat: time.Now()}
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &r.st); err != nil {
			r.st = verifyState{} // unreadable details: start over (comparisons are read-only)
		}
	}
	if !r.st.Counted {
		stopBeats := keepAlive(ctx, r.st)
		err := r.count(ctx, a.Store)
		stopBeats()
		if err != nil {
			return contract.VerifyResult{}, err
		}
		r.beat(ctx, r.st)
	}
	keyless := in.Plan.Staging || len(in.Plan.Root.KeyColumns) == 0
	if !keyless && !r.st.Done {
		if err := r.compare(ctx); err != nil {
			return contract.VerifyResult{}, err
		}
	}
	if err := a.Store.AppendEvents(ctx, in.JobID, r.events(keyless)); err != nil {
		return contract.VerifyResult{}, storeError(in.JobID, fmt.Errorf("recording the verification of %s: %w", in.Plan.Name, err))
	}
	return contract.VerifyResult{Collection: in.Plan.Name, Compared: r.st.Tally.Compared, Mismatched: r.st.Tally.Mismatched,
		CountsAgree: r.st.CountProblem == ""}, nil
}

// count gathers the figures of the count check.
func (r *verifyRun) count(ctx context.Context, st *store.Store) error {
	in := r.in
	cctx, cancel := context.WithTimeout(ctx, stmtTimeout(in.Hooks))
	selected, err := r.src.CountRows(cctx, in.Plan.Root)
	cancel()
	if err != nil {
		return timeoutError(cctx, ctx, fmt.Sprintf("counting the rows of %s", in.Plan.Root.Table), err)
	}
	if rc := in.Plan.Root.Filter.RowCount; rc != nil && *rc < selected {
		selected = *rc
	}
	stats, err := st.CollectionStats(ctx, in.JobID)
	if err != nil {
		return storeError(in.JobID, fmt.Errorf("reading the counters of %s: %w", in.Plan.Name, err))
	}
	c := verify.Counts{Selected: selected, Exact: in.Options.DropCollections || in.Plan.Staging}
	for _, s := range stats {
		if s.Collection == in.Plan.Name {
			c.Written, c.RecordErrors = s.DocsWritten, s.RecordErrors
		}
	}
	if c.Target, err = r.target.Count(ctx, in.Plan.Name); err != nil {
		return classify(err)
	}
	sample, err := verify.PlanSample(selected, max(in.Verification.SampleSize, 1))
	if err != nil {
		return setupError(err)
	}
	if in.Verification.Mode == contract.VerifyAll {
		sample = verify.Sample{All: true}
	}
	r.st = verifyState{Counted: true, Counts: c, CountProblem: c.Check(), Sample: sample}
	return nil
}

// compare walks the ranges to compare (every chunk for ALL, the sample's groups for SAMPLE),
// heartbeating its position after each.
func (r *verifyRun) compare(ctx context.Context) error {
	if r.st.Sample.All {
		return r.compareAll(ctx)
	}
	s := r.st.Sample
	for r.st.Index < s.Groups {
		// Group Index: the GroupRows rows after Pos (the key of row Index*Step; nil = table start).
		ends, _, err := r.plan(ctx, r.st.Pos, s.GroupRows)
		if err != nil {
			return err
		}
		var upper []string
		if len(ends) == 1 {
			upper = ends[0] // otherwise fewer rows are left: read to the end
		}
		if err := r.compareRange(ctx, r.st.Pos, upper); err != nil {
			return err
		}
		r.st.Index++
		if r.st.Index < s.Groups {
			next, _, err := r.plan(ctx, r.st.Pos, s.Step)
			if err != nil {
				return err
			}
			if len(next) == 0 {
				r.st.Index = s.Groups // the table shrank since it was counted
			} else {
				r.st.Pos = next[0]
			}
		}
		r.beat(ctx, r.st)
	}
	r.st.Done = true
	return nil
}

// plan returns the key of the n-th selected row after `after` (at most one boundary).
func (r *verifyRun) plan(ctx context.Context, after []string, n int64) ([][]string, bool, error) {
	defer keepAlive(ctx, r.st)()
	pctx, cancel := context.WithTimeout(ctx, stmtTimeout(r.in.Hooks))
	defer cancel()
	uppers, done, err := r.src.PlanChunks(pctx, r.in.Plan.Root, after, n, 1)
	if err != nil {
		return nil, false, timeoutError(pctx, ctx, fmt.Sprintf("planning the verification of %s", r.in.Plan.Root.Table), err)
	}
	return uppers, done, nil
}

// compareAll compares every chunk of the copy's own plan (same chunkRows, filter and rowCount).
func (r *verifyRun) compareAll(ctx context.Context) error {
	for {
		pin := contract.PlanChunksInput{JobID: r.in.JobID, Plan: r.in.Plan, Options: r.in.Options,
			After: r.st.Pos, FirstSeq: r.st.Index, MaxChunks: verifyPlanBatch, Hooks: r.in.Hooks}
		pctx, cancel := context.WithTimeout(ctx, stmtTimeout(r.in.Hooks))
		stopBeats := keepAlive(ctx, r.st)
		uppers, done, closed, err := planRange(pctx, r.src, pin)
		stopBeats()
		cancel()
		if err != nil {
			return timeoutError(pctx, ctx, fmt.Sprintf("planning the verification of %s", r.in.Plan.Root.Table), err)
		}
		if done && !closed {
			uppers = append(uppers, nil) // the open-ended last range
		}
		for _, u := range uppers {
			if err := r.compareRange(ctx, r.st.Pos, u); err != nil {
				return err
			}
			r.st.Index++
			r.st.Pos = u
			r.beat(ctx, r.st)
		}
		if done {
			r.st.Done = true
			return nil
		}
	}
}

// compareRange re-assembles the documents of the root rows in (lower, upper] and compares them
// with the stored ones. Rows that are record errors were not written and are not compared.
func (r *verifyRun) compareRange(ctx context.Context, lower, upper []string) error {
	snap, err := r.src.Snapshot(ctx, source.SnapshotOptions{StatementTimeoutMillis: stmtTimeout(r.in.Hooks).Milliseconds()})
	if err != nil {
		return classify(err)
	}
	defer snap.Close(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	saved := r.st
	// A range is re-read and fetched from the target as a few long operations (a find by _id can
	// scan the collection on FerretDB): keep the attempt alive with the position it resumes from.
	defer keepAlive(ctx, saved)()
	c := &verify.Checker{Tally: r.st.Tally, Key: mongosink.IDKey,
		Find: func(ctx context.Context, ids []bson.RawValue) (map[string]bson.Raw, error) {
			r.beat(ctx, saved) // liveness; the position moves only after the range
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return r.target.FindByIDs(ctx, r.in.Plan.Name, ids)
		},
		BeforeFind: r.alterHook(),
	}
	recordErrors := int64(0)
	err = assembleRange(ctx, snap, r.builder, &r.in.Plan, lower, upper, r.in.Options.ChunkBytes, maxBatchDocs, func() error { return nil },
		func(doc bson.Raw, rerr *assemble.RecordError) error {
			if rerr != nil {
				recordErrors++
				return nil
			}
			return c.Add(ctx, doc)
		})
	if err == nil {
		err = c.Flush(ctx)
	}
	if err != nil {
		return classify(fmt.Errorf("verifying %s: %w", r.in.Plan.Name, err))
	}
	r.st.Tally = c.Tally
	r.st.RecordErrors += recordErrors
	return nil
}

// alterHook returns the AlterBeforeVerify test hook for this collection, or nil: it marks the first
// Count documents that are about to be compared. A retry marks the same ones again (the sample is
// deterministic and the update idempotent).
func (r *verifyRun) alterHook() func(context.Context, []bson.RawValue) error {
	h := r.in.Hooks.AlterBeforeVerify
	if h == nil || h.Collection != r.in.Plan.Name {
		return nil
	}
	return func(ctx context.Context, ids []bson.RawValue) error {
		n := min(h.Count-r.st.Altered, len(ids))
		if n <= 0 {
			return nil
		}
		if err := r.target.MarkDocuments(ctx, r.in.Plan.Name, ids[:n], contract.AlteredMarkerField); err != nil {
			return err
		}
		r.st.Altered += n
		return nil
	}
}

// events are the collection's VERIFICATION events: the count problem, each listed difference,
// and one summary.
func (r *verifyRun) events(keyless bool) []store.Event {
	name := r.in.Plan.Name
	now := time.Now().UTC()
	ev := func(typ, msg string) store.Event {
		return store.Event{JobID: r.in.JobID, EventType: typ, Stage: "VERIFICATION", Message: msg, Timestamp: now,
			LocationType: "COLLECTION", LocationName: name}
	}
	var out []store.Event
	if r.st.CountProblem != "" {
		e := ev("ERROR", fmt.Sprintf("collection %s: the counts do not agree: %s", name, r.st.CountProblem))
		e.ErrorType = "VerificationCountMismatch"
		out = append(out, e)
	}
	for _, m := range r.st.Tally.Listed {
		e := ev("ERROR", fmt.Sprintf("collection %s: the document with _id %s differs from its source row: %s", name, m.ID, m.Reason))
		e.ErrorType, e.Key, e.Count = "VerificationMismatch", map[string]string{"_id": m.ID}, 1
		out = append(out, e)
	}
	t := r.st.Tally
	what := fmt.Sprintf("%d documents compared", t.Compared)
	switch {
	case keyless:
		what = "documents not compared (a table without a key gets fresh ObjectIds: only the counts are checked)"
	case r.st.Sample.All:
		what += " (all root rows)"
	default:
		what += fmt.Sprintf(" (a sample of %d groups of %d rows spread over the key order)", r.st.Sample.Groups, r.st.Sample.GroupRows)
	}
	if r.st.RecordErrors > 0 {
		what += fmt.Sprintf(", %d rows skipped as record errors", r.st.RecordErrors)
	}
	if t.Mismatched > 0 {
		e := ev("ERROR", fmt.Sprintf("collection %s: %d of %d compared documents differ from their source rows (the first %d are listed in their own events)",
			name, t.Mismatched, t.Compared, len(t.Listed)))
		e.ErrorType, e.Count = "VerificationMismatch", t.Mismatched
		return append(out, e)
	}
	if r.st.CountProblem != "" {
		return append(out, ev("ERROR", fmt.Sprintf("collection %s: %s, no difference in content; the counts differ", name, what)))
	}
	return append(out, ev("INFO", fmt.Sprintf("collection %s verified: %s; counts agree: %s", name, what, r.st.Counts.Summary())))
}

// verificationMessages are the events of metadata.verificationStatus changes.
var verificationMessages = map[string]string{
	contract.VerificationVerifying: "verification started: counting and comparing the documents of every collection",
	contract.VerificationVerified:  "verification passed: the counts and the compared documents of every collection agree with the source",
	contract.VerificationFailed:    "verification failed: see the VERIFICATION ERROR events for the differences; the job's data is kept and the job still completes",
	contract.VerificationCancelled: "verification cancelled by a stop",
	contract.VerificationAborted:   "verification could not finish",
}

// SetVerificationStatus records metadata.verificationStatus and an event saying what it means.
func (a *Activities) SetVerificationStatus(ctx context.Context, in contract.SetVerificationStatusInput) error {
	msg, ok := verificationMessages[in.Status]
	if !ok {
		return setupError(fmt.Errorf("job %s: %q is not a verification status", in.JobID, in.Status))
	}
	if in.Message != "" {
		msg += ": " + in.Message
	}
	if err := a.Store.UpdateJob(ctx, in.JobID, store.JobUpdate{VerificationStatus: &in.Status}); err != nil {
		return storeError(in.JobID, fmt.Errorf("recording verification status %s of job %s: %w", in.Status, in.JobID, err))
	}
	typ := "INFO"
	if in.Status == contract.VerificationFailed || in.Status == contract.VerificationAborted {
		typ = "ERROR"
	}
	ev := store.Event{JobID: in.JobID, EventType: typ, Stage: "VERIFICATION", Message: msg, Timestamp: time.Now().UTC()}
	if err := a.Store.AppendEvents(ctx, in.JobID, []store.Event{ev}); err != nil {
		return storeError(in.JobID, fmt.Errorf("recording the verification event of job %s: %w", in.JobID, err))
	}
	return nil
}
