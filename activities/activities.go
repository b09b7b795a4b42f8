// Package activities adapts relmongo's real work (internal/...) to Temporal: it opens sealed
// connections, heartbeats, honours cancellation, records progress in the store and classifies
// errors as retryable or not. The work itself lives in packages that never import the SDK.
package activities

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/metrics"
	"github.com/relmongo/relmongo/internal/secret"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/source/connect"
	"github.com/relmongo/relmongo/internal/store"
)

// Activities holds the dependencies of every activity. Create one per worker process.
type Activities struct {
	Store  *store.Store
	Key    secret.Key
	Logger *slog.Logger
	// Metrics receives the counts of completed chunks; nil counts nothing.
	Metrics *metrics.Metrics

	mu      sync.Mutex
	sources map[string]*cachedSource
	targets map[string]*cachedTarget
}

type cachedSource struct {
	src      source.Source
	lastUsed time.Time
}

type cachedTarget struct {
	t        *mongosink.Target
	lastUsed time.Time
}

// idleClose is how long an unused pool stays open; chunks of one job reuse it meanwhile.
const idleClose = 5 * time.Minute

// New returns the activities of one worker.
func New(st *store.Store, key secret.Key, logger *slog.Logger) *Activities {
	if logger == nil {
		logger = slog.Default()
	}
	return &Activities{Store: st, Key: key, Logger: logger, sources: map[string]*cachedSource{}, targets: map[string]*cachedTarget{}}
}

// Close releases every cached pool.
func (a *Activities) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, s := range a.sources {
		s.src.Close()
		delete(a.sources, k)
	}
	for k, t := range a.targets {
		_ = t.t.Close(context.Background())
		delete(a.targets, k)
	}
}

// sweepLocked closes pools idle for longer than idleClose. Callers hold a.mu.
func (a *Activities) sweepLocked(now time.Time) {
	for k, s := range a.sources {
		if now.Sub(s.lastUsed) > idleClose {
			s.src.Close()
			delete(a.sources, k)
		}
	}
	for k, t := range a.targets {
		if now.Sub(t.lastUsed) > idleClose {
			_ = t.t.Close(context.Background())
			delete(a.targets, k)
		}
	}
}

// openSource returns a pooled connection to the job's source, decrypting its sealed details.
func (a *Activities) openSource(ctx context.Context, conns contract.Connections, opts contract.Options) (source.Source, error) {
	cacheKey := conns.Source.Ciphertext
	a.mu.Lock()
	now := time.Now()
	a.sweepLocked(now)
	if s, ok := a.sources[cacheKey]; ok {
		s.lastUsed = now
		a.mu.Unlock()
		return s.src, nil
	}
	a.mu.Unlock()
	var sec contract.SourceSecret
	if err := a.Key.OpenJSON(conns.Source, &sec); err != nil {
		return nil, setupError(fmt.Errorf("opening the sealed source connection: %w", err))
	}
	cs, err := connstr.ParseSource(conns.SourceType, sec.URL, sec.User, sec.Password)
	if err != nil {
		return nil, setupError(err)
	}
	src, err := connect.Open(ctx, cs, opts.MaxSourceConnections)
	if err != nil {
		return nil, classify(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.sources[cacheKey]; ok { // another activity won the race
		src.Close()
		s.lastUsed = now
		return s.src, nil
	}
	a.sources[cacheKey] = &cachedSource{src: src, lastUsed: now}
	return src, nil
}

// openTarget returns a pooled client of the job's MongoDB target.
func (a *Activities) openTarget(ctx context.Context, conns contract.Connections) (*mongosink.Target, error) {
	cacheKey := conns.Target.Ciphertext
	a.mu.Lock()
	now := time.Now()
	if t, ok := a.targets[cacheKey]; ok {
		t.lastUsed = now
		a.mu.Unlock()
		return t.t, nil
	}
	a.mu.Unlock()
	var sec contract.TargetSecret
	if err := a.Key.OpenJSON(conns.Target, &sec); err != nil {
		return nil, setupError(fmt.Errorf("opening the sealed target connection: %w", err))
	}
	t, err := mongosink.Connect(ctx, sec.ConnectionString)
	if err != nil {
		return nil, classify(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.targets[cacheKey]; ok {
		_ = t.Close(ctx)
		c.lastUsed = now
		return c.t, nil
	}
	a.targets[cacheKey] = &cachedTarget{t: t, lastUsed: now}
	return t, nil
}
