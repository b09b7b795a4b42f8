// Package logging builds relmongo's slog loggers from the --log-level and --log-format flags.
//
// Every process logs through one *slog.Logger: the API, the activities and, through
// go.temporal.io/sdk/log.NewStructuredLogger, the Temporal SDK with the workflows' loggers. Log
// records about a job carry the attributes named here, so one query finds all the lines of a job,
// a collection or a chunk. Secrets are never logged: connection strings appear masked only.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Attribute keys shared by every log line about a job.
const (
	KeyJobID      = "job_id"
	KeyProjectID  = "project_id"
	KeyScheduleID = "schedule_id"
	KeyCollection = "collection"
	KeyChunk      = "chunk" // a chunk's sequence number within its collection
)

// Formats accepted by --log-format.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// New returns a logger writing to w at level ("debug", "info", "warn", "error") in format
// ("json": one JSON object per line, for log collectors; "text": key=value, for humans).
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case FormatJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case FormatText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: use json or text", format)
}
