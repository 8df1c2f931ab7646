package jseventsource

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/leaktest"
)

// jsVU is a VU running in its VU context with k6/x/eventsource required as `sse`.
type jsVU struct {
	rt        *modulestest.Runtime
	samples   chan metrics.SampleContainer
	transport *leaktest.Transport
	jar       *cookiejar.Jar
	dialer    *leaktest.Dialer // nil on the transport path
	// state is the VU's state; a test may change its Options before running code.
	state *lib.State
}

// k6DefaultUserAgent is the userAgent option's default in k6 v2.2.0.
const k6DefaultUserAgent = "k6/2.2.0 (https://k6.io/)"

// newJSVU returns a VU whose state has a dialer and a transport over it, as k6's VUs have.
func newJSVU(t testing.TB) *jsVU { return newJSVUOn(t, "dialer", nil) }

// newJSVUOn returns a VU whose state is made as path says: "dialer" (as k6 makes it: a Dialer, with
// tlsConfig as its TLSConfig, and a Transport made as k6 makes a VU's, over that dialer) or
// "transport" (just a Transport, Go's default). Streams go through the Transport either way.
func newJSVUOn(t testing.TB, path string, tlsConfig *tls.Config) *jsVU {
	t.Helper()
	defaultSystemTags := metrics.DefaultSystemTagSet
	rt := modulestest.NewRuntime(t)
	require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/eventsource": NewRootModule()}, nil, nil))
	_, err := rt.VU.Runtime().RunString(`const sse = require("k6/x/eventsource"); const { EventSource, open } = sse;`)
	require.NoError(t, err)
	v := &jsVU{
		rt:        rt,
		samples:   make(chan metrics.SampleContainer, 100000),
		transport: &leaktest.Transport{Base: http.DefaultTransport.(*http.Transport).Clone()},
	}
	t.Cleanup(v.transport.Base.(*http.Transport).CloseIdleConnections)
	logger := logrus.New()
	logger.SetOutput(testWriter{t})
	registry := metrics.NewRegistry()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	v.jar = jar
	state := &lib.State{
		CookieJar:      jar,
		Samples:        v.samples,
		Tags:           lib.NewVUStateTags(registry.RootTagSet().With("scenario", "default")),
		Transport:      v.transport,
		Logger:         logger,
		BuiltinMetrics: rt.BuiltinMetrics,
		VUID:           1, VUIDGlobal: 1,
		// As in a k6 run with default options.
		Options: lib.Options{
			UserAgent:    null.StringFrom(k6DefaultUserAgent),
			MaxRedirects: null.NewInt(10, false),
			SystemTags:   &defaultSystemTags,
		},
	}
	v.state = state
	switch path {
	case "dialer":
		// As k6 makes a VU's transport (k6's js.Runner.newVU): over the VU's dialer, with its TLS
		// config, proxies from the environment, HTTP/2 by ALPN, no compression asked for.
		v.dialer = leaktest.NewDialer(t)
		state.Dialer, state.TLSConfig = v.dialer, tlsConfig
		k6Transport := &http.Transport{
			Proxy:              http.ProxyFromEnvironment,
			TLSClientConfig:    tlsConfig,
			DialContext:        v.dialer.DialContext,
			DisableCompression: true,
			ForceAttemptHTTP2:  true,
		}
		v.transport.Base = k6Transport
		// Kept-alive connections are the transport's to close, as in k6; one that a stream that just
		// ended is still handing back to the pool is closed once there (the leak check runs after).
		dialer := v.dialer
		t.Cleanup(func() {
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				k6Transport.CloseIdleConnections()
				if dialer.Open() == 0 || time.Now().After(deadline) {
					return
				}
			}
		})
	case "transport":
	default:
		t.Fatalf("unknown path %q", path)
	}
	rt.MoveToVUContext(state)
	return v
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (v *jsVU) run(t testing.TB, code string) {
	t.Helper()
	_, err := v.rt.RunOnEventLoop(code)
	require.NoError(t, err)
}

func (v *jsVU) get(name string) any { return v.rt.VU.Runtime().Get(name).Export() }

// sums returns the total value per metric name of the samples pushed so far.
func (v *jsVU) sums() map[string]float64 {
	out := map[string]float64{}
	for {
		select {
		case c := <-v.samples:
			for _, s := range c.GetSamples() {
				out[s.Metric.Name] += s.Value
			}
		default:
			return out
		}
	}
}

// streamServer serves body as an event stream, then holds the connection open until the client
// goes away (unless end is set).
func streamServer(t *testing.T, body string, end bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Test", "yes")
		_, _ = w.Write([]byte(body))
		w.(http.Flusher).Flush()
		if !end {
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEventSourceDeliversAndCloses(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"dialer", "transport"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			testEventSourceDeliversAndCloses(t, path)
		})
	}
}

func testEventSourceDeliversAndCloses(t *testing.T, path string) {
	srv := streamServer(t, ": hello\n\ndata: one\nid: 1\n\nevent: WAITING\ndata: {\"position\":2}\n\ndata: two\n\nevent: IN_PROGRESS\ndata: done\n\n", false)
	vu := newJSVUOn(t, path, nil)
	vu.run(t, fmt.Sprintf(`
		var log = [];
		const es = new EventSource(%q, { tags: { flow: "main" } });
		log.push("state " + es.readyState);
		es.onopen = (e) => log.push("open " + e.status + " " + e.headers["X-Test"] + " " + es.readyState);
		es.onmessage = (e) => log.push(e.type + " " + e.data + " id=" + e.lastEventId);
		es.addEventListener("WAITING", (e) => log.push("WAITING " + JSON.parse(e.data).position));
		es.addEventListener("IN_PROGRESS", (e) => { log.push("IN_PROGRESS " + e.data); es.close(); log.push("closed " + es.readyState); });
	`, srv.URL))
	assert.Equal(t, []any{
		"state 0", "open 200 yes 1", "message one id=1", "WAITING 2", "message two id=1", "IN_PROGRESS done", "closed 2",
	}, vu.get("log"))
	sums := vu.sums()
	assert.Equal(t, 1.0, sums[MetricSessions])
	assert.Equal(t, 4.0, sums[MetricEventsReceived])
	assert.Contains(t, sums, MetricConnecting)
	assert.Contains(t, sums, MetricTimeToFirstEvent)
	assert.Contains(t, sums, MetricSessionDuration)
	if path == "dialer" {
		assert.Equal(t, 1, vu.dialer.Dials(), "the VU's transport dialed with the VU's dialer")
	}
	assert.EqualValues(t, 1, vu.transport.Requests(), "the stream went through the VU's transport, dialer or not")
}

func TestEventSourceRefusedResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int64
		wantInErr  string
		wantBody   string
	}{
		{"500 with a body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"queue full"}`))
		}, 500, "not 2xx", `{"error":"queue full"}`},
		{"200 text/html", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>login</html>"))
		}, 200, "Content-Type", "<html>login</html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			vu := newJSVU(t)
			vu.run(t, fmt.Sprintf(`
				var got = {};
				const es = new EventSource(%q);
				es.onopen = () => { got.opened = true; };
				es.onerror = (e) => { got.status = e.status; got.error = e.error; got.body = e.body; };
			`, srv.URL))
			got := vu.get("got").(map[string]any)
			assert.NotContains(t, got, "opened")
			assert.Equal(t, tc.wantStatus, got["status"])
			assert.Contains(t, got["error"], tc.wantInErr)
			assert.Equal(t, tc.wantBody, got["body"])
			assert.Equal(t, int64(stateClosed), vu.rt.VU.Runtime().Get("es").ToObject(vu.rt.VU.Runtime()).Get("readyState").ToInteger())
			assert.Equal(t, 1.0, vu.sums()[MetricErrors])
		})
	}
}

// TestEventSourceEndsWithVUContext: an open stream keeps the iteration alive until the VU context
// ends, which closes it.
func TestEventSourceEndsWithVUContext(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: x\n\n", false)
	vu := newJSVU(t)
	time.AfterFunc(150*time.Millisecond, vu.rt.CancelContext)
	vu.run(t, fmt.Sprintf(`var n = 0; const es = new EventSource(%q); es.onmessage = () => n++;`, srv.URL))
	assert.EqualValues(t, 1, vu.get("n"))
	assert.Eventually(t, func() bool { return vu.sums()[MetricSessionDuration] > 0 }, 5*time.Second, 10*time.Millisecond,
		"the session closed by the VU's end is recorded")
}

func TestEventSourceSeveralStreamsPerVU(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: a\n\ndata: b\n\n", true)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var n = 0;
		for (let i = 0; i < 5; i++) { const es = new EventSource(%q); es.onmessage = () => n++; }
	`, srv.URL))
	assert.EqualValues(t, 10, vu.get("n"))
}

func TestEventSourceReconnectsWithLastEventID(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var lastID atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		lastID.Store(r.Header.Get("Last-Event-ID"))
		w.Header().Set("Content-Type", "text/event-stream")
		if n == 1 {
			_, _ = w.Write([]byte("retry: 10\nid: 41\ndata: first\n\n")) // then end: the client reconnects
			return
		}
		_, _ = w.Write([]byte("event: IN_PROGRESS\ndata: second\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // held open until the client closes it
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var log = [];
		const es = new EventSource(%q, { reconnect: true });
		es.onopen = () => log.push("open");
		es.onmessage = (e) => log.push(e.data);
		es.addEventListener("IN_PROGRESS", (e) => { log.push(e.data + " " + e.lastEventId); es.close(); });
	`, srv.URL))
	assert.Equal(t, []any{"open", "first", "open", "second 41"}, vu.get("log"))
	assert.Equal(t, "41", lastID.Load())
	assert.Equal(t, 1.0, vu.sums()[MetricReconnects])
}

func TestEventSourceNoReconnectByDefault(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: only\n\n"))
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`var n = 0; const es = new EventSource(%q); es.onmessage = () => n++;`, srv.URL))
	assert.EqualValues(t, 1, vu.get("n"))
	assert.EqualValues(t, 1, calls.Load())
}

func TestEventSourceRequestParams(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 64)
		n, _ := r.Body.Read(b)
		body.Store(string(b[:n]))
		got <- r
		w.Header().Set("Content-Type", "text/event-stream")
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`new EventSource(%q, { method: "POST", body: "hi", headers: { Authorization: "Bearer t" }, timeout: "5s", idleTimeout: 2000, maxEventSize: 1024 });`, srv.URL))
	r := <-got
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "Bearer t", r.Header.Get("Authorization"))
	assert.Equal(t, "text/event-stream", r.Header.Get("Accept"))
	assert.Equal(t, "hi", body.Load())
}

func TestEventSourceBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, code, want string }{
		{"no url", `new EventSource()`, "url must be a non-empty string"},
		{"url not http", `new EventSource("ftp://x")`, "want an http or https URL"},
		{"unknown param", `new EventSource("http://127.0.0.1:1", { retry: 3 })`, `unknown option "retry"`},
		{"bad timeout", `new EventSource("http://127.0.0.1:1", { timeout: "soon" })`, `option timeout: invalid duration "soon"`},
		{"bad headers", `new EventSource("http://127.0.0.1:1", { headers: "x" })`, "option headers must be an object of strings"},
		{"bad method", `new EventSource("http://127.0.0.1:1", { method: "GE T" })`, "bad request"},
		{"bad maxEventSize", `new EventSource("http://127.0.0.1:1", { maxEventSize: 0 })`, "option maxEventSize must be at least 1 and at most 268435456, got 0"},
		{"bad reconnect", `new EventSource("http://127.0.0.1:1", { reconnect: { tries: 3 } })`, `unknown option "tries"`},
		{"bad listener", `new EventSource("http://127.0.0.1:1").addEventListener("x", 3)`, "the listener must be a function"},
		{"open without fn", `open("http://127.0.0.1:1", {})`, "the last argument must be a function"},
		{"open unknown event", `open("http://127.0.0.1:1", (c) => c.on("message", () => {}))`, `unknown event "message"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			_, err := vu.rt.RunOnEventLoop(tc.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestEventSourceInInitContext(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/eventsource": NewRootModule()}, nil, nil))
	_, err := rt.VU.Runtime().RunString(`const { EventSource } = require("k6/x/eventsource"); new EventSource("http://127.0.0.1:1");`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "can't be called in the init context")
}

// TestOpenCompatible: a script written for the xk6-sse extension runs unchanged.
func TestOpenCompatible(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "id: 1\ndata: a\n\nid: 2\nevent: update\ndata: b\n\nid: 3\ndata: c\n\n", false)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var log = [];
		var res = sse.default ? sse.default.open : open;
		const response = open(%q, { method: "GET", headers: { "X-A": "b" }, tags: { t: "1" } }, function (client) {
			client.on("open", () => log.push("open"));
			client.on("event", (e) => {
				log.push(e.id + ":" + e.name + ":" + e.data);
				if (parseInt(e.id) === 3) client.close();
			});
			client.on("error", (e) => log.push("error " + e.error()));
		});
		log.push("status " + response.status + " " + response.headers["Content-Type"] + " [" + response.error + "]");
	`, srv.URL))
	assert.Equal(t, []any{"open", "1:message:a", "2:update:b", "3:message:c", "status 200 text/event-stream []"}, vu.get("log"))
}

func TestOpenErrorResponse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("busy"))
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var errs = [];
		const response = open(%q, (client) => { client.on("error", (e) => errs.push(e.error())); });
		var status = response.status, error = response.error;
	`, srv.URL))
	assert.EqualValues(t, 503, vu.get("status"))
	assert.Contains(t, vu.get("error"), "503")
	errs := vu.get("errs").([]any)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], `"busy"`)
}

// TestEventSourceHandlerException: an exception in a handler ends the iteration with it, and the
// stream is closed.
func TestEventSourceHandlerException(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: a\n\n", false)
	vu := newJSVU(t)
	_, err := vu.rt.RunOnEventLoop(fmt.Sprintf(`const es = new EventSource(%q); es.onmessage = () => { throw new Error("boom"); };`, srv.URL))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")
	vu.rt.CancelContext() // k6 ends the iteration's context; the stream closes and the loop drains
	vu.rt.EventLoop.WaitOnRegistered()
}

// TestOpenDeliversEventsBeforeServerEnd: events in the last read before the server ends the stream
// still reach the script.
func TestOpenDeliversEventsBeforeServerEnd(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "event: WAITING\ndata: 1\n\nevent: IN_PROGRESS\ndata: 2\n\n", true)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var names = [];
		open(%q, (client) => {
			client.on("event", (e) => names.push(e.name));
			client.on("close", () => names.push("close"));
		});
	`, srv.URL))
	assert.Equal(t, []any{"WAITING", "IN_PROGRESS", "close"}, vu.get("names"))
}

// TestEventSourceNoGoroutineLeft: 1,000 EventSources opened and closed from JS leave no goroutine
// behind (counted), on both paths.
//
//nolint:paralleltest // it counts the process's goroutines: it runs alone
func TestEventSourceNoGoroutineLeft(t *testing.T) {
	for _, path := range []string{"dialer", "transport"} {
		t.Run(path, func(t *testing.T) {
			srv := streamServer(t, "data: hello\n\n", false)
			vu := newJSVUOn(t, path, nil)
			before := leaktest.Baseline()
			vu.run(t, fmt.Sprintf(`
				var opened = 0;
				for (let i = 0; i < 1000; i++) {
					const es = new EventSource(%q);
					if (i %% 2 === 0) es.onopen = () => { opened++; es.close(); };
					else es.onmessage = () => { opened++; es.close(); };
				}
			`, srv.URL))
			assert.EqualValues(t, 1000, vu.get("opened"))
			vu.transport.Base.(*http.Transport).CloseIdleConnections()
			after := leaktest.Settle(before+2, 10*time.Second)
			assert.LessOrEqual(t, after, before+2, "goroutines before %d, after 1,000 streams %d", before, after)
			if vu.dialer != nil {
				assert.Equal(t, 1000, vu.dialer.Dials())
				assert.Equal(t, 0, vu.dialer.Open(), "connections left open")
			}
		})
	}
}

// TestEventSourceHTTPS: on the dialer path, https streams use the VU's TLS config (here, trusting
// the test server's certificate), for EventSource and open() alike.
func TestEventSourceHTTPS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: " + r.Proto + "\n\n"))
	}))
	t.Cleanup(srv.Close)
	vu := newJSVUOn(t, "dialer", srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone())
	vu.run(t, fmt.Sprintf(`
		var got = [];
		const es = new EventSource(%q);
		es.onmessage = (e) => got.push(e.data);
		es.onerror = (e) => got.push("error " + e.error);
		open(%q, (client) => {
			client.on("event", (e) => got.push("open() " + e.data));
			client.on("error", (e) => got.push("open() error " + e.error()));
		});
	`, srv.URL, srv.URL))
	assert.ElementsMatch(t, []any{"HTTP/1.1", "error " + "sse: the server ended the stream (reconnect is off)", "open() HTTP/1.1"}, vu.get("got"))
	// Through the VU's dialer: one connection per stream, or one for both when the first stream's
	// connection went back to the transport's pool before the second asked for one.
	assert.GreaterOrEqual(t, vu.dialer.Dials(), 1)
	assert.LessOrEqual(t, vu.dialer.Dials(), 2)

	// Without the certificate trusted, the stream fails with an error event.
	vu = newJSVU(t)
	vu.run(t, fmt.Sprintf(`var err = ""; new EventSource(%q).onerror = (e) => { err = e.error; };`, srv.URL))
	assert.Contains(t, vu.get("err"), "certificate")
}

// TestEventSourceUsesVUCookies: the stream sends the VU's cookies and keeps those the response
// sets, as k6/http requests do; a Cookie header of the script comes first, the jar's follow it, as
// k6/http adds them.
//
//nolint:paralleltest,tparallel // the subtests share one server and its state: they run in turn
func TestEventSourceUsesVUCookies(t *testing.T) {
	t.Parallel()
	gotCookie := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotCookie <- r.Header.Get("Cookie")
		http.SetCookie(w, &http.Cookie{Name: "queue", Value: "ticket-7", Path: "/"})
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: x\n\n"))
	}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"dialer", "transport"} {
		t.Run(path, func(t *testing.T) {
			vu := newJSVUOn(t, path, nil)
			u, err := url.Parse(srv.URL)
			require.NoError(t, err)
			vu.jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "abc"}})
			vu.run(t, fmt.Sprintf(`new EventSource(%q).onmessage = () => {};`, srv.URL))
			assert.Equal(t, "session=abc", <-gotCookie)
			var names []string
			for _, c := range vu.jar.Cookies(u) {
				names = append(names, c.Name+"="+c.Value)
			}
			assert.ElementsMatch(t, []string{"session=abc", "queue=ticket-7"}, names)

			vu.run(t, fmt.Sprintf(`open(%q, { headers: { Cookie: "mine=1" } }, () => {});`, srv.URL))
			assert.Equal(t, "mine=1; session=abc; queue=ticket-7", <-gotCookie)
		})
	}
}

// TestEventSourceReconnectFiresError: when the server ends the stream and reconnect is on, an
// error event says so and readyState goes back to CONNECTING, as the spec says.
func TestEventSourceReconnectFiresError(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		if calls.Add(1) == 1 {
			_, _ = w.Write([]byte("retry: 10\ndata: first\n\n"))
			return
		}
		_, _ = w.Write([]byte("data: second\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var log = [];
		const es = new EventSource(%q, { reconnect: true });
		es.onerror = (e) => log.push("error " + es.readyState + " " + e.error);
		es.onmessage = (e) => { log.push(e.data); if (e.data === "second") es.close(); };
	`, srv.URL))
	assert.Equal(t, []any{"first", "error 0 sse: the server ended the stream; reconnecting in 10ms", "second"}, vu.get("log"))
}

// TestEventSourceBatchSemantics: events read together are dispatched in one run, yet close() stops
// the run at once, a replaced onmessage takes effect from the next event, and listeners see every
// event of their type.
func TestEventSourceBatchSemantics(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: 1\n\ndata: 2\n\ndata: 3\n\nevent: x\ndata: 4\n\ndata: 5\n\ndata: 6\n\n", false)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var log = [];
		const es = new EventSource(%q);
		es.addEventListener("message", (e) => log.push("listener " + e.data));
		es.addEventListener("x", (e) => log.push("x " + e.data));
		es.onmessage = (e) => {
			log.push("first " + e.data);
			es.onmessage = (e) => {
				log.push("second " + e.data);
				if (e.data === "5") es.close();
			};
		};
	`, srv.URL))
	assert.Equal(t, []any{
		"first 1", "listener 1", "second 2", "listener 2", "second 3", "listener 3", "x 4", "second 5",
	}, vu.get("log"))
}

// TestEventSourceMetricTags: samples carry the VU's tags, url and name (the URL without its
// password; a name tag of the script is both, as in k6/http), method, the connection's status and
// proto, and the script's tags.
func TestEventSourceMetricTags(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: x\n\n", true)
	withPassword := strings.Replace(srv.URL, "http://", "http://k6:hunter2@", 1)
	redacted := strings.Replace(srv.URL, "http://", "http://****:****@", 1)
	for _, tc := range []struct{ tags, wantName, wantURL string }{
		{`{ flow: "main" }`, redacted, redacted},
		{`{ flow: "main", name: "waiting stream" }`, "waiting stream", "waiting stream"},
	} {
		vu := newJSVU(t)
		vu.run(t, fmt.Sprintf(`new EventSource(%q, { tags: %s }).onmessage = () => {};`, withPassword, tc.tags))
		var sessions []metrics.Sample
		for len(vu.samples) > 0 {
			for _, s := range (<-vu.samples).GetSamples() {
				if s.Metric.Name == MetricSessions {
					sessions = append(sessions, s)
				}
			}
		}
		require.Len(t, sessions, 1)
		assert.Equal(t, map[string]string{
			"scenario": "default", "flow": "main", "url": tc.wantURL, "name": tc.wantName,
			"method": "GET", "status": "200", "proto": "HTTP/1.1",
		}, sessions[0].Tags.Map())
	}
}

// TestMessageEventIsAnOrdinaryObject: a message event behaves as a plain JS object for what scripts
// do with events: read, stringify, spread, list keys, add, change and delete properties.
func TestMessageEventIsAnOrdinaryObject(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "id: 9\nevent: WAITING\ndata: {\"position\":3}\n\n", false)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var got = {};
		const es = new EventSource(%q);
		es.addEventListener("WAITING", (e) => {
			got.json = JSON.stringify(e);
			got.keys = Object.keys(e).join(",");
			got.spread = JSON.stringify({ ...e, extra: 1 });
			got.has = ("data" in e) && e.hasOwnProperty("lastEventId") && !("nope" in e);
			got.position = JSON.parse(e.data).position;
			e.seen = true; e.data = "changed"; delete e.origin;
			got.after = JSON.stringify(e);
			got.isObject = typeof e === "object" && e instanceof Object;
			es.close();
		});
	`, srv.URL))
	got := vu.get("got").(map[string]any)
	origin := srv.URL
	assert.Equal(t, fmt.Sprintf(`{"type":"WAITING","data":"{\"position\":3}","lastEventId":"9","origin":%q}`, origin), got["json"])
	assert.Equal(t, "type,data,lastEventId,origin", got["keys"])
	assert.Equal(t, fmt.Sprintf(`{"type":"WAITING","data":"{\"position\":3}","lastEventId":"9","origin":%q,"extra":1}`, origin), got["spread"])
	assert.Equal(t, true, got["has"])
	assert.EqualValues(t, 3, got["position"])
	assert.Equal(t, `{"type":"WAITING","data":"changed","lastEventId":"9","seen":true}`, got["after"])
	assert.Equal(t, true, got["isObject"])
}
