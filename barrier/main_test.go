package barrier

import (
	"testing"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// newFunc makes a barrier for a test, on one backend.
type newFunc func(t *testing.T, o Options) *Barrier

// backends lists the backends every conformance test runs on.
func backends() []struct {
	name string
	new  newFunc
} {
	return []struct {
		name string
		new  newFunc
	}{
		{"memory", newMemoryBarrier},
		{"redis", newRedisBarrier},
	}
}

// newMemoryBarrier returns an in-process barrier of its own: the in-process
// backend ignores runId, so the test's key prefix sets it apart.
func newMemoryBarrier(t *testing.T, o Options) *Barrier {
	t.Helper()
	if o.KeyPrefix == "" {
		o.KeyPrefix = memoryPrefix(t)
	}
	b, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// newRedisBarrier returns a barrier on the test Redis (through the shared
// client of its URL, as the JS binding does) with a run id of its own unless
// o gives one (then one made by redistest.Prefix); the keys of its run id are
// deleted when the test ends.
func newRedisBarrier(t *testing.T, o Options) *Barrier {
	t.Helper()
	srv := redistest.New(t)
	if o.RunID == "" {
		o.RunID = redistest.Prefix(t)
	}
	srv.Cleanup(t, "*{"+o.RunID+"}*")
	o.Redis = srv.URL
	b, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// memoryPrefix is a keyPrefix unique to the test, for in-process barriers.
func memoryPrefix(t *testing.T) string {
	p := redistest.Prefix(t)
	if len(p) > 64 {
		p = p[len(p)-64:]
	}
	return p
}
