package jsbarrier

import (
	"context"
	"fmt"
	"time"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
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

// push records one sample with the VU's current tags plus extra (see k6util.PushSample: also once
// the VU's context has ended, without blocking).
func push(ctx context.Context, state *lib.State, m *metrics.Metric, value float64, extra map[string]string) {
	if state == nil || m == nil {
		return
	}
	tm := state.Tags.GetCurrentValues()
	k6util.PushSample(ctx, state.Samples, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: m, Tags: tm.Tags.WithTagsFromMap(extra)},
		Time:       time.Now(),
		Value:      value,
		Metadata:   tm.Metadata,
	})
}
