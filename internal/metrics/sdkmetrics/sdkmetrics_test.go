package sdkmetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/relmongo/relmongo/internal/metrics/metricstest"
)

func TestHandlerSeries(t *testing.T) {
	c := New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	h := c.Handler().WithTags(map[string]string{"namespace": "default", "client_name": "temporal_go"})
	h.Counter("temporal_request").Inc(2)
	h.Counter("temporal_request").Inc(3)
	h.Counter("temporal_request").Inc(-1) // dropped: counters never go down
	// Overriding a tag and adding another creates a series with other label names under the same name.
	failed := h.WithTags(map[string]string{"namespace": "other", "status_code": "UNAVAILABLE"})
	failed.Counter("temporal_request").Inc(1)
	h.Gauge("temporal_num_pollers").Update(4)
	h.Gauge("temporal_num_pollers").Update(2)
	h.Timer("temporal_request_latency").Record(30 * time.Millisecond)
	h.Timer("temporal_request_latency").Record(2 * time.Second)
	// A name already used as a counter is not also a timer (one type per family): a no-op.
	h.Timer("temporal_request").Record(time.Second)
	// Names and tag keys that Prometheus refuses are sanitized.
	c.Handler().WithTags(map[string]string{"bad-key": "v"}).Counter("temporal.odd-name").Inc(1)

	got := gather(t, reg)
	for key, v := range map[string]float64{
		`temporal_num_pollers{client_name="temporal_go",namespace="default"}`:                           2,
		`temporal_odd_name_total{bad_key="v"}`:                                                          1,
		`temporal_request_total{client_name="temporal_go",namespace="default"}`:                         5,
		`temporal_request_total{client_name="temporal_go",namespace="other",status_code="UNAVAILABLE"}`: 1,
		`temporal_request_latency_count{client_name="temporal_go",namespace="default"}`:                 2,
		`temporal_request_latency_sum{client_name="temporal_go",namespace="default"}`:                   2.03,
		`temporal_request_latency_bucket{client_name="temporal_go",le="0.05",namespace="default"}`:      1,
		`temporal_request_latency_bucket{client_name="temporal_go",le="2.5",namespace="default"}`:       2,
	} {
		if got[key] != v {
			t.Errorf("%s = %v, want %v", key, got[key], v)
		}
		delete(got, key)
	}
	for key := range got {
		if !strings.HasPrefix(key, "temporal_request_latency_bucket") {
			t.Errorf("unexpected series %s", key)
		}
	}
}

func gather(t *testing.T, g prometheus.Gatherer) metricstest.Samples {
	t.Helper()
	s, err := metricstest.Gather(g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWithTagsDoesNotMutateParent(t *testing.T) {
	c := New()
	parent := c.Handler().WithTags(map[string]string{"a": "1"})
	_ = parent.WithTags(map[string]string{"a": "2", "b": "3"})
	parent.Counter("x").Inc(1)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	got := gather(t, reg)
	if len(got) != 1 || got[`x_total{a="1"}`] != 1 {
		t.Errorf("series %v, want only x_total{a=\"1\"} 1", got)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "_",
		"temporal_request": "temporal_request",
		"9lives":           "_lives",
		"a9":               "a9",
		"a.b-c d":          "a_b_c_d",
		"ünicode":          "__nicode",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
