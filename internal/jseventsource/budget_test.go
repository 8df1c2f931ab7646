package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlowListenerBoundedInBytes: a server writes 1 MB events as fast as the connection takes
// them to a listener that works 20 ms per event. What the server managed to write beyond what the
// script handled stays bounded by the stream's byte budget (2 MiB here), the event being decoded
// and what the connection holds (socket buffers, HTTP/2's stream window): the reading stops when
// the budget is full, and flow control slows the server. Before the budget counted bytes, 64
// batches of any size could queue: 64 MB of such events.
func TestSlowListenerBoundedInBytes(t *testing.T) {
	t.Parallel()
	const eventSize = 1_000_000
	const handled = 40
	event := "data: " + strings.Repeat("x", eventSize) + "\n\n"
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var written atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				rc := http.NewResponseController(w)
				for r.Context().Err() == nil {
					if _, err := w.Write([]byte(event)); err != nil {
						return
					}
					if rc.Flush() != nil {
						return
					}
					written.Add(int64(len(event)))
				}
			})
			var vu *jsVU
			var url string
			if proto == "HTTP/2" {
				srv, cfg := tlsServer(t, true, h)
				vu, url = newJSVUOn(t, "dialer", cfg), srv.URL
			} else {
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)
				vu, url = newJSVU(t), srv.URL
			}
			var maxAhead int64
			n := int64(0)
			require.NoError(t, vu.rt.VU.Runtime().Set("work", func() {
				time.Sleep(20 * time.Millisecond)
				n++
				maxAhead = max(maxAhead, written.Load()-n*int64(len(event)))
			}))
			vu.run(t, fmt.Sprintf(`
				var got = 0, proto = "";
				const es = new EventSource(%q);
				es.onmessage = (e) => { work(); if (e.data.length === %d && ++got === %d) es.close(); };
			`, url, eventSize, handled))
			assert.EqualValues(t, handled, vu.get("got"))
			t.Logf("%s: the server wrote at most %.1f MB ahead of the script", proto, float64(maxAhead)/1e6)
			const bound = 32 << 20 // 2 MiB of budget, 1 MiB decoding, the rest the connection's buffers
			assert.Less(t, maxAhead, int64(bound), "bytes written ahead of the script")
		})
	}
}

// TestQueueBudget: the budget is twice maxEventSize (2 MiB by default), at least 1 MiB.
func TestQueueBudget(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 2<<20, queueBudget(0))
	assert.Equal(t, 2<<20, queueBudget(1<<20))
	assert.Equal(t, 1<<20, queueBudget(1000))
	assert.Equal(t, 64<<20, queueBudget(32<<20))
}

// TestEventsReceivedCountsWhatTheScriptGot: sse_events_received counts the events handed to the
// script: a stream closed at its first event counts 1, however many the server sent in the same
// read, in EventSource and in open().
func TestEventsReceivedCountsWhatTheScriptGot(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, strings.Repeat("data: x\n\n", 500), false)
	for _, tc := range []struct{ api, code string }{
		{"EventSource", `const es = new EventSource(%q); es.onmessage = () => es.close();`},
		{"open", `open(%q, (client) => client.on("event", () => client.close()));`},
	} {
		t.Run(tc.api, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			vu.run(t, fmt.Sprintf(tc.code, srv.URL))
			assert.Equal(t, 1.0, vu.sums()[MetricEventsReceived])
		})
	}
}
