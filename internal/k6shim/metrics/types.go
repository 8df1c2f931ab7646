// Package metrics is the shim of go.k6.io/k6/v2/metrics: metric registry, metric and value types,
// samples and tag sets.
package metrics

// MetricType is the kind of a metric.
type MetricType int

// The metric types.
const (
	Counter MetricType = iota
	Gauge
	Trend
	Rate
)

// String returns the metric type's name.
func (t MetricType) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Trend:
		return "trend"
	case Rate:
		return "rate"
	}
	return "[INVALID]"
}

// ValueType says what a metric's values are.
type ValueType int

// The value types.
const (
	Default ValueType = iota
	Time
	Data
)

// String returns the value type's name.
func (t ValueType) String() string {
	switch t {
	case Default:
		return "default"
	case Time:
		return "time"
	case Data:
		return "data"
	}
	return "[INVALID]"
}
