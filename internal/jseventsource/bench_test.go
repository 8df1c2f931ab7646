package jseventsource

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkEventSourceToJS measures small events delivered to a JS onmessage callback through
// EventSource in one VU: the server writes them as fast as it can, the VU handles them and closes
// the stream after eventsPerOp. The figure to read is events/s; the xk6-sse extension, which blocks
// the VU instead, delivers about 480,000/s on a 2-core machine. "count" only counts the events;
// "read" also reads each event's data and lastEventId.
func BenchmarkEventSourceToJS(b *testing.B) {
	const eventsPerOp = 200_000
	var chunk bytes.Buffer
	for i := 0; chunk.Len() < 64<<10; i++ {
		fmt.Fprintf(&chunk, "id: %d\ndata: {\"position\":%d,\"status\":\"WAITING\"}\n\n", i, i%1000)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk.Bytes()); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	for _, bc := range []struct{ name, handler string }{
		{"count", `(e) => { if (++received >= %d) es.close(); }`},
		{"read", `(e) => { bytes += e.data.length + e.lastEventId.length; if (++received >= %d) es.close(); }`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			vu := newJSVU(b)
			script := fmt.Sprintf(`
				var received = 0, bytes = 0;
				{
					const es = new EventSource(%q);
					es.onmessage = `+bc.handler+`;
				}
			`, srv.URL, eventsPerOp)
			b.ResetTimer()
			start := time.Now()
			total := 0
			for i := 0; i < b.N; i++ {
				vu.run(b, script)
				total += int(vu.rt.VU.Runtime().Get("received").ToInteger())
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(total)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(total), "ns/event")
			vu.sums() // drop the samples
		})
	}
}
