package sse

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"

	"github.com/grafana/sobek"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/lib"

	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
)

// streamParams are the parsed params of new EventSource(url, params) and sse.open(url, params, fn).
type streamParams struct {
	cfg  Config
	tags map[string]string
}

var (
	eventSourceParams = []string{"method", "headers", "body", "tags", "timeout", "idleTimeout", "maxEventSize", "reconnect"}
	// openParams adds what the xk6-sse extension's open() accepts, so its scripts run unchanged
	// (jar is accepted and ignored: requests use the VU's cookie jar, as k6/http's do by default).
	openParams         = append(append([]string{}, eventSourceParams...), "jar")
	reconnectOptions   = []string{"retries", "delay"}
	reconnectByDefault = false
)

// parseStreamParams reads params for a stream to url; what names the call in errors.
func parseStreamParams(what, url string, v sobek.Value, known []string) (streamParams, error) {
	p := streamParams{cfg: Config{URL: url, Reconnect: reconnectByDefault}}
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
	if p.cfg.Timeout, _, err = r.DurationIn("timeout", 0, TimeoutLimit); err != nil {
		return p, err
	}
	if p.cfg.IdleTimeout, _, err = r.DurationIn("idleTimeout", 0, IdleTimeoutLimit); err != nil {
		return p, err
	}
	if p.cfg.MaxEventSize, _, err = r.IntegerIn("maxEventSize", 1, MaxEventSizeLimit); err != nil {
		return p, err
	}
	if err := parseReconnect(r, &p.cfg); err != nil {
		return p, err
	}
	if _, err := p.cfg.withDefaults(); err != nil {
		return p, fmt.Errorf("%s: %w", what, err)
	}
	return p, nil
}

// parseReconnect reads `reconnect: true | false | { retries, delay }`.
func parseReconnect(r *jsopts.Reader, cfg *Config) error {
	v := r.Get("reconnect")
	if v == nil {
		return nil
	}
	if on, ok := v.Export().(bool); ok {
		cfg.Reconnect = on
		return nil
	}
	sub, err := jsopts.NewReader("option reconnect", v, reconnectOptions, false)
	if err != nil {
		return r.Errorf("option reconnect must be true, false or { retries, delay }: %w", err)
	}
	cfg.Reconnect = true
	if cfg.MaxRetries, _, err = sub.IntegerIn("retries", 1, MaxRetriesLimit); err != nil {
		return r.Errorf("%w", err)
	}
	if cfg.RetryDelay, _, err = sub.DurationIn("delay", 0, RetryDelayLimit); err != nil {
		return r.Errorf("%w", err)
	}
	return nil
}

// useVUNetwork makes cfg send its requests the VU's way, so that the k6 options hosts,
// blockHostnames and tlsAuth/tlsVersion/insecureSkipTLSVerify apply and data_sent and
// data_received count: over the VU's dialer and TLS config when it has a dialer, on the stream's
// lean HTTP/1.1 path (one goroutine and small buffers per open stream; it speaks HTTP/1.1 only and
// uses no HTTP proxy: HTTP_PROXY and HTTPS_PROXY are ignored); else through the VU's transport.
func useVUNetwork(cfg *Config, state *lib.State) {
	if state.Dialer != nil {
		cfg.Dialer, cfg.TLSConfig = state.Dialer, state.TLSConfig
		return
	}
	cfg.Transport = state.Transport
}

// useVUUserAgent sends the userAgent option as the User-Agent header unless the script set one, as
// k6/http does; an unset or empty userAgent sends none (not Go's default).
func useVUUserAgent(cfg *Config, userAgent null.String) {
	if _, set := cfg.Header["User-Agent"]; set {
		return
	}
	if cfg.Header == nil {
		cfg.Header = http.Header{}
	}
	cfg.Header["User-Agent"] = []string{userAgent.String} // "" (a null userAgent too): none is sent
}

// useVUCookies sends the VU's cookies for cfg.URL with the stream's request (unless the script set a
// Cookie header itself), as k6/http does, and returns the function that stores the cookies a
// response sets into the VU's jar. A nil jar does nothing.
func useVUCookies(cfg *Config, jar *cookiejar.Jar) (storeCookies func(Open)) {
	u, err := url.Parse(cfg.URL)
	if jar == nil || err != nil {
		return func(Open) {}
	}
	if cfg.Header.Get("Cookie") == "" {
		if cookies := jar.Cookies(u); len(cookies) > 0 {
			req := &http.Request{Header: http.Header{}}
			for _, c := range cookies {
				req.AddCookie(c)
			}
			if cfg.Header == nil {
				cfg.Header = http.Header{}
			}
			cfg.Header.Set("Cookie", req.Header.Get("Cookie"))
		}
	}
	return func(o Open) {
		if cookies := (&http.Response{Header: o.Header}).Cookies(); len(cookies) > 0 {
			jar.SetCookies(u, cookies)
		}
	}
}

// vuStream is a Stream set up for one JS call the VU's way: its network, cookies and metrics.
type vuStream struct {
	url          string
	stream       *Stream
	sampler      *sampler
	storeCookies func(Open) // keeps the cookies a response sets in the VU's jar
}

// newVUStream checks the VU context, the url and the params of the JS call what (e.g.
// "new EventSource()") and returns its stream, not started. Bad input throws a TypeError.
func (mi *ModuleInstance) newVUStream(what string, urlArg, paramsArg sobek.Value, known []string) vuStream {
	rt := mi.vu.Runtime()
	state := mi.vu.State()
	if state == nil {
		throwTypeError(rt, what+" can't be called in the init context: open streams in the default function or a scenario's exec function")
	}
	url, ok := urlArg.Export().(string)
	if !ok || url == "" {
		throwTypeError(rt, what+": url must be a non-empty string, got "+jsopts.Describe(urlArg))
	}
	params, err := parseStreamParams(what, url, paramsArg, known)
	if err != nil {
		throwTypeError(rt, err.Error())
	}
	useVUNetwork(&params.cfg, state)
	useVUUserAgent(&params.cfg, state.Options.UserAgent)
	storeCookies := useVUCookies(&params.cfg, state.CookieJar)
	stream, err := NewStream(params.cfg)
	if err != nil {
		throwTypeError(rt, what+": "+err.Error())
	}
	return vuStream{
		url:          url,
		stream:       stream,
		sampler:      newSampler(mi.vu.Context(), state, mi.metrics, url, params.tags),
		storeCookies: storeCookies,
	}
}
