package jseventsource

import (
	"net/http"
	"sync"
)

// plainBufferSize is the size of the read and of the write buffer of an http:// stream's
// connection. k6's transport gives each connection 4 KiB of each, which an idle stream keeps for
// its life; a request is written once, and an event stream's body is read into the decoder's own
// buffer (bufio reads straight into a buffer at least as large as its own), so 1 KiB costs nothing
// in speed.
const plainBufferSize = 1 << 10

// plainTransport is the transport of a VU's http:// streams: a copy of the VU's transport (its
// dialer, so hosts, blockHostnames and data_sent/data_received; its proxies; its options) with
// plainBufferSize buffers, made once per VU. A stream's connection is closed when the stream ends
// rather than kept idle (a stream holds its connection for long, and the copy's idle connections
// would outlive what k6 closes). https streams keep the VU's transport itself, so that they share
// HTTP/2 connections with the VU's k6/http requests.
type plainTransport struct {
	mu   sync.Mutex
	base *http.Transport // the VU's transport it was made of
	copy *http.Transport
}

// get returns the transport of an http:// stream of a VU whose transport is base: the copy, or
// base itself when it is not an *http.Transport (then its buffers are its own).
func (p *plainTransport) get(base http.RoundTripper) http.RoundTripper {
	t, ok := base.(*http.Transport)
	if !ok {
		return base
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.base != t {
		c := t.Clone()
		c.ReadBufferSize, c.WriteBufferSize = plainBufferSize, plainBufferSize
		c.MaxIdleConnsPerHost = -1 // no idle connection kept: see above
		p.base, p.copy = t, c
	}
	return p.copy
}

// streamTransport sends a stream's requests through the transport of its scheme: http:// through
// the VU's plainTransport, https through the VU's transport, by turns with the VU's other streams
// to the same host until each has its connection (see connGates). It is one RoundTripper, each of
// its ways one call deep: a request is sent from a goroutine whose stack is to stay small (see
// sse.Stream).
type streamTransport struct {
	vu    http.RoundTripper
	plain *plainTransport
	gates *connGates
}

// RoundTrip implements http.RoundTripper.
func (t *streamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" {
		return t.plain.get(t.vu).RoundTrip(req) //nolint:wrapcheck // a RoundTripper returns its transport's error as it is
	}
	if h := t.gates.gate(req); h != nil {
		return h.roundTrip(t.vu, req)
	}
	return t.vu.RoundTrip(req) //nolint:wrapcheck // a RoundTripper returns its transport's error as it is
}
