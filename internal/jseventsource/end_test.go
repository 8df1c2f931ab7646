package jseventsource

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventSourceCleanEndIsAnErrorEvent: without reconnect, a server that ends the stream cleanly
// closes the EventSource with an error event, readyState already CLOSED, so that a Promise its
// onerror settles settles, and the code after the await runs in the same iteration.
func TestEventSourceCleanEndIsAnErrorEvent(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: only\n\n", true)
	for _, path := range []string{"dialer", "transport"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			vu := newJSVUOn(t, path, nil)
			vu.run(t, fmt.Sprintf(`
				var log = [];
				(async () => {
					try {
						await new Promise((resolve) => {
							const es = new EventSource(%q);
							es.onmessage = (e) => log.push(e.data);
							es.onerror = (e) => {
								log.push("error " + es.readyState + " " + e.type + ": " + e.error);
								if (es.readyState === EventSource.CLOSED) resolve();
							};
						});
						log.push("after the await");
					} finally {
						log.push("finally");
					}
				})();
			`, srv.URL))
			assert.Equal(t, []any{
				"only", "error 2 error: sse: the server ended the stream (reconnect is off)", "after the await", "finally",
			}, vu.get("log"))
			assert.Equal(t, 0.0, vu.sums()[MetricErrors], "a clean end is no failure: sse_errors does not count it")
		})
	}
}

// TestEventSourceCleanEndAfterClose: a stream the script closed dispatches nothing more, not even
// when the server then ends it.
func TestEventSourceCleanEndAfterClose(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: a\n\ndata: b\n\n"))
	}))
	t.Cleanup(srv.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var log = [];
		const es = new EventSource(%q);
		es.onmessage = (e) => { log.push(e.data); es.close(); };
		es.onerror = (e) => log.push("error " + e.error);
	`, srv.URL))
	assert.Equal(t, []any{"a"}, vu.get("log"))
}

// closedURL returns the URL of a loopback port that nothing listens on: a request to it fails.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr + "/stream"
}

// TestEventSourceReadyStateDuringErrors: readyState is CLOSED while the error event of an error that
// ends the stream is dispatched, and CONNECTING while the one of an error followed by a
// reconnection is, so the WHATWG idiom `if (es.readyState === EventSource.CLOSED)` works.
func TestEventSourceReadyStateDuringErrors(t *testing.T) {
	t.Parallel()
	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(refused.Close)
	big := streamServer(t, "data: "+strings.Repeat("x", 100)+"\n\n", false)
	silent := streamServer(t, ": hello\n\n", false)
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: a\n\n"))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_ = conn.(*net.TCPConn).SetLinger(0) // close with a TCP reset
		_ = conn.Close()
	}))
	t.Cleanup(reset.Close)
	down := closedURL(t)

	tests := []struct {
		name, url, params string
		want              []any // readyState in each error event
		wantLast          string
	}{
		{"refused response", refused.URL, `{}`, []any{"2"}, "503"},
		{"refused response with reconnect", refused.URL, `{ reconnect: true }`, []any{"2"}, "503"},
		{"failed request", down, `{}`, []any{"2"}, "request failed"},
		{"event too large", big.URL, `{ maxEventSize: 10 }`, []any{"2"}, "too large"},
		{"idle timeout", silent.URL, `{ idleTimeout: "50ms" }`, []any{"2"}, "idle timeout"},
		{"TCP reset", reset.URL, `{}`, []any{"2"}, "reset"},
		{"failed requests, reconnecting, then given up", down, `{ reconnect: { retries: 2, delay: 1 } }`,
			[]any{"0", "0", "2", "2"}, "reconnection attempts exhausted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			vu.run(t, fmt.Sprintf(`
				var states = [], last = "", settled = false;
				new Promise((resolve) => {
					const es = new EventSource(%q, %s);
					es.onerror = (e) => {
						states.push(String(es.readyState));
						last = e.error;
						if (es.readyState === EventSource.CLOSED) resolve();
					};
				}).then(() => { settled = true; });
			`, tc.url, tc.params))
			assert.Equal(t, tc.want, vu.get("states"))
			assert.Contains(t, vu.get("last"), tc.wantLast)
			assert.Equal(t, true, vu.get("settled"))
		})
	}
}
