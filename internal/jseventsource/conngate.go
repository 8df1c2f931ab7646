package jseventsource

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// connGates lines up the https requests of a VU's streams to one host while they may need a new
// connection, so that streams opened at once share an HTTP/2 connection instead of each dialing
// its own.
//
// Go's transport learns that a host speaks HTTP/2 only once a TLS handshake has negotiated it
// (ALPN), and until a connection can take a request, every request dials: a VU that opens 100
// streams at once would dial 100 TLS connections and keep one. So, per VU and per host, a request
// takes a turn before it goes, and hands the turn on once it has its connection (httptrace's
// GotConn: the HTTP/2 connection, with a stream reserved on it, or the HTTP/1.1 one). The next
// request then finds the HTTP/2 connection in the transport's pool, or, when the connection is
// full (the server's MaxConcurrentStreams), dials the next one alone. Once the host is seen to
// speak HTTP/1.1 (a connection per stream), requests no longer wait for turns, and dial in
// parallel. A request that fails before it has a connection lets all the waiting requests go at
// once (as they would without the gate: they fail or succeed on their own); one whose context ends
// hands its turn on. Waiting is bounded by the request's context (the stream's close and its
// connect timeout).
type connGates struct {
	mu    sync.Mutex
	hosts map[string]*hostGate // by scheme://host:port
}

// hostGate is the turn of one host's requests.
type hostGate struct {
	mu      sync.Mutex
	http1   bool             // the host's last connection spoke HTTP/1.1: requests do not wait
	taken   bool             // a request holds the turn
	waiting []chan turnGrant // requests waiting for the turn, first come first
}

// turnGrant is what a waiting request is told: go holding the turn, or go freely.
type turnGrant bool

const (
	grantTurn turnGrant = true  // the request holds the turn: it must hand it on
	grantFree turnGrant = false // the request goes without the turn
)

// gate returns the gate of the host of an https URL's request, nil for other schemes (http://
// streams are HTTP/1.1: k6 does not speak cleartext HTTP/2).
func (g *connGates) gate(req *http.Request) *hostGate {
	if req.URL.Scheme != "https" {
		return nil
	}
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "443")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.hosts[host]
	if h == nil {
		if g.hosts == nil {
			g.hosts = map[string]*hostGate{}
		}
		h = &hostGate{}
		g.hosts[host] = h
	}
	return h
}

// enter waits for the request's turn. It reports whether the request holds the turn (then it
// must call leave), or an error when ctx ends first.
func (h *hostGate) enter(ctx context.Context) (bool, error) {
	h.mu.Lock()
	if h.http1 {
		h.mu.Unlock()
		return false, nil
	}
	if !h.taken {
		h.taken = true
		h.mu.Unlock()
		return true, nil
	}
	ch := make(chan turnGrant, 1)
	h.waiting = append(h.waiting, ch)
	h.mu.Unlock()
	select {
	case g := <-ch:
		return bool(g), nil
	case <-ctx.Done():
	}
	h.mu.Lock()
	for i, w := range h.waiting {
		if w == ch {
			h.waiting = append(h.waiting[:i], h.waiting[i+1:]...)
			h.mu.Unlock()
			return false, ctx.Err()
		}
	}
	h.mu.Unlock()
	if <-ch == grantTurn { // granted as the context ended: hand the turn on
		h.leave(false, false)
	}
	return false, ctx.Err()
}

// leave hands the turn on. gotConn says that the request has its connection, http1 that it speaks
// HTTP/1.1; without a connection, failed says that the request failed (rather than being
// canceled), which lets every waiting request go.
func (h *hostGate) leave(gotConn, failed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.http1 || (!gotConn && failed) {
		h.releaseAllLocked()
		return
	}
	if len(h.waiting) == 0 {
		h.taken = false
		return
	}
	next := h.waiting[0]
	h.waiting = h.waiting[1:]
	next <- grantTurn
}

// releaseAllLocked lets every waiting request go without the turn, and frees the turn.
func (h *hostGate) releaseAllLocked() {
	for _, w := range h.waiting {
		w <- grantFree
	}
	h.waiting, h.taken = nil, false
}

// sawConn records the protocol of a connection that a request of the host got.
func (h *hostGate) sawConn(c net.Conn) {
	http1 := true
	if tc, ok := c.(interface{ ConnectionState() tls.ConnectionState }); ok {
		http1 = tc.ConnectionState().NegotiatedProtocol != "h2"
	}
	h.mu.Lock()
	h.http1 = http1
	h.mu.Unlock()
}

// roundTrip sends req, an https request to h's host, through next (the VU's transport): it takes
// the host's turn first if it must, and hands it on once the request has its connection.
func (h *hostGate) roundTrip(next http.RoundTripper, req *http.Request) (resp *http.Response, err error) {
	ctx := req.Context()
	turn, err := h.enter(ctx)
	if err != nil {
		return nil, err
	}
	traced, leave := h.traced(req, turn)
	// The turn is handed on whatever ends the request, a panic included.
	defer func() { leave(false, err != nil && ctx.Err() == nil) }()
	return next.RoundTrip(traced) //nolint:wrapcheck // a RoundTripper returns its transport's error as it is
}

// traced returns req as it is sent: traced, so that the protocol of its connection is recorded and,
// if it holds the turn (turn), the turn is handed on when it gets its connection; and the function
// that hands the turn on (once, whoever calls it first; nothing without the turn).
func (h *hostGate) traced(req *http.Request, turn bool) (*http.Request, func(gotConn, failed bool)) {
	var once sync.Once
	leave := func(gotConn, failed bool) {
		if turn {
			once.Do(func() { h.leave(gotConn, failed) })
		}
	}
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		h.sawConn(info.Conn)
		leave(true, false)
	}}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), trace)), leave
}
