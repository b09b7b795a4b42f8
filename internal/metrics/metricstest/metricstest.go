// Package metricstest reads Prometheus metrics back as plain samples, for tests that assert exact
// values: unit tests gather a registry, end-to-end tests parse a scraped /metrics page.
package metricstest

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Samples maps each sample to its value, keyed as in the text format with labels sorted by name:
// `name{a="1",b="2"}`, or `name{}` without labels. A histogram gives name_count, name_sum and
// one name_bucket per upper bound (le, formatted with %v); a summary gives _count and _sum.
type Samples map[string]float64

// Gather collects g.
func Gather(g prometheus.Gatherer) (Samples, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	return FromFamilies(mfs), nil
}

// Parse reads a page in the Prometheus text format (what GET /metrics answers).
func Parse(r io.Reader) (Samples, error) {
	var p expfmt.TextParser
	byName, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing the metrics page: %w", err)
	}
	mfs := make([]*dto.MetricFamily, 0, len(byName))
	for _, mf := range byName {
		mfs = append(mfs, mf)
	}
	return FromFamilies(mfs), nil
}

// FromFamilies flattens metric families into samples.
func FromFamilies(mfs []*dto.MetricFamily) Samples {
	out := Samples{}
	for _, mf := range mfs {
		name := mf.GetName()
		for _, m := range mf.Metric {
			switch {
			case m.Counter != nil:
				out[key(name, m)] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key(name, m)] = m.GetGauge().GetValue()
			case m.Untyped != nil:
				out[key(name, m)] = m.GetUntyped().GetValue()
			case m.Histogram != nil:
				h := m.GetHistogram()
				out[key(name+"_count", m)] = float64(h.GetSampleCount())
				out[key(name+"_sum", m)] = h.GetSampleSum()
				for _, b := range h.GetBucket() {
					out[key(name+"_bucket", m, fmt.Sprintf("le=%q", fmt.Sprint(b.GetUpperBound())))] = float64(b.GetCumulativeCount())
				}
			case m.Summary != nil:
				out[key(name+"_count", m)] = float64(m.GetSummary().GetSampleCount())
				out[key(name+"_sum", m)] = m.GetSummary().GetSampleSum()
			}
		}
	}
	return out
}

func key(name string, m *dto.Metric, extra ...string) string {
	ls := make([]string, 0, len(m.GetLabel())+len(extra))
	for _, lp := range m.GetLabel() {
		ls = append(ls, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
	}
	ls = append(ls, extra...)
	sort.Strings(ls)
	return name + "{" + strings.Join(ls, ",") + "}"
}

// WithPrefix returns the samples whose key starts with prefix.
func (s Samples) WithPrefix(prefix string) Samples {
	out := Samples{}
	for k, v := range s {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}
