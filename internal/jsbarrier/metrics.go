package jsbarrier

import (
	"context"
	"fmt"
	"time"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

// Metric names of k6/x/barrier.
const (
	MetricWaitDuration = "barrier_wait_duration"
	MetricJoins        = "barrier_joins"
	MetricFailures     = "barrier_failures"
)

// barrierMetrics are the k6 metrics a VU records.
type barrierMetrics struct {
	waitDuration *metrics.Metric // Trend (time); tags barrier, outcome
	joins        *metrics.Metric // Counter; tag barrier
	failures     *metrics.Metric // Counter; tags barrier, reason
}

func registerMetrics(r *metrics.Registry) (*barrierMetrics, error) {
	var m barrierMetrics
	var err error
	if m.waitDuration, err = r.NewMetric(MetricWaitDuration, metrics.Trend, metrics.Time); err != nil {
		return nil, fmt.Errorf("k6/x/barrier: registering metric: %w", err)
	}
	if m.joins, err = r.NewMetric(MetricJoins, metrics.Counter); err != nil {
		return nil, fmt.Errorf("k6/x/barrier: registering metric: %w", err)
	}
	if m.failures, err = r.NewMetric(MetricFailures, metrics.Counter); err != nil {
		return nil, fmt.Errorf("k6/x/barrier: registering metric: %w", err)
	}
	return &m, nil
}

// push records one sample with the VU's current tags plus extra. When the VU context has already
// ended (a wait aborted by the test stopping), it still tries once without blocking, so the
// aborted wait is counted whenever k6 still collects samples.
func push(ctx context.Context, state *lib.State, m *metrics.Metric, value float64, extra map[string]string) {
	if state == nil || state.Samples == nil || m == nil {
		return
	}
	tm := state.Tags.GetCurrentValues()
	sample := metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: m, Tags: tm.Tags.WithTagsFromMap(extra)},
		Time:       time.Now(),
		Value:      value,
		Metadata:   tm.Metadata,
	}
	if ctx.Err() == nil {
		metrics.PushIfNotDone(ctx, state.Samples, sample)
		return
	}
	select {
	case state.Samples <- sample:
	default:
	}
}
