package jseventsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTP2ErrorCode: the codes k6/http gives HTTP/2 failures, read from the errors' texts as Go
// prints them, wrapped or not.
func TestHTTP2ErrorCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg  string
		want int
	}{
		{`http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=""`, 1611},
		{`http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=PROTOCOL_ERROR, debug=""`, 1612},
		{`http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=unknown error code 0x99, debug=""`, 1610},
		{"stream error: stream ID 1; PROTOCOL_ERROR; received from peer", 1632},
		{"stream error: stream ID 3; CANCEL", 1639},
		{"stream error: stream ID 3; INTERNAL_ERROR; received from peer", 1633},
		{"connection error: PROTOCOL_ERROR", 1652},
		{"stream error: nonsense", errCodeDefault},
		{"something else", errCodeDefault},
	} {
		err := fmt.Errorf("sse: reading stream: %w", errors.New(tt.msg))
		assert.Equal(t, tt.want, http2ErrorCode(err), tt.msg)
		assert.Equal(t, tt.want, errorCode(err), tt.msg)
	}
}

// TestEventSourceHTTP2ErrorCodes: a stream that an HTTP/2 server resets (RST_STREAM) or whose
// connection it ends with GOAWAY is an error event, and its sse_errors sample has k6/http's
// error_code for it.
func TestEventSourceHTTP2ErrorCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, wantText, wantCode string
	}{
		{"reset", "stream error: stream ID 1; INTERNAL_ERROR; received from peer", "1633"},
		{"goaway", "http2: server sent GOAWAY and closed the connection", "1611"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sent := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, "data: "+r.Proto+"\n\n")
				_ = http.NewResponseController(w).Flush()
				if tc.name == "reset" {
					panic(http.ErrAbortHandler) // the server resets the stream: RST_STREAM INTERNAL_ERROR
				}
				close(sent)
				<-r.Context().Done()
			})
			srv, cfg := tlsServer(t, true, h)
			if tc.name == "goaway" {
				go func() {
					<-sent
					ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					defer cancel()
					go func() { _ = srv.Config.Shutdown(ctx) }() // sends GOAWAY, then waits for the stream
					time.Sleep(100 * time.Millisecond)
					srv.CloseClientConnections() // the connection ends under the stream
				}()
			}
			vu := newJSVUOn(t, "dialer", cfg)
			vu.run(t, fmt.Sprintf(`
				var got = [];
				const es = new EventSource(%q);
				es.onmessage = (e) => got.push(e.data);
				es.onerror = (e) => { got.push(e.error); es.close(); };
			`, srv.URL))
			got := vu.get("got").([]any)
			require.Len(t, got, 2, "%v", got)
			assert.Equal(t, "HTTP/2.0", got[0])
			assert.Contains(t, got[1], tc.wantText)
			errs := samplesOf(vu, MetricErrors)
			require.Len(t, errs, 1)
			code, _ := errs[0].Tags.Get("error_code")
			assert.Equal(t, tc.wantCode, code)
		})
	}
}
