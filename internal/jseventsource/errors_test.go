package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorsAlikeInBothAPIs: EventSource's onerror and open()'s client.on('error') hear the same
// errors, the intermediate ones of a reconnecting stream included, and sse_errors counts the same:
// one per error event that reports a failure (a failed or refused request, a broken stream, a
// timeout, an event too large, the retries given up), none for one that only says the server ended
// the stream.
//
//nolint:paralleltest,tparallel // the subtests share one server and its state: they run in turn
func TestErrorsAlikeInBothAPIs(t *testing.T) {
	t.Parallel()
	down := closedURL(t)
	var ends atomic.Int64
	ending := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		if ends.Add(1)%3 != 0 { // two clean ends, then the stream stays open
			_, _ = w.Write([]byte("retry: 1\ndata: more\n\n"))
			return
		}
		_, _ = w.Write([]byte("event: IN_PROGRESS\ndata: done\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(ending.Close)
	refused := "sse: request failed: "
	tests := []struct {
		name, url, params string
		want              []string // the start of each error message
		wantErrors        float64  // sse_errors
	}{
		{"failed requests, reconnecting, then given up", down, `{ reconnect: { retries: 2, delay: 1 } }`,
			[]string{refused, refused, refused, "sse: reconnection attempts exhausted: 2 reconnections, last: " + refused}, 4},
		{"clean ends, reconnecting", ending.URL, `{ reconnect: { retries: 5, delay: 1 } }`,
			[]string{"sse: the server ended the stream; reconnecting in 1ms", "sse: the server ended the stream; reconnecting in 1ms"}, 0},
		{"clean ends, then given up", ending.URL, `{ reconnect: { retries: 1, delay: 1 } }`,
			[]string{"sse: the server ended the stream; reconnecting in 1ms",
				"sse: reconnection attempts exhausted: 1 reconnections, last: the server ended the stream (EOF)"}, 1},
	}
	for _, tc := range tests {
		for _, api := range []string{"EventSource", "open"} {
			t.Run(tc.name+"/"+api, func(t *testing.T) {
				ends.Store(0)
				vu := newJSVU(t)
				code := fmt.Sprintf(`
					var errors = [];
					const es = new EventSource(%q, %s);
					es.onerror = (e) => errors.push(e.error);
					es.addEventListener("IN_PROGRESS", () => es.close());
				`, tc.url, tc.params)
				if api == "open" {
					code = fmt.Sprintf(`
						var errors = [];
						open(%q, %s, (client) => {
							client.on("error", (e) => errors.push(e.error()));
							client.on("event", (e) => { if (e.name === "IN_PROGRESS") client.close(); });
						});
					`, tc.url, tc.params)
				}
				vu.run(t, code)
				got := vu.get("errors").([]any)
				require.Len(t, got, len(tc.want), "%v", got)
				for i, w := range tc.want {
					assert.Contains(t, got[i], w)
				}
				assert.Equal(t, tc.wantErrors, vu.sums()[MetricErrors], "sse_errors")
			})
		}
	}
}

// TestErrorTextsWithPercent: a % in what a script gives (URL, option names and values, header
// names, event types) comes back in the error message as given, never read as a format verb.
func TestErrorTextsWithPercent(t *testing.T) {
	t.Parallel()
	body := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad %d%s%v"))
	}))
	t.Cleanup(body.Close)
	tests := []struct{ name, code, want string }{
		{"URL scheme", `new EventSource("ftp://h/%d%s")`, `"ftp://h/%d%s"`},
		{"URL escape", `new EventSource("http://h/%d%s")`, `%d%s`},
		{"open URL", `open("ftp://h/%d%s", () => {})`, `"ftp://h/%d%s"`},
		{"unknown option", `new EventSource("http://h/", { "%d%s": 1 })`, `unknown option "%d%s"`},
		{"duration", `new EventSource("http://h/", { timeout: "%d%s" })`, `invalid duration "%d%s"`},
		{"header name", `new EventSource("http://h/", { headers: { "X %d%s": "1" } })`, `header "X %d%s": invalid name`},
		{"header value", `new EventSource("http://h/", { headers: { "X-%d%s": "a\nb" } })`, `header "X-%d%s": invalid value`},
		{"header type", `new EventSource("http://h/", { headers: { "%d%s": {} } })`, `"%d%s" must be a string`},
		{"method", `new EventSource("http://h/", { method: "G %d%s" })`, `G %d%s`},
		{"listener", `new EventSource("http://h/").addEventListener("%d%s", 1)`, `addEventListener("%d%s")`},
		{"client event", `open("http://h/", (c) => c.on("%d%s", () => {}))`, `unknown event "%d%s"`},
		{"client handler", `open("http://h/", (c) => c.on("error", "%d%s"))`, `got the string "%d%s"`},
		{"open fn", `open("http://h/", {}, "%d%s")`, `got the string "%d%s"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			_, err := vu.rt.RunOnEventLoop(tc.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "%!", "a format verb was read in %q", err.Error())
		})
	}

	// Error events: a refused response's body, and the URL in a failed request.
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var got = [];
		new EventSource(%q).onerror = (e) => got.push(e.error);
		open(%q, (c) => c.on("error", (e) => got.push(e.error())));
		new EventSource("http://127.0.0.1:1/%%25d%%25s").onerror = (e) => got.push(e.error);
	`, body.URL, body.URL))
	got := vu.get("got").([]any)
	require.Len(t, got, 3)
	for _, e := range got {
		assert.NotContains(t, e, "%!")
	}
	// The three streams run at once, so their errors come in any order.
	var refused, failed int
	for _, e := range got {
		switch s := e.(string); {
		case strings.Contains(s, `bad %d%s%v`):
			refused++
		case strings.Contains(s, `%25d%25s`):
			failed++
		}
	}
	assert.Equal(t, 2, refused, "the refused responses' bodies, unformatted: %q", got)
	assert.Equal(t, 1, failed, "the failed request's URL, unformatted: %q", got)
}
