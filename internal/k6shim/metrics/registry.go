package metrics

import (
	"fmt"
	"regexp"
	"sync"
)

// Metric is a registered metric (k6's has thresholds, submetrics and a sink too).
type Metric struct {
	Name     string     `json:"name"`
	Type     MetricType `json:"type"`
	Contains ValueType  `json:"contains"`
}

// Registry holds the metrics of a test.
type Registry struct {
	mu      sync.RWMutex
	metrics map[string]*Metric
	root    *TagSet
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{metrics: make(map[string]*Metric), root: &TagSet{}}
}

var metricNameRule = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{1,128}$`)

// NewMetric registers a metric, or returns the one already registered under name if its type and
// value type agree. A name must be 2 to 129 ASCII letters, digits or underscores, not starting with
// a digit.
func (r *Registry) NewMetric(name string, typ MetricType, t ...ValueType) (*Metric, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !metricNameRule.MatchString(name) {
		return nil, fmt.Errorf( //nolint:staticcheck // k6's own message, word for word
			"Invalid metric name: '%s'. Metric names must only include up to 128 ASCII "+
				"letters, numbers, or underscores and start with a letter or an underscore.", name)
	}
	if old, ok := r.metrics[name]; ok {
		if old.Type != typ {
			return nil, fmt.Errorf("metric '%s' already exists but with type %s, instead of %s", name, old.Type, typ)
		}
		if len(t) > 0 && t[0] != old.Contains {
			return nil, fmt.Errorf("metric '%s' already exists but with a value type %s, instead of %s",
				name, old.Contains, t[0])
		}
		return old, nil
	}
	m := &Metric{Name: name, Type: typ}
	if len(t) > 0 {
		m.Contains = t[0]
	}
	r.metrics[name] = m
	return m, nil
}

// MustNewMetric is NewMetric that panics on an error.
func (r *Registry) MustNewMetric(name string, typ MetricType, t ...ValueType) *Metric {
	m, err := r.NewMetric(name, typ, t...)
	if err != nil {
		panic(err)
	}
	return m
}

// Get returns the metric registered under name, or nil.
func (r *Registry) Get(name string) *Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.metrics[name]
}

// All returns every registered metric.
func (r *Registry) All() []*Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.metrics) == 0 {
		return nil
	}
	out := make([]*Metric, 0, len(r.metrics))
	for _, m := range r.metrics {
		out = append(out, m)
	}
	return out
}

// RootTagSet returns the empty tag set from which all tag sets of the registry grow.
func (r *Registry) RootTagSet() *TagSet { return r.root }
