package barrier

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestFailoverSentinelMidRendezvous SIGKILLs the primary behind Sentinel while 10 participants
// arrive phase after phase: no arrive() fails (an arrival in flight is retried, and counted once:
// its script replays its first reply), and every phase is released once, with all 10.
func TestFailoverSentinelMidRendezvous(t *testing.T) {
	t.Parallel()
	s := redistest.NeedSentinel(t, 1, failoverNodeTimeout)
	const parties, phases = 10, 30
	b, err := New(Options{Parties: parties, RunID: redistest.Prefix(t), Name: "rdv", Redis: s.URL()})
	require.NoError(t, err)
	var mu sync.Mutex
	released := map[int64]time.Time{}
	var wg sync.WaitGroup
	for id := 1; id <= parties; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := int64(0); p < phases; p++ {
				r, err := b.Arrive(testCtx(t), strconv.Itoa(id), ArriveOptions{Timeout: 40 * time.Second})
				if !assert.NoError(t, err, "participant %d, phase %d", id, p) {
					return
				}
				assert.Equal(t, p, r.Phase, "participant %d", id)
				assert.Equal(t, parties, r.Arrived, "phase %d released with all", r.Phase)
				mu.Lock()
				if at, ok := released[r.Phase]; ok {
					assert.Equal(t, at, r.ReleasedAt, "phase %d released once", r.Phase)
				}
				released[r.Phase] = r.ReleasedAt
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	killed := time.Now()
	s.Primary.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	promoted, err := redistest.WaitMaster(ctx, t, s.Replica)
	require.NoError(t, err)
	wg.Wait()
	t.Logf("primary killed; replica promoted %s later; the rendezvous ended %s after the promotion",
		promoted.Sub(killed).Round(time.Millisecond), time.Since(promoted).Round(time.Millisecond))
	assert.Len(t, released, phases, "no phase lost")
}
