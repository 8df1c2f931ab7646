package jseventsource

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingTLSServer starts an https server of h that counts the TCP connections it accepted;
// http2 makes it offer HTTP/2 (ALPN h2 and http/1.1), with at most 100 streams per connection.
func countingTLSServer(t testing.TB, http2 bool, h http.Handler) (*httptest.Server, *tls.Config, *atomic.Int64) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	accepted := &atomic.Int64{}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	if http2 {
		srv.EnableHTTP2 = true
		srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 100}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.NextProtos = nil
	return srv, cfg, accepted
}

// openAllScript opens n streams of url at once, with params, and closes them all once each has
// had its first event (or an error); opened counts the streams that had an event, errors the
// error events.
const openAllScript = `
	var opened = 0, errors = [];
	{
		const all = [];
		let settled = 0;
		const settle = () => { if (++settled === %[2]d) all.forEach((s) => s.close()); };
		for (let i = 0; i < %[2]d; i++) {
			const es = new EventSource(%[1]q, %[3]s);
			all.push(es);
			es.onmessage = () => { opened++; settle(); };
			es.onerror = (e) => { errors.push(e.error); es.close(); settle(); };
		}
	}
`

// TestEventSourceStreamsShareHTTP2Connections: 100 streams of one VU opened at once to an HTTP/2
// server share one connection (at most 2), as k6/http's requests do, instead of each dialing its
// own TLS connection; past the server's MaxConcurrentStreams (100), streams take more connections,
// a few, not one each.
func TestEventSourceStreamsShareHTTP2Connections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		streams  int
		maxConns int64
	}{
		{streams: 100, maxConns: 2},
		{streams: 250, maxConns: 4},
	} {
		t.Run(fmt.Sprint(tc.streams), func(t *testing.T) {
			t.Parallel()
			srv, cfg, accepted := countingTLSServer(t, true, protoServer(true))
			vu := newJSVUOn(t, "dialer", cfg)
			vu.run(t, fmt.Sprintf(openAllScript, srv.URL, tc.streams, "{}"))
			assert.Empty(t, vu.get("errors"))
			assert.EqualValues(t, tc.streams, vu.get("opened"))
			assert.LessOrEqual(t, accepted.Load(), tc.maxConns, "TLS connections accepted by the server")
			assert.LessOrEqual(t, int64(vu.dialer.Dials()), tc.maxConns, "connections dialled by the VU")
		})
	}
}

// TestEventSourceHTTP1StreamsDialInParallel: over HTTP/1.1 (a TLS server without h2), once the
// first stream's connection shows it, the other streams dial at once, not by turns: the dialer
// holds every dial after the first until all the others are dialing too.
func TestEventSourceHTTP1StreamsDialInParallel(t *testing.T) {
	t.Parallel()
	const streams = 20
	srv, cfg, accepted := countingTLSServer(t, false, protoServer(true))
	vu := newJSVUOn(t, "dialer", cfg)
	var (
		mu      sync.Mutex
		dials   int
		allIn   = make(chan struct{})
		stalled atomic.Bool
	)
	base := vu.transport.Base.(*http.Transport)
	next := base.DialContext
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials++
		if dials == streams { // the first one, and the other streams-1 together
			close(allIn)
		}
		first := dials == 1
		mu.Unlock()
		if !first && !stalled.Load() {
			select {
			case <-allIn:
			case <-time.After(10 * time.Second): // dials by turns would never all be in: say so
				stalled.Store(true)
			}
		}
		return next(ctx, network, addr)
	}
	vu.run(t, fmt.Sprintf(openAllScript, srv.URL, streams, "{}"))
	assert.Empty(t, vu.get("errors"))
	assert.EqualValues(t, streams, vu.get("opened"))
	assert.False(t, stalled.Load(), "the HTTP/1.1 streams did not dial at once")
	assert.EqualValues(t, streams, accepted.Load(), "one connection per HTTP/1.1 stream")
}

// TestEventSourceFirstStreamFailsOthersGo: while the first stream of a host holds the others back,
// whatever ends its request without a connection lets them go: a failed dial, its connect timeout,
// its close by the script. The others are opened once the first is dialing.
func TestEventSourceFirstStreamFailsOthersGo(t *testing.T) {
	t.Parallel()
	const streams = 10
	for _, tc := range []struct {
		name string
		// first is what the first dial does, given the dial's context and a channel closed once the
		// other streams are opened.
		first func(ctx context.Context, restOpened <-chan struct{}) error
		// params are the first stream's; then is what the script does once the others are opened.
		params, then string
		// firstErr is part of the first stream's error, "" when the script closed it.
		firstErr string
		// maxDials bounds the dials: after a failure, the others go at once and each dials, as
		// without the gate; after a cancellation, the next takes the turn.
		maxDials int64
	}{
		{
			name: "dial fails",
			first: func(_ context.Context, restOpened <-chan struct{}) error {
				<-restOpened
				return errors.New("no route to the test host")
			},
			params: `{}`, firstErr: "no route to the test host", maxDials: streams,
		},
		{
			name: "connect timeout",
			// The dial goes on after the request ends (net/http keeps it for a later request),
			// until the test's transport is closed.
			first:  func(ctx context.Context, _ <-chan struct{}) error { <-ctx.Done(); return ctx.Err() },
			params: `{ timeout: "200ms" }`, firstErr: "timeout", maxDials: 3,
		},
		{
			name:   "closed by the script",
			first:  func(ctx context.Context, _ <-chan struct{}) error { <-ctx.Done(); return ctx.Err() },
			params: `{}`, then: `first.close(); settle();`, maxDials: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, cfg, _ := countingTLSServer(t, true, protoServer(true))
			vu := newJSVUOn(t, "dialer", cfg)
			var dials atomic.Int64
			firstDialing, restOpened := make(chan struct{}), make(chan struct{})
			base := vu.transport.Base.(*http.Transport)
			next := base.DialContext
			base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) == 1 {
					close(firstDialing)
					return nil, tc.first(ctx, restOpened)
				}
				return next(ctx, network, addr)
			}
			rt := vu.rt.VU.Runtime()
			require.NoError(t, rt.Set("firstDialing", func() bool {
				select {
				case <-firstDialing:
					return true
				default:
					return false
				}
			}))
			require.NoError(t, rt.Set("restOpened", func() { close(restOpened) }))
			vu.run(t, fmt.Sprintf(`
				var opened = 0, errors = [];
				const all = [];
				let settled = 0;
				const settle = () => { if (++settled === %[2]d) all.forEach((s) => s.close()); };
				const openOne = (params) => {
					const es = new EventSource(%[1]q, params);
					all.push(es);
					es.onmessage = () => { opened++; settle(); };
					es.onerror = (e) => { errors.push(e.error); es.close(); settle(); };
					return es;
				};
				const first = openOne(%[3]s);
				const openRest = () => {
					if (!firstDialing()) { setTimeout(openRest, 5); return; }
					for (let i = 1; i < %[2]d; i++) openOne({});
					restOpened();
					%[4]s
				};
				openRest();
			`, srv.URL, streams, tc.params, tc.then))
			assert.EqualValues(t, streams-1, vu.get("opened"), "the streams after the first")
			errs, _ := vu.get("errors").([]any)
			if tc.firstErr == "" {
				assert.Empty(t, errs)
			} else if assert.Len(t, errs, 1) {
				assert.Contains(t, errs[0], tc.firstErr)
			}
			assert.LessOrEqual(t, dials.Load(), tc.maxDials)
		})
	}
}

// TestHostGateTurns: the turn of one host's requests, step by step.
func TestHostGateTurns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	enter := func(h *hostGate) chan bool { // the turn, once granted (false: free), in the background
		got := make(chan bool, 1)
		go func() {
			turn, err := h.enter(ctx)
			assert.NoError(t, err)
			got <- turn
		}()
		return got
	}
	waiting := func(h *hostGate) int {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.waiting)
	}
	waitFor := func(h *hostGate, n int) {
		require.Eventually(t, func() bool { return waiting(h) == n }, 5*time.Second, time.Millisecond)
	}

	t.Run("HTTP/2: one at a time, in order", func(t *testing.T) {
		t.Parallel()
		h := &hostGate{}
		turn, err := h.enter(ctx)
		require.NoError(t, err)
		require.True(t, turn)
		second := enter(h)
		waitFor(h, 1)
		third := enter(h)
		waitFor(h, 2)
		h.leave(true, false) // the first has its connection
		assert.True(t, <-second)
		assert.Equal(t, 1, waiting(h))
		h.leave(true, false)
		assert.True(t, <-third)
		h.leave(true, false)
		turn, err = h.enter(ctx)
		require.NoError(t, err)
		assert.True(t, turn, "the turn is free again")
	})
	t.Run("HTTP/1.1: all go at once, later ones freely", func(t *testing.T) {
		t.Parallel()
		h := &hostGate{}
		_, _ = h.enter(ctx)
		a, b := enter(h), enter(h)
		waitFor(h, 2)
		h.http1 = true // as sawConn sets it, under the lock below
		h.leave(true, false)
		assert.False(t, <-a)
		assert.False(t, <-b)
		turn, err := h.enter(ctx)
		require.NoError(t, err)
		assert.False(t, turn)
	})
	t.Run("a failure lets all go", func(t *testing.T) {
		t.Parallel()
		h := &hostGate{}
		_, _ = h.enter(ctx)
		a, b := enter(h), enter(h)
		waitFor(h, 2)
		h.leave(false, true)
		assert.False(t, <-a)
		assert.False(t, <-b)
		turn, _ := h.enter(ctx)
		assert.True(t, turn, "the next request tries alone again")
	})
	t.Run("a waiter whose context ends leaves the line", func(t *testing.T) {
		t.Parallel()
		h := &hostGate{}
		_, _ = h.enter(ctx)
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { _, err := h.enter(cctx); done <- err }()
		waitFor(h, 1)
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		assert.Equal(t, 0, waiting(h))
		h.leave(false, false) // the holder canceled too: nobody waits, the turn is free
		turn, _ := h.enter(ctx)
		assert.True(t, turn)
	})
}

// TestEventSourcePlainStreamsUseVUDialer: http:// streams go through a copy of the VU's transport
// (smaller buffers): still over the VU's dialer (hosts, blockHostnames, data_sent and
// data_received), and their connections are closed once they end, none kept idle (the dialer's
// check fails the test otherwise).
func TestEventSourcePlainStreamsUseVUDialer(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: x\n\n", false)
	vu := newJSVUOn(t, "dialer", nil)
	vu.state.Transport = vu.transport.Base // k6's own *http.Transport, as in a k6 VU
	vu.run(t, fmt.Sprintf(openAllScript, srv.URL, 3, "{}"))
	assert.Empty(t, vu.get("errors"))
	assert.EqualValues(t, 3, vu.get("opened"))
	assert.Equal(t, 3, vu.dialer.Dials(), "each stream dialled through the VU's dialer")
	assert.EqualValues(t, 0, vu.transport.Requests(), "not through the VU's transport itself")
}
