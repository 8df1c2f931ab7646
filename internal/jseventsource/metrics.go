package jseventsource

import (
	"context"
	"fmt"
	"time"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
	"github.com/xk6-barrier/xk6-barrier/internal/redact"
)

// Metric names of k6/x/eventsource (sse_*, as before the module was renamed).
const (
	MetricConnecting       = "sse_connecting"          // Trend (time): request start to response headers
	MetricSessions         = "sse_sessions"            // Counter: connections established
	MetricSessionDuration  = "sse_session_duration"    // Trend (time): request start to connection end
	MetricEventsReceived   = "sse_events_received"     // Counter: events delivered
	MetricTimeToFirstEvent = "sse_time_to_first_event" // Trend (time): request start to the first event
	MetricReconnects       = "sse_reconnects"          // Counter: reconnections attempted
	MetricErrors           = "sse_errors"              // Counter: error events that report a failure (not a clean end)
)

// streamMetrics are the k6 metrics of k6/x/eventsource.
type streamMetrics struct {
	connecting, sessions, sessionDuration, eventsReceived, timeToFirstEvent, reconnects, errors *metrics.Metric
}

func registerMetrics(r *metrics.Registry) (*streamMetrics, error) {
	var m streamMetrics
	for _, d := range []struct {
		dst  **metrics.Metric
		name string
		typ  metrics.MetricType
		vt   []metrics.ValueType
	}{
		{&m.connecting, MetricConnecting, metrics.Trend, []metrics.ValueType{metrics.Time}},
		{&m.sessions, MetricSessions, metrics.Counter, nil},
		{&m.sessionDuration, MetricSessionDuration, metrics.Trend, []metrics.ValueType{metrics.Time}},
		{&m.eventsReceived, MetricEventsReceived, metrics.Counter, nil},
		{&m.timeToFirstEvent, MetricTimeToFirstEvent, metrics.Trend, []metrics.ValueType{metrics.Time}},
		{&m.reconnects, MetricReconnects, metrics.Counter, nil},
		{&m.errors, MetricErrors, metrics.Counter, nil},
	} {
		metric, err := r.NewMetric(d.name, d.typ, d.vt...)
		if err != nil {
			return nil, fmt.Errorf(ImportPath+": registering metric: %w", err)
		}
		*d.dst = metric
	}
	return &m, nil
}

// sampler pushes one stream's samples with its tags.
type sampler struct {
	ctx   context.Context
	out   chan<- metrics.SampleContainer
	tags  metrics.TagsAndMeta
	count *streamMetrics
}

// newSampler returns the sampler of a stream to rawURL: its samples carry the VU's tags, userTags,
// and the system tags url and name where the systemTags option enables them, as k6/http sets them:
// both the URL (its password masked), or, when the script set a name tag, url takes the name too.
func newSampler(ctx context.Context, state *lib.State, m *streamMetrics, rawURL string, userTags map[string]string) *sampler {
	shown := redact.URL(rawURL)
	tm := state.Tags.GetCurrentValues()
	tm.Tags = tm.Tags.WithTagsFromMap(userTags)
	enabled := state.Options.SystemTags
	if name, set := tm.Tags.Get(metrics.TagName.String()); set {
		tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagURL, name)
	} else {
		tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagName, shown)
		tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagURL, shown)
	}
	return &sampler{ctx: ctx, out: state.Samples, tags: tm, count: m}
}

// push records one sample. Once the VU's context has ended (a stream closed by the end of the
// iteration), it still tries once without blocking, so that the session's end is counted whenever
// k6 still collects samples.
func (s *sampler) push(m *metrics.Metric, value float64) {
	if s == nil || s.out == nil || m == nil {
		return
	}
	k6util.PushSample(s.ctx, s.out, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: m, Tags: s.tags.Tags},
		Time:       time.Now(),
		Value:      value,
		Metadata:   s.tags.Metadata,
	})
}

func (s *sampler) pushDuration(m *metrics.Metric, d time.Duration) {
	s.push(m, float64(d)/float64(time.Millisecond))
}
