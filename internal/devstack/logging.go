package devstack

import (
	"context"
	"log/slog"
	"strings"

	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// levelHandler drops records below a minimum level before they reach the
// wrapped handler. The embedded servers log every connection and shard move
// at INFO, which would bury the lines a developer cares about. The level is a
// LevelVar so that Close can silence a server while it shuts down.
type levelHandler struct {
	min   slog.Leveler
	inner slog.Handler
}

var _ slog.Handler = levelHandler{}

// Enabled implements slog.Handler.
func (h levelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min.Level() && h.inner.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (h levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.min.Level() {
		return nil
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelHandler{min: h.min, inner: h.inner.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{min: h.min, inner: h.inner.WithGroup(name)}
}

// ferretNoise drops FerretDB records that carry no news for an embedded
// server: dumps of failed command replies (the client receives the same error;
// the MongoDB driver's endSessions on every disconnect is one of them) and
// the deadline warning each connection logs when it ends. Filtering log
// records by text is a last resort; FerretDB is pinned, so the prefixes stay
// valid, and a missed match only means an extra log line. Errors always pass.
type ferretNoise struct {
	inner slog.Handler
}

var _ slog.Handler = ferretNoise{}

// ferretNoisePrefixes are the message prefixes ferretNoise drops below ERROR.
var ferretNoisePrefixes = []string{"Response header: ", "Response message:", "Failed to set deadline: "}

// Enabled implements slog.Handler.
func (h ferretNoise) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (h ferretNoise) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		for _, p := range ferretNoisePrefixes {
			if strings.HasPrefix(r.Message, p) {
				return nil
			}
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h ferretNoise) WithAttrs(attrs []slog.Attr) slog.Handler {
	return ferretNoise{inner: h.inner.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h ferretNoise) WithGroup(name string) slog.Handler {
	return ferretNoise{inner: h.inner.WithGroup(name)}
}

// ferretLogger returns the logger given to FerretDB: WARN and above, minus
// the noise described at ferretNoise.
func ferretLogger(base *slog.Logger) *slog.Logger {
	return slog.New(ferretNoise{inner: componentLogger(base, "ferretdb", slog.LevelWarn).Handler()})
}

// componentLogger returns a logger that writes to base's handler, tagged with
// the component name and filtered at min.
func componentLogger(base *slog.Logger, component string, min slog.Leveler) *slog.Logger {
	return slog.New(levelHandler{min: min, inner: base.Handler()}).With(slog.String("component", component))
}

// temporalLogger adapts an slog.Logger to the Temporal server's log.Logger.
// Temporal's own zap logger exits the process on Fatal; an embedded server must
// never do that to its host, so Panic and Fatal are logged as errors instead
// (the same choice the Temporal CLI's dev server makes).
type temporalLogger struct {
	log *slog.Logger
}

var (
	_ tlog.Logger      = temporalLogger{}
	_ tlog.WithLogger  = temporalLogger{}
	_ tlog.SLogWrapper = temporalLogger{}
)

// Debug implements log.Logger.
func (l temporalLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }

// Info implements log.Logger.
func (l temporalLogger) Info(msg string, tags ...tag.Tag) { l.emit(slog.LevelInfo, msg, tags) }

// Warn implements log.Logger.
func (l temporalLogger) Warn(msg string, tags ...tag.Tag) { l.emit(slog.LevelWarn, msg, tags) }

// Error implements log.Logger.
func (l temporalLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// DPanic implements log.Logger; it logs at error level and does not panic.
func (l temporalLogger) DPanic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// Panic implements log.Logger; it logs at error level and does not panic.
func (l temporalLogger) Panic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// Fatal implements log.Logger; it logs at error level and does not exit.
func (l temporalLogger) Fatal(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// With implements log.WithLogger.
func (l temporalLogger) With(tags ...tag.Tag) tlog.Logger {
	return temporalLogger{log: l.log.With(attrsToAny(tagsToAttrs(tags))...)}
}

// SLog implements log.SLogWrapper, so server code that wants an slog.Logger
// gets the same filtered logger rather than a second adapter layer.
func (l temporalLogger) SLog() *slog.Logger { return l.log }

func (l temporalLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	// Check first: converting tags is the expensive part, and most are dropped.
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.LogAttrs(ctx, level, msg, tagsToAttrs(tags)...)
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		if t == nil {
			continue
		}
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

func attrsToAny(attrs []slog.Attr) []any {
	out := make([]any, len(attrs))
	for i, a := range attrs {
		out[i] = a
	}
	return out
}
