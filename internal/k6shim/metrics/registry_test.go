package metrics_test

import (
	"strings"
	"testing"

	"go.k6.io/k6/v2/metrics"
)

func TestNewMetricRules(t *testing.T) {
	t.Parallel()
	r := metrics.NewRegistry()
	m, err := r.NewMetric("barrier_wait_duration", metrics.Trend, metrics.Time)
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.NewMetric("barrier_wait_duration", metrics.Trend, metrics.Time)
	if err != nil || again != m {
		t.Fatalf("re-registering the same metric: %v, same=%v", err, again == m)
	}
	tests := []struct {
		name string
		typ  metrics.MetricType
		vt   []metrics.ValueType
		want string
	}{
		{"1bad", metrics.Counter, nil, "Invalid metric name"},
		{"a", metrics.Counter, nil, "Invalid metric name"},
		{"has-dash", metrics.Counter, nil, "Invalid metric name"},
		{"barrier_wait_duration", metrics.Counter, nil, "already exists but with type trend"},
		{"barrier_wait_duration", metrics.Trend, []metrics.ValueType{metrics.Data}, "with a value type time"},
	}
	for _, tc := range tests {
		_, err := r.NewMetric(tc.name, tc.typ, tc.vt...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewMetric(%q): err %v, want %q", tc.name, err, tc.want)
		}
	}
	b := metrics.RegisterBuiltinMetrics(r)
	if b.DataSent.Contains != metrics.Data || r.Get("data_received") != b.DataReceived {
		t.Fatal("built-in data metrics not registered as k6 has them")
	}
}

func TestTagSet(t *testing.T) {
	t.Parallel()
	root := metrics.NewRegistry().RootTagSet()
	a := root.With("barrier", "default").With("outcome", "met")
	if !root.IsEmpty() || a.IsEmpty() {
		t.Fatal("With must not change the receiver")
	}
	if v, ok := a.Get("outcome"); !ok || v != "met" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	if !a.Contains(root.With("barrier", "default")) || a.Contains(root.With("barrier", "x")) {
		t.Fatal("Contains wrong")
	}
	if m := a.Without("outcome").Map(); len(m) != 1 || m["barrier"] != "default" {
		t.Fatalf("Without: %v", m)
	}
}
