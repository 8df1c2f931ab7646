package leaktest

import (
	"net"
	"testing"
	"time"
)

//nolint:paralleltest // it counts the process's goroutines: it runs alone
func TestSettle(t *testing.T) {
	base := Baseline()
	stop := make(chan struct{})
	for range 10 {
		go func() { <-stop }()
	}
	if n := Settle(base, 20*time.Millisecond); n < base+10 {
		t.Fatalf("Settle = %d with 10 goroutines blocked over a baseline of %d", n, base)
	}
	close(stop)
	if n := Settle(base, 10*time.Second); n > base {
		t.Fatalf("Settle = %d after the goroutines ended, baseline %d", n, base)
	}
}

func TestDialer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := NewDialer(t)
	c, err := d.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if d.Dials() != 1 || d.Open() != 1 || d.Addrs()[0] != "tcp "+ln.Addr().String() {
		t.Fatalf("after a dial: %d dials, %d open, %q", d.Dials(), d.Open(), d.Addrs())
	}
	c.Close()
	if d.Open() != 0 {
		t.Fatalf("%d open after Close", d.Open())
	}
}
