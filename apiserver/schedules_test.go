package apiserver

import (
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/project"
)

func ptr[T any](v T) *T { return &v }

func TestValidateSchedule(t *testing.T) {
	cases := []struct {
		name string
		req  scheduleRequest
		full bool
		want []string // substrings of the problems, in order; none = valid
	}{
		{name: "interval", req: scheduleRequest{Spec: &scheduleSpec{Interval: "2s"}}, full: true},
		{name: "cron in a zone", req: scheduleRequest{Spec: &scheduleSpec{Cron: "0 2 * * *", TimeZone: "Europe/Paris"}, Overlap: ptr("BUFFER_ONE")}, full: true},
		{name: "missing spec", req: scheduleRequest{}, full: true, want: []string{"spec is required"}},
		{name: "both kinds", req: scheduleRequest{Spec: &scheduleSpec{Cron: "* * * * *", Interval: "1h"}}, full: true, want: []string{"not both"}},
		{name: "every bad field", full: true, req: scheduleRequest{ID: ptr("a b"), Spec: &scheduleSpec{Interval: "10ms", TimeZone: "Local", StartAt: "yesterday"},
			Overlap: ptr("NEVER"), CatchupWindow: ptr("1s"), InitialWindowStart: ptr("x"), Lookback: ptr("-1s")},
			want: []string{"spec.interval", "spec.timeZone", "spec.startAt", "overlap", "catchupWindow", "initialWindowStart", "lookback", "id"}},
		{name: "patch keeps the spec", req: scheduleRequest{Overlap: ptr("ALLOW_ALL")}},
		{name: "patch cannot pause", req: scheduleRequest{Paused: ptr(true)}, want: []string{"cannot be patched"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p requestProblems
			def := scheduleDefinition{}
			if !tc.full {
				def = scheduleDefinition{Spec: scheduleSpec{Interval: "1h"}, Overlap: "SKIP"}
			}
			tc.req.validateSchedule(&p, def, tc.full)
			if len(p.invalid) != len(tc.want) {
				t.Fatalf("problems %q, want %d", p.invalid, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(p.invalid[i], w) {
					t.Errorf("problem %d %q does not mention %q", i, p.invalid[i], w)
				}
			}
		})
	}
}

func TestScheduledJobProblems(t *testing.T) {
	item := project.TableRef{Schema: "public", Name: "item"}
	proj := &project.Project{Collections: []project.Collection{{Name: "items", Table: item}}}
	filters := func(table, where string) map[string]map[string]project.TableFilter {
		return map[string]map[string]project.TableFilter{"public": {table: {WhereClause: where}}}
	}
	cases := []struct {
		name string
		req  createJobRequest
		want []string
	}{
		{name: "root window", req: createJobRequest{RelationalTableFilters: filters("item", "t > :windowStart")}},
		{name: "cast is no parameter", req: createJobRequest{RelationalTableFilters: filters("line", "t::timestamptz > now()")}},
		{name: "embedded window", req: createJobRequest{RelationalTableFilters: filters("line", "t > :windowEnd")}, want: []string{"root table"}},
		{name: "drop", req: createJobRequest{Options: &jobOptions{DropCollections: ptr(true)}}, want: []string{"dropCollections"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p requestProblems
			scheduledJobProblems(&p, &tc.req, proj)
			if len(p.invalid) != len(tc.want) {
				t.Fatalf("problems %q, want %d", p.invalid, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(p.invalid[i], w) {
					t.Errorf("problem %q does not mention %q", p.invalid[i], w)
				}
			}
		})
	}
}
