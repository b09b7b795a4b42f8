package devstack

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.temporal.io/server/common/log/tag"
)

func TestTemporalLoggerLevels(t *testing.T) {
	tests := []struct {
		name    string
		log     func(l temporalLogger)
		want    string // substring of the output; "" = nothing written
		wantLvl string
	}{
		{name: "debug dropped", log: func(l temporalLogger) { l.Debug("d") }},
		{name: "info dropped", log: func(l temporalLogger) { l.Info("chatty", tag.NewStringTag("k", "v")) }},
		{name: "warn kept", log: func(l temporalLogger) { l.Warn("careful", tag.NewStringTag("k", "v")) }, want: "msg=careful component=temporal k=v", wantLvl: "level=WARN"},
		{name: "error kept", log: func(l temporalLogger) { l.Error("broken", tag.Error(errors.New("boom"))) }, want: "msg=broken component=temporal error=boom", wantLvl: "level=ERROR"},
		{name: "fatal does not exit", log: func(l temporalLogger) { l.Fatal("fatal") }, want: "msg=fatal", wantLvl: "level=ERROR"},
		{name: "panic does not panic", log: func(l temporalLogger) { l.Panic("panic") }, want: "msg=panic", wantLvl: "level=ERROR"},
		{name: "with keeps tags", log: func(l temporalLogger) { l.With(tag.NewStringTag("svc", "history")).(temporalLogger).Warn("w") }, want: "svc=history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			l := temporalLogger{log: componentLogger(base, "temporal", slog.LevelWarn)}
			tt.log(l)
			out := buf.String()
			if tt.want == "" {
				if out != "" {
					t.Fatalf("wrote %q, want nothing", out)
				}
				return
			}
			if !strings.Contains(out, tt.want) || !strings.Contains(out, "component=temporal") {
				t.Fatalf("wrote %q, want %q and component=temporal", out, tt.want)
			}
			if tt.wantLvl != "" && !strings.Contains(out, tt.wantLvl) {
				t.Fatalf("wrote %q, want %s", out, tt.wantLvl)
			}
		})
	}
}

func TestFerretLogger(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		msg   string
		kept  bool
	}{
		{name: "info dropped", level: slog.LevelInfo, msg: "Connection started"},
		{name: "warn kept", level: slog.LevelWarn, msg: "Failed to accept connection", kept: true},
		{name: "failed reply header dropped", level: slog.LevelWarn, msg: "Response header: length: 121"},
		{name: "failed reply body dropped", level: slog.LevelWarn, msg: "Response message:\n{}"},
		{name: "deadline warning dropped", level: slog.LevelWarn, msg: "Failed to set deadline: use of closed network connection"},
		{name: "reply that closed the connection kept", level: slog.LevelError, msg: "Response message:\n{}", kept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := ferretLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
			l.With(slog.String("name", "conn")).Log(context.Background(), tt.level, tt.msg)
			if got := buf.Len() > 0; got != tt.kept {
				t.Fatalf("kept = %v (%q), want %v", got, buf.String(), tt.kept)
			}
			if tt.kept && !strings.Contains(buf.String(), "component=ferretdb name=conn") {
				t.Fatalf("wrote %q, want component and attributes", buf.String())
			}
		})
	}
}
