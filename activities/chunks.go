package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.temporal.io/sdk/activity"

	"github.com/relmongo/relmongo/internal/assemble"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/logging"
	"github.com/relmongo/relmongo/internal/metrics"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/store"
)

// Batch limits of one bulk write: well under the 16 MiB / 100k-operation limits of a command, and
// large enough that round trips do not dominate.
const (
	maxBatchDocs  = 1000
	maxBatchBytes = 8 << 20
	// statementTimeout bounds each source statement of a chunk (user filters are untrusted SQL).
	statementTimeout = 10 * time.Minute
	// progressInterval spaces a chunk's progress saves. Each save is two store transactions, each
	// an fsync of the shared SQLite store: after every 1,000-document batch they cost more than
	// reading and converting the rows (measured in the benchmark's discard job). The chunk's final
	// save is never skipped, and a superseded attempt still notices within this interval.
	progressInterval = time.Second
	// maxQueuedEvents bounds the record errors held in memory between progress saves.
	maxQueuedEvents = 100
)

// PlanChunks returns the next key ranges of a collection's root table.
func (a *Activities) PlanChunks(ctx context.Context, in contract.PlanChunksInput) (contract.PlanChunksResult, error) {
	src, err := a.openSource(ctx, in.Connections, in.Options)
	if err != nil {
		return contract.PlanChunksResult{}, err
	}
	pctx, cancel := context.WithTimeout(ctx, stmtTimeout(in.Hooks))
	uppers, done, closed, err := planRange(pctx, src, in)
	cancel()
	if err != nil {
		return contract.PlanChunksResult{}, timeoutError(pctx, ctx, fmt.Sprintf("planning chunks of %s", in.Plan.Root.Table), err)
	}
	res := contract.PlanChunksResult{Done: done}
	lower := in.After
	seq := in.FirstSeq
	for _, u := range uppers {
		res.Chunks = append(res.Chunks, contract.Chunk{Seq: seq, Lower: lower, Upper: u})
		lower = u
		seq++
	}
	if done && !closed {
		res.Chunks = append(res.Chunks, contract.Chunk{Seq: seq, Lower: lower})
		seq++
	}
	st := store.CollectionState{JobID: in.JobID, Collection: in.Plan.Name, State: "RUNNING", RootTable: in.Plan.Root.Table.String(), EstimatedRows: in.Plan.Root.EstimatedRows, ChunksPlanned: seq}
	if err := a.Store.PutCollection(ctx, st); err != nil {
		return contract.PlanChunksResult{}, fmt.Errorf("recording the plan of %s: %w", in.Plan.Name, err)
	}
	return res, nil
}

// stmtTimeout is the bound of one source statement: untrusted filters must not run for ever.
func stmtTimeout(h contract.TestHooks) time.Duration {
	if h.StatementTimeoutMillis > 0 {
		return time.Duration(h.StatementTimeoutMillis) * time.Millisecond
	}
	return statementTimeout
}

// planRange returns the next chunk boundaries. With a rowCount filter on the root table the plan
// stops at the rowCount-th row in key order: every chunk before the last is full, so the rows
// already planned are FirstSeq*chunkRows, and the last boundary is the key of the last row
// allowed. closed means the plan ends at the last upper bound (no open-ended chunk follows).
func planRange(ctx context.Context, src source.Source, in contract.PlanChunksInput) (uppers [][]string, done, closed bool, err error) {
	chunkRows := max(in.Options.ChunkRows, 1)
	maxChunks := max(in.MaxChunks, 1)
	rc := in.Plan.Root.Filter.RowCount
	if rc == nil || len(in.Plan.Root.KeyColumns) == 0 {
		uppers, done, err = src.PlanChunks(ctx, in.Plan.Root, in.After, chunkRows, maxChunks)
		return uppers, done, false, err
	}
	budget := *rc - in.FirstSeq*chunkRows
	if budget <= 0 {
		return nil, true, true, nil
	}
	full := budget / chunkRows
	if full > 0 {
		n := int(min(full, int64(maxChunks)))
		uppers, done, err = src.PlanChunks(ctx, in.Plan.Root, in.After, chunkRows, n)
		if err != nil || done {
			return uppers, done, false, err
		}
		if int64(n) < full || budget%chunkRows == 0 {
			return uppers, int64(n) == full, int64(n) == full, nil
		}
	}
	after := in.After
	if len(uppers) > 0 {
		after = uppers[len(uppers)-1]
	}
	last, tableEnds, err := src.PlanChunks(ctx, in.Plan.Root, after, budget%chunkRows, 1)
	if err != nil {
		return nil, false, false, err
	}
	if tableEnds {
		return uppers, true, false, nil // fewer rows than rowCount: an open last chunk reads them all
	}
	return append(uppers, last...), true, true, nil
}

// chunkRun is the state of one CopyChunk attempt.
type chunkRun struct {
	a       *Activities
	in      contract.CopyChunkInput
	target  *mongosink.Target
	builder *assemble.Builder
	// collection is where documents go: the collection, or its staging collection.
	collection string
	progress   store.ChunkProgress
	batch      []bson.Raw
	batchLen   int
	events     []store.Event
	// lastSave is when progress was last saved (see progressInterval).
	lastSave time.Time
	// failAfterFirstFlush is the test hook that simulates a crash mid-write.
	failAfterFirstFlush bool
}

// CopyChunk reads one key range of the root table in a snapshot transaction, assembles complete
// documents and writes them idempotently, recording progress after a batch at most once per
// progressInterval, and at the end.
func (a *Activities) CopyChunk(ctx context.Context, in contract.CopyChunkInput) (contract.CopyChunkResult, error) {
	log := a.Logger.With(logging.KeyJobID, in.JobID, logging.KeyCollection, in.Plan.Name, logging.KeyChunk, in.Chunk.Seq,
		"attempt", activity.GetInfo(ctx).Attempt)
	start := time.Now()
	res, err := a.copyChunk(ctx, in)
	if err != nil {
		// Temporal retries it (or the job fails with it); the line tells which chunk and attempt.
		log.Warn("chunk failed", "error", err, "duration_ms", time.Since(start).Milliseconds())
		return res, err
	}
	log.Debug("chunk copied", "rows_read", res.RowsRead, "docs_written", res.DocsWritten, "record_errors", res.RecordErrors,
		"bytes", res.Bytes, "duration_ms", time.Since(start).Milliseconds())
	return res, nil
}

func (a *Activities) copyChunk(ctx context.Context, in contract.CopyChunkInput) (contract.CopyChunkResult, error) {
	start := time.Now()
	src, target, builder, err := a.openPipeline(ctx, in.Connections, in.Options, &in.Plan)
	if err != nil {
		return contract.CopyChunkResult{}, err
	}
	// lastSave starts now: a chunk that takes less than progressInterval saves once, at its end.
	run := &chunkRun{a: a, in: in, target: target, builder: builder, collection: in.Plan.Name, lastSave: time.Now(),
		progress: store.ChunkProgress{JobID: in.JobID, Collection: in.Plan.Name, Seq: in.Chunk.Seq}}
	info := activity.GetInfo(ctx)
	if h := in.Hooks.FailChunkOnce; h != nil && *h == in.Chunk.Seq && info.Attempt == 1 {
		run.failAfterFirstFlush = true
	}
	if in.Plan.Staging {
		// A keyless table is one chunk written to a staging collection; a retry restarts it.
		run.collection = in.Plan.StagingCollection(in.JobID)
		if err := target.Drop(ctx, run.collection); err != nil {
			return contract.CopyChunkResult{}, classify(fmt.Errorf("dropping staging collection %s: %w", run.collection, err))
		}
	}
	if err := run.copy(ctx, src); err != nil {
		return contract.CopyChunkResult{}, err
	}
	if in.Plan.Staging {
		if err := target.RenameReplacing(ctx, run.collection, in.Plan.Name); err != nil {
			return contract.CopyChunkResult{}, classify(fmt.Errorf("replacing %s with its staging collection: %w", in.Plan.Name, err))
		}
	}
	a.countChunk(ctx, run, time.Since(start))
	return contract.CopyChunkResult{RowsRead: run.progress.RowsRead, DocsWritten: run.progress.DocsWritten,
		RecordErrors: run.progress.RecordErrors, Bytes: run.progress.Bytes}, nil
}

func (r *chunkRun) copy(ctx context.Context, src source.Source) error {
	snap, err := src.Snapshot(ctx, source.SnapshotOptions{StatementTimeoutMillis: stmtTimeout(r.in.Hooks).Milliseconds()})
	if err != nil {
		return classify(err)
	}
	defer snap.Close(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	var throttle time.Duration
	if rps := r.in.Hooks.ThrottleRowsPerSecond; rps > 0 {
		throttle = time.Second / time.Duration(rps)
	}
	batchDocs := maxBatchDocs
	if r.failAfterFirstFlush {
		batchDocs = 2 // flush early so the simulated failure happens after a partial write
	}
	c := r.in.Chunk
	// add queues one assembled document (or its record error) and flushes full batches.
	add := func(doc bson.Raw, rerr *assemble.RecordError) error {
		if rerr != nil {
			r.recordError(rerr)
		} else {
			r.batch = append(r.batch, doc)
			r.batchLen += len(doc)
		}
		if len(r.batch) >= batchDocs || int64(r.batchLen) >= min(int64(maxBatchBytes), max(r.in.Options.ChunkBytes, 1)) {
			if err := r.flush(ctx); err != nil {
				return err
			}
			if r.failAfterFirstFlush {
				return errors.New("test hook: simulated worker failure after a partial write")
			}
		}
		return nil
	}
	pace := func() error {
		if throttle > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(throttle):
			}
		}
		return nil
	}
	err = assembleRange(ctx, snap, r.builder, &r.in.Plan, c.Lower, c.Upper, r.in.Options.ChunkBytes, batchDocs, func() error {
		r.progress.RowsRead++
		return pace()
	}, add)
	if err != nil {
		return classify(err)
	}
	if err := r.flush(ctx); err != nil {
		return classify(err)
	}
	r.progress.Done = true
	return r.save(ctx)
}

// nextGroupRows sizes the next group of root rows from the last one: rows root rows that took
// bytes with their children. It keeps a group's estimated bytes under limit, between 1 and most.
func nextGroupRows(rows int, bytes, limit int64, most int) int {
	if rows <= 0 || bytes <= 0 {
		return most
	}
	perRow := max(bytes/int64(rows), 1)
	return int(max(min(limit/perRow, int64(most)), 1))
}

// rowBytes estimates the memory of a row, to bound a group of root rows.
func rowBytes(row source.Row) int64 {
	n := int64(0)
	for _, v := range row {
		switch x := v.(type) {
		case string:
			n += int64(len(x)) + 16
		case []byte:
			n += int64(len(x)) + 24
		default:
			n += 16
		}
	}
	return n
}

// keepAliveEvery spaces the heartbeats of a write in flight: well under copyActivity's one-minute
// heartbeat timeout.
const keepAliveEvery = 15 * time.Second

// keepAlive heartbeats details every keepAliveEvery until stop is called. One operation can
// legitimately outlast the heartbeat timeout (on FerretDB the delete+insert rewrite of existing
// documents, a count or a find by _id scans the collection): without these heartbeats Temporal
// would time the attempt out and retry it, which then runs the same operation again, for ever.
// Callers keep only such operations alive, so a worker that hangs elsewhere still times out;
// details must be the attempt's last resumable position (what a retry reads back).
func keepAlive(ctx context.Context, details any) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(keepAliveEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, details)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// flush writes the pending batch and records progress.
func (r *chunkRun) flush(ctx context.Context) error {
	if len(r.batch) > 0 {
		written := len(r.batch) // the discard hook counts documents as written without writing them
		if !r.in.Hooks.DiscardWrites {
			stopBeats := keepAlive(ctx, r.progress.RowsRead)
			res, err := r.target.Write(ctx, r.collection, r.batch)
			stopBeats()
			if err != nil {
				return fmt.Errorf("writing %d documents to %s: %w", len(r.batch), r.in.Plan.Name, err)
			}
			for _, rej := range res.Rejected {
				r.recordError(&assemble.RecordError{Collection: r.in.Plan.Name, Table: r.in.Plan.Root.Table,
					Key: map[string]string{"_id": rej.ID.String()}, Reason: fmt.Sprintf("the target rejected the document (code %d): %s", rej.Code, rej.Message)})
			}
			written = res.Inserted + res.Replaced
		}
		r.progress.DocsWritten += int64(written)
		r.progress.Bytes += int64(r.batchLen)
		r.batch = r.batch[:0]
		r.batchLen = 0
	}
	activity.RecordHeartbeat(ctx, r.progress.RowsRead)
	if err := ctx.Err(); err != nil {
		return err
	}
	if time.Since(r.lastSave) < progressInterval && len(r.events) < maxQueuedEvents && !r.failAfterFirstFlush {
		return nil
	}
	return r.save(ctx)
}

func (r *chunkRun) save(ctx context.Context) error {
	r.lastSave = time.Now()
	r.progress.UpdatedAt = r.lastSave.UTC()
	if err := r.saveReport(ctx); err != nil {
		return err
	}
	if err := r.a.Store.PutChunk(ctx, r.progress); err != nil {
		return fmt.Errorf("recording progress: %w", err)
	}
	return nil
}

// countChunk adds a completed chunk to the metrics, once per chunk: only the first attempt to
// complete it counts (store.MarkChunkCounted), so retries never inflate the counters and a
// finished job's chunks add up to its statistics. Metrics are best effort: a store error is
// logged, never a reason to redo a chunk whose data is written.
func (a *Activities) countChunk(ctx context.Context, r *chunkRun, d time.Duration) {
	if a.Metrics == nil {
		return
	}
	// The chunk is done: a cancellation arriving now (a stopping worker) must not lose its count.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	first, err := a.Store.MarkChunkCounted(mctx, r.in.JobID, r.in.Plan.Name, r.in.Chunk.Seq)
	if err != nil {
		a.Logger.Warn("chunk not counted in the metrics", "job", r.in.JobID, "collection", r.in.Plan.Name, "chunk", r.in.Chunk.Seq, "error", err)
		return
	}
	if !first {
		return
	}
	a.Metrics.ChunkCompleted(metrics.Chunk{RowsRead: r.progress.RowsRead, DocsWritten: r.progress.DocsWritten,
		RecordErrors: r.progress.RecordErrors, BytesWritten: r.progress.Bytes, ErrorHandling: r.in.Options.ErrorHandling, Duration: d})
}
