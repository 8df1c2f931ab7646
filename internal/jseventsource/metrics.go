package jseventsource

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
	"github.com/xk6-barrier/xk6-barrier/internal/redact"
	"github.com/xk6-barrier/xk6-barrier/sse"
)

// Metric names of k6/x/eventsource (sse_*, as before the module was renamed).
const (
	MetricConnecting       = "sse_connecting"          // Trend (time): request start to response headers
	MetricSessions         = "sse_sessions"            // Counter: connections established
	MetricSessionDuration  = "sse_session_duration"    // Trend (time): request start to connection end
	MetricEventsReceived   = "sse_events_received"     // Counter: events handed to the script
	MetricTimeToFirstEvent = "sse_time_to_first_event" // Trend (time): request start to the first event
	MetricReconnects       = "sse_reconnects"          // Counter: reconnections attempted
	MetricErrors           = "sse_errors"              // Counter: error events that report a failure (not a clean end)
	// MetricTimeBetweenEvents is a Trend (time) of the gap between an event and the one before it
	// on the same connection (inter-token latency), for the streams opened with
	// timeBetweenEvents: true; events that arrived in one read have a gap of 0.
	MetricTimeBetweenEvents = "sse_time_between_events"
)

// streamMetrics are the k6 metrics of k6/x/eventsource.
type streamMetrics struct {
	connecting, sessions, sessionDuration, eventsReceived, timeToFirstEvent, reconnects, errors *metrics.Metric
	timeBetweenEvents                                                                           *metrics.Metric
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
		{&m.timeBetweenEvents, MetricTimeBetweenEvents, metrics.Trend, []metrics.ValueType{metrics.Time}},
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
	ctx context.Context
	out chan<- metrics.SampleContainer
	// base are the stream's tags; tags are those of its samples now: base, and while a connection
	// is open, its status and proto.
	base    metrics.TagsAndMeta
	tags    metrics.TagsAndMeta
	enabled *metrics.SystemTagSet
	count   *streamMetrics
	// timeBetween turns on the samples of sse_time_between_events.
	timeBetween bool
	// lastEvent is when the connection's last event arrived (zero before its first).
	lastEvent time.Time
}

// newSampler returns the sampler of a stream to rawURL: its samples carry the VU's tags, userTags,
// and the system tags method, url and name where the systemTags option enables them, as k6/http
// sets them: both the URL (its user info masked as k6 masks it), or, when the script set a name tag, url takes the
// name too. Once a connection is open, its samples also carry status and proto (see opened); an
// error's carry error_code, or status for a rejected response.
func newSampler(
	ctx context.Context, state *lib.State, m *streamMetrics, rawURL, method string, userTags map[string]string,
) *sampler {
	shown := redact.HTTPURL(rawURL)
	tm := state.Tags.GetCurrentValues()
	tm.Tags = tm.Tags.WithTagsFromMap(userTags)
	enabled := state.Options.SystemTags
	if name, set := tm.Tags.Get(metrics.TagName.String()); set {
		tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagURL, name)
	} else {
		tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagName, shown)
		tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagURL, shown)
	}
	tm.SetSystemTagOrMetaIfEnabled(enabled, metrics.TagMethod, method)
	return &sampler{ctx: ctx, out: state.Samples, base: tm, tags: tm, enabled: enabled, count: m}
}

// opened records an established connection: its samples from now on carry its status and proto
// (as k6/http's do, where systemTags enables them).
func (s *sampler) opened(o sse.Open) {
	if s == nil {
		return
	}
	s.tags = s.base.Clone()
	s.tags.SetSystemTagOrMetaIfEnabled(s.enabled, metrics.TagStatus, strconv.Itoa(o.StatusCode))
	s.tags.SetSystemTagOrMetaIfEnabled(s.enabled, metrics.TagProto, o.Proto)
	s.lastEvent = time.Time{}
	s.push(s.count.sessions, 1)
	s.pushDuration(s.count.connecting, o.ConnectingTime)
}

// arrived records a batch of events read from the network: the time to the first of a
// connection, and, when on, the time between events. Called by the stream's goroutine.
func (s *sampler) arrived(b sse.Batch) {
	if s == nil {
		return
	}
	if b.First {
		s.pushDuration(s.count.timeToFirstEvent, b.TimeToFirstEvent)
	}
	if !s.timeBetween {
		return
	}
	now := time.Now()
	if !s.lastEvent.IsZero() { // not the connection's first event, which sse_time_to_first_event measures
		s.pushDuration(s.count.timeBetweenEvents, now.Sub(s.lastEvent))
	}
	for range b.Events[1:] {
		s.pushDuration(s.count.timeBetweenEvents, 0) // read together: no gap
	}
	s.lastEvent = now
}

// current returns the tags of the samples now. Called by the stream's goroutine, which sets them.
func (s *sampler) current() metrics.TagsAndMeta {
	if s == nil {
		return metrics.TagsAndMeta{}
	}
	return s.tags
}

// delivered records n events handed to the script (sse_events_received), with tags, the stream's
// tags when the events arrived (s.tags read by the stream's goroutine). Called on the VU's goroutine.
func (s *sampler) delivered(tags metrics.TagsAndMeta, n int) {
	if s == nil || s.out == nil || s.count.eventsReceived == nil || n == 0 {
		return
	}
	k6util.PushSample(s.ctx, s.out, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: s.count.eventsReceived, Tags: tags.Tags},
		Time:       time.Now(),
		Value:      float64(n),
		Metadata:   tags.Metadata,
	})
}

// reconnecting records a reconnection: its sample, and those after it until the next connection
// opens, carry the stream's tags without the last connection's status and proto.
func (s *sampler) reconnecting() {
	if s == nil {
		return
	}
	s.tags = s.base
	s.push(s.count.reconnects, 1)
}

// failed records an error: with error_code (k6's code of the failure, where there is one) or, for
// a rejected response, status, where systemTags enables them.
func (s *sampler) failed(err error) {
	if s == nil || s.out == nil || s.count.errors == nil {
		return
	}
	tm := s.base.Clone() // not the last connection's status and proto: this failure has its own
	var re *sse.ResponseError
	if errors.As(err, &re) {
		tm.SetSystemTagOrMetaIfEnabled(s.enabled, metrics.TagStatus, strconv.Itoa(re.StatusCode))
	}
	if code := errorCodeTag(err); code != "" {
		tm.SetSystemTagOrMetaIfEnabled(s.enabled, metrics.TagErrorCode, code)
	}
	k6util.PushSample(s.ctx, s.out, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: s.count.errors, Tags: tm.Tags},
		Time:       time.Now(),
		Value:      1,
		Metadata:   tm.Metadata,
	})
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
