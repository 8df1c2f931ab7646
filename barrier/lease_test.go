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

// TestInstanceLease: two k6 processes (two clients, two sessions) share a rendezvous of 4 parties.
// One stops renewing its lease (killed: its client closed) while the other's two participants wait
// at the next phase with a 60 s timeout: when the lease expires, the dead instance's participants
// leave and the phase is released with those who remain. A graceful Withdraw does it at once.
func TestInstanceLease(t *testing.T) {
	for _, graceful := range []bool{false, true} {
		t.Run(map[bool]string{false: "killed", true: "withdrawn"}[graceful], func(t *testing.T) {
			srv := redistest.NeedServer(t)
			run := redistest.Prefix(t)
			srv.Cleanup(t, "*{"+run+"}*")
			ctx := testCtx(t)
			procs := make([]*Barrier, 2)
			for i := range procs {
				b, err := NewWithClient(Options{Parties: 4, RunID: run}, srv.Client(t))
				require.NoError(t, err)
				procs[i] = b
			}
			o := ArriveOptions{Timeout: time.Minute}
			arrive := func(ids map[int]*Barrier) map[int]PhaseResult {
				var mu sync.Mutex
				var wg sync.WaitGroup
				out := map[int]PhaseResult{}
				for id, b := range ids {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r, err := b.Arrive(ctx, strconv.Itoa(id), o)
						assert.NoError(t, err, "participant %d", id)
						mu.Lock()
						out[id] = r
						mu.Unlock()
					}()
				}
				wg.Wait()
				return out
			}
			arrive(map[int]*Barrier{1: procs[0], 2: procs[0], 3: procs[1], 4: procs[1]})

			start := time.Now()
			if graceful {
				n, err := procs[1].Withdraw(ctx)
				require.NoError(t, err)
				assert.Equal(t, 2, n, "its two participants left")
			} else {
				be, ok := procs[1].be.(*redisBackend)
				require.True(t, ok)
				require.NoError(t, be.client.Close()) // it renews nothing any more
			}
			res := arrive(map[int]*Barrier{1: procs[0], 2: procs[0]})
			took := time.Since(start)
			t.Logf("phase 1 released %s after the other instance ended", took.Round(time.Millisecond))
			for id, r := range res {
				assert.Equal(t, OutcomeReleased, r.Outcome, "participant %d", id)
				assert.EqualValues(t, 1, r.Phase)
				assert.Equal(t, 2, r.Left, "the other instance's participants left")
			}
			assert.Less(t, took, 30*time.Second, "released by the lease, not at the timeout")
		})
	}
}
