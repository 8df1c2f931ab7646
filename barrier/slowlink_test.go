package barrier

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestSlowLink puts 200 ms each way between the barrier and Redis (a runner in another region):
// subscribing takes several round trips (connect, handshake, SUBSCRIBE), bounded by the call's own
// deadline, not a fixed second, so wait() is met; a rendezvous of 20 participants over 3 phases is
// released phase after phase.
func TestSlowLink(t *testing.T) {
	srv := redistest.NeedServer(t)
	proxy := redistest.StartProxy(t, srv.Addr, 200*time.Millisecond)
	ctx := testCtx(t)

	t.Run("wait", func(t *testing.T) {
		b, err := New(Options{Parties: 3, RunID: redistest.Prefix(t), Redis: proxy.URL})
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() {
			_, err := b.Wait(ctx, WaitOptions{Timeout: 30 * time.Second})
			done <- err
		}()
		join(t, b, 1, 2, 3)
		require.NoError(t, <-done)
	})
	t.Run("rendezvous", func(t *testing.T) {
		const parties, phases = 20, 3
		b, err := New(Options{Parties: parties, RunID: redistest.Prefix(t), Redis: proxy.URL})
		require.NoError(t, err)
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, parties)
		for i := range parties {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := 0; p < phases && errs[i] == nil; p++ {
					r, err := b.Arrive(ctx, strconv.Itoa(i+1), ArriveOptions{Timeout: 30 * time.Second})
					if err == nil && r.Phase != int64(p) {
						err = assert.AnError
					}
					errs[i] = err
				}
			}()
		}
		wg.Wait()
		for i, err := range errs {
			assert.NoError(t, err, "participant %d", i+1)
		}
		t.Logf("%d participants, %d phases over 200 ms each way: %s", parties, phases, time.Since(start).Round(time.Millisecond))
	})
}
