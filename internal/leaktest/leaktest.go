// Package leaktest helps tests show that code leaves nothing running behind: goroutines (against
// a baseline taken before the code ran) and network connections (through a Dialer that tracks
// them); and that it uses the dialer or transport it is given.
package leaktest

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Baseline returns how many goroutines run now. Take it before the code under test runs.
func Baseline() int { return runtime.NumGoroutine() }

// Settle waits until at most limit goroutines run, or timeout passes (goroutines that the code
// under test ended, and server handlers that notice their clients gone, take a moment to exit),
// and returns the last count. It returns as soon as the count is at most limit.
func Settle(limit int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	n := runtime.NumGoroutine()
	for n > limit && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling the count: nothing signals a goroutine's exit
		n = runtime.NumGoroutine()
	}
	return n
}

// Dialer is a dialer (net.Dialer's DialContext) that records its dials and the connections it
// made, to show that code uses the dialer it is given and closes what it opens.
type Dialer struct {
	dialer net.Dialer
	mu     sync.Mutex
	addrs  []string // network and address of each dial
	conns  []*trackedConn
}

// closeGrace is how long a Dialer's check waits for connections to close when its test ends:
// net/http closes a finished connection from a goroutine of its own, a moment after the body's end.
const closeGrace = 2 * time.Second

// NewDialer returns a Dialer that fails t if a connection it made is still open when t ends (after
// closeGrace).
func NewDialer(t testing.TB) *Dialer {
	d := &Dialer{}
	t.Cleanup(func() {
		deadline := time.Now().Add(closeGrace)
		for d.Open() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := d.Open(); n != 0 {
			t.Errorf("%d of %d connections left open %s after the test", n, d.Dials(), closeGrace)
		}
	})
	return d
}

// DialContext dials as net.Dialer does, and records the dial and the connection.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, network+" "+addr)
	d.mu.Unlock()
	c, err := d.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c}
	d.mu.Lock()
	d.conns = append(d.conns, tc)
	d.mu.Unlock()
	return tc, nil
}

// Dials counts the dials so far, failed ones included.
func (d *Dialer) Dials() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.addrs)
}

// Addrs returns "network address" of each dial so far, in order.
func (d *Dialer) Addrs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// Open counts the connections made and not closed yet.
func (d *Dialer) Open() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.conns {
		if !c.closed.Load() {
			n++
		}
	}
	return n
}

type trackedConn struct {
	net.Conn
	closed atomic.Bool
}

func (c *trackedConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

// Transport is an http.RoundTripper that counts the requests it sends through Base, to show that
// code uses the transport it is given (or not).
type Transport struct {
	Base     http.RoundTripper
	requests atomic.Int64
}

// RoundTrip counts r and sends it through t.Base.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	return t.Base.RoundTrip(r)
}

// Requests counts the requests so far.
func (t *Transport) Requests() int64 { return t.requests.Load() }
