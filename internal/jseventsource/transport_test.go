package jseventsource

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/metrics"
)

// tlsServer starts an https server; h2Only makes it speak HTTP/2 alone (ALPN "h2" only, no
// HTTP/1.1), as some gateways and LLM APIs do. It returns the server and a TLS config that trusts
// it, as the VU's would with the server's CA.
func tlsServer(t *testing.T, h2Only bool, h http.Handler) (*httptest.Server, *tls.Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	if h2Only {
		srv.TLS = &tls.Config{NextProtos: []string{"h2"}}
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetHTTP2(true)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.NextProtos = nil
	return srv, cfg
}

// protoServer serves an event stream whose one event is the request's protocol, then holds it.
func protoServer(hold bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: "+r.Proto+"\n\n")
		http.NewResponseController(w).Flush()
		if hold {
			<-r.Context().Done()
		}
	})
}

// TestEventSourceHTTP2OnlyServer: a TLS server that speaks only HTTP/2 streams, as with k6/http.
func TestEventSourceHTTP2OnlyServer(t *testing.T) {
	t.Parallel()
	srv, cfg := tlsServer(t, true, protoServer(false))
	vu := newJSVUOn(t, "dialer", cfg)
	vu.run(t, fmt.Sprintf(`
		var got = [];
		const es = new EventSource(%q);
		es.onmessage = (e) => got.push(e.data);
		es.onerror = (e) => { got.push("error " + e.error); es.close(); };
	`, srv.URL))
	assert.Equal(t, []any{"HTTP/2.0", "error sse: the server ended the stream (reconnect is off)"}, vu.get("got"))
}

// TestEventSourceHTTP2SharesConnection: a VU's streams to a server that offers h2 and http/1.1
// take HTTP/2 and share one connection, as k6/http's requests and browsers do; the samples carry
// proto HTTP/2.0.
func TestEventSourceHTTP2SharesConnection(t *testing.T) {
	t.Parallel()
	srv, cfg := tlsServer(t, false, protoServer(true))
	vu := newJSVUOn(t, "dialer", cfg)
	vu.run(t, fmt.Sprintf(`
		var got = [];
		const all = [];
		const openOne = () => {
			const es = new EventSource(%q);
			all.push(es);
			es.onmessage = (e) => {
				got.push(e.data);
				if (all.length === 1) { for (let i = 0; i < 4; i++) openOne(); } // once the connection is up
				if (got.length === 5) all.forEach((s) => s.close());
			};
		};
		openOne();
	`, srv.URL))
	assert.Equal(t, []any{"HTTP/2.0", "HTTP/2.0", "HTTP/2.0", "HTTP/2.0", "HTTP/2.0"}, vu.get("got"))
	assert.Equal(t, 1, vu.dialer.Dials(), "5 streams, one connection")
	for _, s := range samplesOf(vu, MetricSessions) {
		proto, _ := s.Tags.Get("proto")
		assert.Equal(t, "HTTP/2.0", proto)
	}
}

// samplesOf drains the VU's samples and returns those of metric name.
func samplesOf(vu *jsVU, name string) []metrics.Sample {
	var out []metrics.Sample
	for len(vu.samples) > 0 {
		for _, s := range (<-vu.samples).GetSamples() {
			if s.Metric.Name == name {
				out = append(out, s)
			}
		}
	}
	return out
}

// connectProxy is an HTTP proxy: CONNECT tunnels (for https) and absolute-URI requests (for
// http). It counts what it served.
type connectProxy struct {
	connects, forwards atomic.Int64
	wg                 sync.WaitGroup
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		p.forwards.Add(1)
		r.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 1024)
		for {
			n, err := resp.Body.Read(buf)
			_, _ = w.Write(buf[:n])
			http.NewResponseController(w).Flush()
			if err != nil {
				return
			}
		}
	}
	p.connects.Add(1)
	upstream, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusOK)
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		_, _ = io.Copy(upstream, brw)
		upstream.Close()
	}()
	go func() {
		defer p.wg.Done()
		_, _ = io.Copy(conn, upstream)
		conn.Close()
	}()
}

// TestEventSourceThroughProxy: streams go through the VU transport's proxy (k6 takes it from
// HTTP_PROXY and HTTPS_PROXY): https by a CONNECT tunnel, http by absolute URI.
func TestEventSourceThroughProxy(t *testing.T) {
	t.Parallel()
	p := &connectProxy{}
	proxy := httptest.NewServer(p)
	t.Cleanup(func() { proxy.Close(); p.wg.Wait() })
	proxyURL, err := url.Parse(proxy.URL)
	require.NoError(t, err)
	tlsSrv, cfg := tlsServer(t, false, protoServer(false))
	plain := httptest.NewServer(protoServer(false))
	t.Cleanup(plain.Close)

	vu := newJSVUOn(t, "dialer", cfg)
	vu.transport.Base.(*http.Transport).Proxy = http.ProxyURL(proxyURL)
	vu.run(t, fmt.Sprintf(`
		var got = [];
		for (const u of [%q, %q]) {
			const es = new EventSource(u);
			es.onmessage = (e) => { got.push(e.data); es.close(); };
			es.onerror = (e) => { got.push("error " + e.error); es.close(); };
		}
	`, tlsSrv.URL, plain.URL))
	assert.ElementsMatch(t, []any{"HTTP/2.0", "HTTP/1.1"}, vu.get("got"))
	assert.EqualValues(t, 1, p.connects.Load(), "https through a CONNECT tunnel")
	assert.EqualValues(t, 1, p.forwards.Load(), "http through the proxy")
}

// compressedServer serves three events compressed by coding, each flushed, waiting for the
// client to have one before the next: each is decoded as soon as it arrives. With asked, it
// compresses only when the request's Accept-Encoding names coding.
func compressedServer(t *testing.T, coding string, asked bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		var cw interface {
			io.Writer
			Flush() error
			Close() error
		}
		if !asked || strings.Contains(r.Header.Get("Accept-Encoding"), coding) {
			w.Header().Set("Content-Encoding", coding)
			switch coding {
			case "gzip":
				cw = gzip.NewWriter(w)
			case "br":
				cw = brotli.NewWriter(w)
			case "zstd":
				e, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
				if err != nil {
					panic(err)
				}
				cw = e
			}
		}
		for i := range 3 {
			ev := fmt.Sprintf("data: %d\n\n", i)
			if cw != nil {
				_, _ = io.WriteString(cw, ev)
				_ = cw.Flush()
			} else {
				_, _ = io.WriteString(w, ev)
			}
			_ = rc.Flush()
			if i == 2 {
				break
			}
			select { // the next event goes once the client has acknowledged this one
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		if cw != nil {
			_ = cw.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestEventSourceCompressedStreams: a stream compressed with gzip, br or zstd, whether the server
// forces it or the script asked for it (Accept-Encoding), is decoded, event by event.
func TestEventSourceCompressedStreams(t *testing.T) {
	t.Parallel()
	for _, coding := range []string{"gzip", "br", "zstd"} {
		for _, asked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/asked=%v", coding, asked), func(t *testing.T) {
				t.Parallel()
				srv := compressedServer(t, coding, asked)
				vu := newJSVU(t)
				vu.run(t, fmt.Sprintf(`
					var got = [];
					const es = new EventSource(%q, { headers: { "Accept-Encoding": "gzip, deflate, br, zstd" } });
					es.onmessage = (e) => got.push(e.data);
					es.onerror = (e) => { got.push("error " + e.error); };
				`, srv.URL))
				assert.Equal(t, []any{"0", "1", "2", "error sse: the server ended the stream (reconnect is off)"}, vu.get("got"))
			})
		}
	}
}

// TestEventSourceUnknownEncoding: an encoding that cannot be decoded is an error event naming it.
func TestEventSourceUnknownEncoding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "compress")
		_, _ = io.WriteString(w, "data: x\n\n")
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`var err = ""; new EventSource(%q).onerror = (e) => { err = e.error; };`, srv.URL))
	assert.Contains(t, vu.get("err"), `"compress" is not one of gzip, deflate, br, zstd`)
	errs := samplesOf(vu, MetricErrors)
	require.Len(t, errs, 1)
	code, _ := errs[0].Tags.Get("error_code")
	assert.Equal(t, "1701", code)
}

// TestEventSourceRedirectCookies: a cookie set on a redirect hop is filed under the hop's host;
// the target receives the jar's cookies for its own host, and its cookie is filed under it.
func TestEventSourceRedirectCookies(t *testing.T) {
	t.Parallel()
	gotCookie := make(chan string, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotCookie <- r.Header.Get("Cookie")
		http.SetCookie(w, &http.Cookie{Name: "final", Value: "2", Path: "/"})
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: x\n\n")
	}))
	t.Cleanup(target.Close)
	targetURL := strings.Replace(target.URL, "127.0.0.1", "localhost", 1) // another host for the jar
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "hop", Value: "1", Path: "/"})
		http.Redirect(w, r, targetURL+"/stream", http.StatusFound)
	}))
	t.Cleanup(hop.Close)

	vu := newJSVU(t)
	tu, err := url.Parse(targetURL)
	require.NoError(t, err)
	hu, err := url.Parse(hop.URL)
	require.NoError(t, err)
	vu.jar.SetCookies(tu, []*http.Cookie{{Name: "target", Value: "0", Path: "/"}})
	vu.run(t, fmt.Sprintf(`new EventSource(%q).onmessage = (e) => { e.target; };`, hop.URL))
	assert.Equal(t, "target=0", <-gotCookie, "the target's own cookies, not the hop's")
	assert.Equal(t, []string{"hop=1"}, cookieStrings(vu.jar.Cookies(hu)))
	assert.ElementsMatch(t, []string{"target=0", "final=2"}, cookieStrings(vu.jar.Cookies(tu)))
}

func cookieStrings(cs []*http.Cookie) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name+"="+c.Value)
	}
	return out
}

// TestEventSourceReconnectSendsCurrentCookies: the jar is read at every reconnection, so a cookie
// the stream set (a sticky session) is sent with the next connection.
func TestEventSourceReconnectSendsCurrentCookies(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	got := make(chan string, 3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		got <- r.Header.Get("Cookie")
		http.SetCookie(w, &http.Cookie{Name: "sticky", Value: fmt.Sprint("node-", i), Path: "/"})
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, fmt.Sprintf("data: %d\n\n", i))
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		const es = new EventSource(%q, { reconnect: { delay: "10ms" } });
		es.onmessage = (e) => { if (e.data === "3") es.close(); };
	`, srv.URL))
	assert.Equal(t, "", <-got)
	assert.Equal(t, "sticky=node-1", <-got)
	assert.Equal(t, "sticky=node-2", <-got)
}

// TestEventSourceMaxRedirects: maxRedirects (the k6 option) and the redirects param bound the
// redirects followed as in k6/http: past them, the redirect response is the answer (here, an
// error event with its status).
func TestEventSourceMaxRedirects(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/stream" {
			http.Redirect(w, r, "/stream", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: x\n\n")
	}))
	t.Cleanup(srv.Close)
	script := func(params string) string {
		return fmt.Sprintf(`
			var got = "";
			const es = new EventSource(%q, %s);
			es.onmessage = (e) => { got = "message"; es.close(); };
			es.onerror = (e) => { got = "error " + e.status; es.close(); };
		`, srv.URL+"/start", params)
	}
	for _, tc := range []struct {
		name   string
		option null.Int
		params string
		want   string
	}{
		{"default", null.NewInt(10, false), "{}", "message"},
		{"maxRedirects 0", null.IntFrom(0), "{}", "error 302"},
		{"redirects 0", null.NewInt(10, false), "{ redirects: 0 }", "error 302"},
		{"redirects 1 over maxRedirects 0", null.IntFrom(0), "{ redirects: 1 }", "message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			vu.state.Options.MaxRedirects = tc.option
			vu.run(t, script(tc.params))
			assert.Equal(t, tc.want, vu.get("got"))
		})
	}
	vu := newJSVU(t)
	_, err := vu.rt.RunOnEventLoop(`new EventSource("http://127.0.0.1:1", { redirects: -1 })`)
	require.ErrorContains(t, err, "option redirects must be a whole number from 0 to 1000, got the number -1")
}

// TestEventSourceServerEventNamedError: a server's event named error (Anthropic's overload
// notice) or open reaches onerror or onopen, as in browsers, and is told from a connection error
// by its data (a connection error has error instead).
func TestEventSourceServerEventNamedError(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "event: open\ndata: hello\n\nevent: error\ndata: {\"type\":\"overloaded_error\"}\n\ndata: after\n\n", false)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var got = [];
		const es = new EventSource(%q);
		es.onopen = (e) => got.push("onopen " + e.data);
		es.onerror = (e) => got.push("onerror " + e.type + " " + e.data + " " + ("error" in e));
		es.addEventListener("error", (e) => got.push("listener " + e.data));
		es.onmessage = (e) => { got.push("message " + e.data); es.close(); };
	`, srv.URL))
	assert.Equal(t, []any{
		"onopen undefined", "onopen hello",
		`onerror error {"type":"overloaded_error"} false`, `listener {"type":"overloaded_error"}`,
		"message after",
	}, vu.get("got"))
}

// TestEventSourceHTTPDebug: --http-debug prints a stream's request and response headers as
// k6/http's, with k6's log fields.
func TestEventSourceHTTPDebug(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: x\n\n", true)
	vu := newJSVU(t)
	var out syncBuffer
	logger := logrus.New()
	logger.SetOutput(&out)
	vu.state.Logger = logger
	vu.state.Options.HTTPDebug = null.StringFrom("full")
	vu.run(t, fmt.Sprintf(`const es = new EventSource(%q); es.onmessage = () => es.close();`, srv.URL))
	log := out.String()
	assert.Contains(t, log, "Request:")
	assert.Contains(t, log, "GET / HTTP/1.1")
	assert.Contains(t, log, "Accept: text/event-stream")
	assert.Contains(t, log, "Response:")
	assert.Contains(t, log, "Content-Type: text/event-stream")
	assert.Contains(t, log, "source=http-debug")
	assert.Contains(t, log, "request_id=")
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestEventSourceDefaultTimeout: without a timeout param, the response headers are waited for
// at most defaultTimeout (k6/http's 60 s), not until the iteration ends.
//
//nolint:paralleltest // it shortens the package's defaultTimeout: it runs alone, before the parallel tests
func TestEventSourceDefaultTimeout(t *testing.T) {
	old := defaultTimeout
	defaultTimeout = 100 * time.Millisecond
	t.Cleanup(func() { defaultTimeout = old })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`var err = ""; new EventSource(%q).onerror = (e) => { err = e.error; };`, srv.URL))
	assert.Contains(t, vu.get("err"), "timeout waiting for response headers (100ms)")
	errs := samplesOf(vu, MetricErrors)
	require.Len(t, errs, 1)
	code, _ := errs[0].Tags.Get("error_code")
	assert.Equal(t, "1050", code)
}

// TestEventSourceErrorCodeTag: a connection error's sse_errors sample carries k6's error_code.
func TestEventSourceErrorCodeTag(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`new EventSource("http://%s/").onerror = () => {};`, addr))
	errs := samplesOf(vu, MetricErrors)
	require.Len(t, errs, 1)
	code, _ := errs[0].Tags.Get("error_code")
	assert.Equal(t, "1212", code)
	method, _ := errs[0].Tags.Get("method")
	assert.Equal(t, "GET", method)
}

// TestEventSourceEventTooLargeNamesOption: the error of an event too large says how to raise the
// limit.
func TestEventSourceEventTooLargeNamesOption(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: "+strings.Repeat("x", 100)+"\n\n", false)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`var err = ""; new EventSource(%q, { maxEventSize: 10 }).onerror = (e) => { err = e.error; };`, srv.URL))
	assert.Contains(t, vu.get("err"), "event too large")
	assert.Contains(t, vu.get("err"), "maxEventSize: n")
}

// TestEventSourceTimeBetweenEvents: with timeBetweenEvents, each event after a connection's first
// records the gap since the one before it; without, none is recorded.
func TestEventSourceTimeBetweenEvents(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 4 {
			_, _ = fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(30 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	for _, on := range []bool{true, false} {
		vu := newJSVU(t)
		vu.run(t, fmt.Sprintf(`const es = new EventSource(%q, { timeBetweenEvents: %v }); es.onmessage = (e) => { if (e.data === "3") es.close(); };`, srv.URL, on))
		gaps := samplesOf(vu, MetricTimeBetweenEvents)
		if !on {
			assert.Empty(t, gaps)
			continue
		}
		require.Len(t, gaps, 3)
		for _, g := range gaps {
			assert.GreaterOrEqual(t, g.Value, 20.0, "ms between events sent 30ms apart")
		}
	}
}

// TestEventSourceErrorTagsAreTheFailuresOwn: a failed reconnection's sse_errors sample carries no
// status or proto of the connection before it.
func TestEventSourceErrorTagsAreTheFailuresOwn(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 1 { // the reconnection: the connection drops before any response
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: x\n\n")
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		const es = new EventSource(%q, { reconnect: { delay: "10ms", retries: 1 } });
		es.onerror = () => { if (es.readyState === EventSource.CLOSED) es.close(); };
	`, srv.URL))
	var all []metrics.Sample
	for len(vu.samples) > 0 {
		all = append(all, (<-vu.samples).GetSamples()...)
	}
	var errs int
	for _, s := range all {
		switch s.Metric.Name {
		case MetricErrors:
			errs++
			_, hasStatus := s.Tags.Get("status")
			_, hasProto := s.Tags.Get("proto")
			assert.False(t, hasStatus || hasProto, "error sample tags %v", s.Tags.Map())
		case MetricSessions:
			status, _ := s.Tags.Get("status")
			assert.Equal(t, "200", status)
		}
	}
	assert.Positive(t, errs)
}

// TestEventSourceLyingEncoding: a stream whose Content-Encoding says gzip but whose body is plain
// text fails before open: no open event, no session counted, an error event naming the coding,
// error_code 1701 (k6's decompression error), in EventSource and open().
func TestEventSourceLyingEncoding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = io.WriteString(w, "data: plain text\n\n")
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ api, code string }{
		{"EventSource", `
			var log = [];
			const es = new EventSource(%q);
			es.onopen = () => log.push("open");
			es.onmessage = (e) => log.push("message " + e.data);
			es.onerror = (e) => log.push("error " + e.error);`},
		{"open", `
			var log = [];
			open(%q, (client) => {
				client.on("open", () => log.push("open"));
				client.on("event", (e) => log.push("message " + e.data));
				client.on("error", (e) => log.push("error " + e.error()));
			});`},
	} {
		t.Run(tc.api, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			vu.run(t, fmt.Sprintf(tc.code, srv.URL))
			log := vu.get("log").([]any)
			require.Len(t, log, 1, "%v", log)
			assert.Contains(t, log[0], "error sse: decoding the response's Content-Encoding gzip: ")
			var sessions float64
			var codes []string
			for len(vu.samples) > 0 {
				for _, s := range (<-vu.samples).GetSamples() {
					switch s.Metric.Name {
					case MetricSessions:
						sessions += s.Value
					case MetricErrors:
						code, _ := s.Tags.Get("error_code")
						codes = append(codes, code)
					}
				}
			}
			assert.Zero(t, sessions, "sse_sessions")
			assert.Equal(t, []string{"1701"}, codes)
		})
	}
}
