package redistest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy is a TCP proxy in front of a Redis, for tests of what the network does: it delays every
// chunk of data by Delay in each direction (a link with that latency, not a bandwidth limit), and
// it can cut one connection just after a request went through, before the reply comes back (the
// reply is dropped: the client cannot know whether the command ran).
type Proxy struct {
	// Addr is the proxy's host:port; URL is redis://Addr.
	Addr, URL string

	target string
	delay  time.Duration
	ln     net.Listener
	cut    atomic.Pointer[[]byte] // cut the connection whose next request contains this
	// Cuts counts the connections cut so far.
	Cuts atomic.Int32

	mu    sync.Mutex
	conns map[net.Conn]bool
}

// StartProxy starts a proxy to target (host:port) with delay each way, closed when the test ends.
func StartProxy(t testing.TB, target string, delay time.Duration) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, delay: delay, ln: ln, conns: map[net.Conn]bool{}}
	p.URL = "redis://" + p.Addr
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// CutNext makes the proxy cut the next connection whose request contains marker (e.g. "evalsha")
// right after forwarding that request: the server runs it, the client never gets the reply.
func (p *Proxy) CutNext(marker string) {
	m := []byte(marker)
	p.cut.Store(&m)
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

func (p *Proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *Proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.track(client, true)
		p.track(server, true)
		var doomed atomic.Bool
		closeBoth := func() {
			_ = client.Close()
			_ = server.Close()
			p.track(client, false)
			p.track(server, false)
		}
		go p.pump(client, server, func(b []byte) bool { // requests
			if m := p.cut.Load(); m != nil && bytes.Contains(bytes.ToLower(b), *m) && p.cut.CompareAndSwap(m, nil) {
				doomed.Store(true)
			}
			return true
		}, closeBoth)
		go p.pump(server, client, func([]byte) bool { // replies
			if doomed.Load() {
				p.Cuts.Add(1)
				closeBoth()
				return false
			}
			return true
		}, closeBoth)
	}
}

// pump copies from src to dst, each chunk Delay after it was read, in order; pass may drop a chunk
// (false). It closes both ends when either fails.
func (p *Proxy) pump(src, dst net.Conn, pass func([]byte) bool, closeBoth func()) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	queue := make(chan chunk, 1024)
	go func() {
		defer closeBoth()
		for c := range queue {
			if d := time.Until(c.at); d > 0 {
				time.Sleep(d)
			}
			if !pass(c.b) {
				return
			}
			if _, err := dst.Write(c.b); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 64*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			queue <- chunk{b: append([]byte(nil), buf[:n]...), at: time.Now().Add(p.delay)}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				closeBoth()
			}
			close(queue)
			return
		}
	}
}
