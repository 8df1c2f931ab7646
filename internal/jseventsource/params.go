package jseventsource

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	neturl "net/url"
	"time"

	"github.com/grafana/sobek"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/js/common"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
	"github.com/xk6-barrier/xk6-barrier/sse"
)

// streamParams are the parsed params of new EventSource(url, params) and sse.open(url, params, fn).
type streamParams struct {
	cfg  sse.Config
	tags map[string]string
	// redirects is the redirects param: how many redirects to follow; not Valid, the maxRedirects
	// option's.
	redirects null.Int
	// timeBetweenEvents turns on the sse_time_between_events trend.
	timeBetweenEvents bool
}

// defaultTimeout bounds the time to the response headers when the timeout param is not given: 60
// seconds, as k6/http's default timeout.
var defaultTimeout = 60 * time.Second //nolint:gochecknoglobals // a var so that a test can shorten it

// maxRedirectsParam is the largest redirects param.
const maxRedirectsParam = 1000

// reconnectByDefault is whether a stream reconnects when the reconnect param is not given.
const reconnectByDefault = false

// eventSourceParams are the params new EventSource() accepts.
func eventSourceParams() []string {
	return []string{
		"method", "headers", "body", "tags", "timeout", "idleTimeout", "maxEventSize", "reconnect", "redirects",
		"timeBetweenEvents",
	}
}

// openParams adds what the xk6-sse extension's open() accepts, so its scripts run unchanged
// (jar is accepted and ignored: requests use the VU's cookie jar, as k6/http's do by default).
func openParams() []string { return append(eventSourceParams(), "jar") }

// reconnectOptions are the options of the reconnect param.
func reconnectOptions() []string { return []string{"retries", "delay"} }

// parseStreamParams converts the JS url and params of a stream into the core's Config, and its tags:
// types only (a string, a whole number, a duration, an object of strings). The Config's rules
// (limits, header names and values, the URL) are the core's: NewStream checks them, once, and
// streamError words its errors in terms of the options. A count option (maxEventSize,
// reconnect.retries) takes a positive number: for the core, 0 means the default.
func parseStreamParams(what, url string, v sobek.Value, known []string) (streamParams, error) {
	p := streamParams{cfg: sse.Config{URL: url, Reconnect: reconnectByDefault}}
	r, err := jsopts.NewReader(what, v, known, false)
	if err != nil {
		return p, err
	}
	if p.cfg.Method, err = r.String("method"); err != nil {
		return p, err
	}
	headers, err := r.StringMap("headers")
	if err != nil {
		return p, err
	}
	if len(headers) > 0 {
		p.cfg.Header = make(http.Header, len(headers))
		for k, val := range headers {
			p.cfg.Header.Set(k, val)
		}
	}
	if body := r.Get("body"); body != nil {
		b, err := common.ToBytes(body.Export())
		if err != nil {
			return p, r.Errorf("option body must be a string or an ArrayBuffer, got %s", jsopts.Describe(body))
		}
		p.cfg.Body = b
	}
	if p.tags, err = r.StringMap("tags"); err != nil {
		return p, err
	}
	if p.cfg.Timeout, err = readDuration(r, "timeout", sse.TimeoutLimit); err != nil {
		return p, err
	}
	if r.Get("timeout") == nil {
		p.cfg.Timeout = defaultTimeout
	}
	n, set, err := r.Integer("redirects")
	switch {
	case err != nil:
		return p, err
	case set && (n < 0 || n > maxRedirectsParam):
		return p, r.Errorf(
			"option redirects must be a whole number from 0 to %d, got %s",
			maxRedirectsParam, jsopts.Describe(r.Get("redirects")))
	case set:
		p.redirects = null.IntFrom(int64(n))
	}
	if on, set, err := r.Bool("timeBetweenEvents"); err != nil {
		return p, err
	} else if set {
		p.timeBetweenEvents = on
	}
	if p.cfg.IdleTimeout, err = readDuration(r, "idleTimeout", sse.IdleTimeoutLimit); err != nil {
		return p, err
	}
	if p.cfg.MaxEventSize, err = readCount(r, "maxEventSize", sse.MaxEventSizeLimit); err != nil {
		return p, err
	}
	return p, parseReconnect(r, &p.cfg)
}

// readDuration reads a duration option. limit, the core's, only words the error of a value too
// large for any duration.
func readDuration(r *jsopts.Reader, key string, limit time.Duration) (time.Duration, error) {
	d, _, err := r.Duration(key)
	if errors.Is(err, jsopts.ErrDurationTooLarge) {
		return 0, r.Errorf("option %s must be at most %s, got %s", key, durfmt.Format(limit), jsopts.Describe(r.Get(key)))
	}
	return d, err
}

// readCount reads a count option: a whole number, at least 1 (the core takes 0 as its default).
// Its limit is the core's to check; here, limit only words the errors.
func readCount(r *jsopts.Reader, key string, limit int64) (int, error) {
	v := r.Get(key)
	if v == nil {
		return 0, nil
	}
	f, ok := jsopts.Number(v)
	if !ok || math.IsNaN(f) || (!math.IsInf(f, 0) && f != math.Trunc(f)) {
		return 0, r.Errorf("option %s must be a whole number from 1 to %d, got %s", key, limit, jsopts.Describe(v))
	}
	if f < 1 || f > maxExactInteger { // not a count, or beyond what an int holds exactly
		return 0, r.Errorf("option %s must be at least 1 and at most %d, got %s", key, limit, v.String())
	}
	return int(f), nil
}

// maxExactInteger is the largest integer a JS number holds exactly.
const maxExactInteger = 1 << 53

// parseReconnect reads `reconnect: true | false | { retries, delay }`.
func parseReconnect(r *jsopts.Reader, cfg *sse.Config) error {
	v := r.Get("reconnect")
	if v == nil {
		return nil
	}
	if on, ok := v.Export().(bool); ok {
		cfg.Reconnect = on
		return nil
	}
	sub, err := jsopts.NewReader("option reconnect", v, reconnectOptions(), false)
	if err != nil {
		return r.Errorf("option reconnect must be true, false or { retries, delay }: %w", err)
	}
	cfg.Reconnect = true
	if cfg.MaxRetries, err = readCount(sub, "retries", sse.MaxRetriesLimit); err != nil {
		return r.Errorf("%w", err)
	}
	if cfg.RetryDelay, err = readDuration(sub, "delay", sse.RetryDelayLimit); err != nil {
		return r.Errorf("%w", err)
	}
	return nil
}

// optionOf names the JS option of a Config field that has a limit ("" for another field).
func optionOf(field string) string {
	switch field {
	case "Timeout":
		return "option timeout"
	case "IdleTimeout":
		return "option idleTimeout"
	case "MaxEventSize":
		return "option maxEventSize"
	case "RetryDelay":
		return "option reconnect: option delay"
	case "MaxRetries":
		return "option reconnect: option retries"
	}
	return ""
}

// streamError words an error of the core's NewStream for the JS call what: a field out of its range
// as the option out of its range, any other error as the core says it.
func streamError(what string, err error) error {
	var le *sse.LimitError
	if !errors.As(err, &le) || optionOf(le.Field) == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	option := optionOf(le.Field)
	if le.Duration {
		return fmt.Errorf("%s: %s must be at most %s, got %s", what, option,
			durfmt.Format(time.Duration(le.Limit)), durfmt.Format(time.Duration(le.Value)))
	}
	return fmt.Errorf("%s: %s must be at least 1 and at most %d, got %d", what, option, le.Limit, le.Value)
}

// useVUUserAgent sends the userAgent option as the User-Agent header unless the script set one, as
// k6/http does; an unset or empty userAgent sends none (not Go's default).
func useVUUserAgent(cfg *sse.Config, userAgent null.String) {
	if _, set := cfg.Header["User-Agent"]; set {
		return
	}
	if cfg.Header == nil {
		cfg.Header = http.Header{}
	}
	cfg.Header["User-Agent"] = []string{userAgent.String} // "" (a null userAgent too): none is sent
}

// vuStream is a Stream set up for one JS call the VU's way: its network, cookies and metrics.
type vuStream struct {
	url    string
	parsed *neturl.URL // url, parsed (the stream checked that it parses)
	// maxEventSize is the maxEventSize param, 0 if not given.
	maxEventSize int
	stream       *sse.Stream
	sampler      *sampler
}

// newVUStream checks the VU context, converts the url and the params of the JS call what (e.g.
// "new EventSource()") and returns its stream, not started. Bad input throws a TypeError.
func (mi *ModuleInstance) newVUStream(what string, urlArg, paramsArg sobek.Value, known []string) vuStream {
	rt := mi.vu.Runtime()
	state := k6util.VUState(mi.vu, what, "open streams in the default function or a scenario's exec function")
	url, ok := urlArg.Export().(string)
	if !ok || url == "" {
		k6util.ThrowTypeError(rt, what+": url must be a non-empty string, got "+jsopts.Describe(urlArg))
	}
	params, err := parseStreamParams(what, url, paramsArg, known)
	if err != nil {
		k6util.ThrowTypeError(rt, err.Error())
	}
	useVUUserAgent(&params.cfg, state.Options.UserAgent)
	method := params.cfg.Method
	if method == "" {
		method = http.MethodGet
	}
	smp := newSampler(mi.vu.Context(), state, mi.metrics, url, method, params.tags)
	smp.timeBetween = params.timeBetweenEvents
	redirects := params.redirects
	if !redirects.Valid {
		redirects = state.Options.MaxRedirects
	}
	params.cfg.Client = vuClient(state, &mi.conns, redirects, smp.tags)
	stream, err := sse.NewStream(params.cfg)
	if err != nil {
		k6util.ThrowTypeError(rt, streamError(what, err).Error())
	}
	parsed, err := neturl.Parse(url)
	if err != nil { // NewStream parsed it already
		k6util.ThrowTypeError(rt, streamError(what, err).Error())
	}
	return vuStream{url: url, parsed: parsed, stream: stream, sampler: smp, maxEventSize: params.cfg.MaxEventSize}
}
