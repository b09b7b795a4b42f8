// Package sdkmetrics exports the Temporal Go SDK's metrics (temporal_request, temporal_workflow_*,
// temporal_activity_*, ...) into a Prometheus registry: it implements client.MetricsHandler over
// client_golang, so relmongo needs neither tally nor the SDK's contrib modules.
//
// The SDK creates metrics by name with free-form tag sets, and one name may carry different tag
// keys at different call sites (temporal_request_failure adds status_code, for instance), which a
// fixed-label Prometheus vector cannot hold. So each (name, tag set) is its own series, kept by an
// unchecked collector that reports whatever series exist at scrape time. Counters are exposed with
// the Prometheus suffix _total, timers as histograms in seconds under their own name.
package sdkmetrics

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// Buckets of the SDK's timers, in seconds: from sub-millisecond requests to long polls (about a
// minute) and long activities.
var Buckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

type kind int

const (
	kindCounter kind = iota
	kindGauge
	kindTimer
)

// Collector holds every SDK series created so far. It is a prometheus.Collector; register it
// once and give Handler() to client.Options.MetricsHandler.
type Collector struct {
	mu     sync.RWMutex
	series map[string]*series
	// kinds remembers the kind of each metric name: a Prometheus family has one type, so a name
	// the SDK used as a counter is never also exposed as a timer.
	kinds map[string]kind
}

type series struct {
	counter   prometheus.Counter
	gauge     prometheus.Gauge
	histogram prometheus.Histogram
	metric    prometheus.Metric
}

// New returns an empty collector.
func New() *Collector {
	return &Collector{series: map[string]*series{}, kinds: map[string]kind{}}
}

// Describe sends nothing: the collector is unchecked because its series appear as the SDK creates them.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.series {
		ch <- s.metric
	}
}

// Handler returns the SDK metrics handler writing into c.
func (c *Collector) Handler() client.MetricsHandler {
	return handler{c: c}
}

// handler is a client.MetricsHandler with a fixed tag set.
type handler struct {
	c    *Collector
	tags map[string]string
}

// WithTags returns a handler whose metrics carry h's tags overridden by tags.
func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	maps.Copy(merged, h.tags)
	maps.Copy(merged, tags)
	return handler{c: h.c, tags: merged}
}

// Counter returns the counter of name with h's tags.
func (h handler) Counter(name string) client.MetricsCounter {
	s := h.c.get(kindCounter, name, h.tags)
	if s == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	return counter{s.counter}
}

// Gauge returns the gauge of name with h's tags.
func (h handler) Gauge(name string) client.MetricsGauge {
	s := h.c.get(kindGauge, name, h.tags)
	if s == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	return gauge{s.gauge}
}

// Timer returns the timer of name with h's tags.
func (h handler) Timer(name string) client.MetricsTimer {
	s := h.c.get(kindTimer, name, h.tags)
	if s == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	return timer{s.histogram}
}

type counter struct{ c prometheus.Counter }

// Inc adds d; a counter never goes down, so a negative d is dropped rather than panicking.
func (c counter) Inc(d int64) {
	if d > 0 {
		c.c.Add(float64(d))
	}
}

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(v float64) { g.g.Set(v) }

type timer struct{ h prometheus.Histogram }

func (t timer) Record(d time.Duration) { t.h.Observe(d.Seconds()) }

// get returns the series of (name, tags), creating it on first use; nil when name is already
// used with another kind.
func (c *Collector) get(k kind, name string, tags map[string]string) *series {
	name = sanitize(name)
	labels := make(prometheus.Labels, len(tags))
	for key, v := range tags {
		labels[sanitize(key)] = v
	}
	id := seriesID(k, name, labels)
	c.mu.RLock()
	s, ok := c.series[id]
	c.mu.RUnlock()
	if ok {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.series[id]; ok {
		return s
	}
	if prev, ok := c.kinds[name]; ok && prev != k {
		return nil
	}
	c.kinds[name] = k
	help := "Temporal Go SDK metric " + name + "."
	s = &series{}
	switch k {
	case kindCounter:
		s.counter = prometheus.NewCounter(prometheus.CounterOpts{Name: name + "_total", Help: help, ConstLabels: labels})
		s.metric = s.counter
	case kindGauge:
		s.gauge = prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
		s.metric = s.gauge
	case kindTimer:
		s.histogram = prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help + " Seconds.", ConstLabels: labels, Buckets: Buckets})
		s.metric = s.histogram
	}
	c.series[id] = s
	return s
}

// seriesID identifies a series by kind, name and sorted labels.
func seriesID(k kind, name string, labels prometheus.Labels) string {
	var b strings.Builder
	b.WriteByte(byte('0' + k))
	b.WriteString(name)
	for _, key := range slices.Sorted(maps.Keys(labels)) {
		b.WriteByte(0)
		b.WriteString(key)
		b.WriteByte(0)
		b.WriteString(labels[key])
	}
	return b.String()
}

// sanitize makes s a valid Prometheus metric or label name ([a-zA-Z_][a-zA-Z0-9_]*); the SDK's
// names already are, this only guards against a future one that is not.
func sanitize(s string) string {
	if s == "" {
		return "_"
	}
	b := []byte(s)
	for i, ch := range b {
		ok := ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (i > 0 && ch >= '0' && ch <= '9')
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// Register adds a new collector to reg and returns its handler, for client.Options.MetricsHandler.
func Register(reg prometheus.Registerer) (client.MetricsHandler, error) {
	c := New()
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("registering the Temporal SDK metrics: %w", err)
	}
	return c.Handler(), nil
}
