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

// TestLeaseOutlivesIdleSession: a participant that arrived and then works for longer than the
// session stays open without waiters (its subscription closed, as after hubLinger) keeps its
// place: its process still renews its lease, so another instance's next phase waits for it rather
// than releasing without it once leaseTTL passed.
func TestLeaseOutlivesIdleSession(t *testing.T) {
	srv := redistest.NeedServer(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	ctx := testCtx(t)
	procs := make([]*Barrier, 2)
	for i := range procs {
		b, err := NewWithClient(Options{Parties: 2, RunID: run}, srv.Client(t))
		require.NoError(t, err)
		procs[i] = b
	}
	o := ArriveOptions{Timeout: time.Minute}
	type answer struct {
		r   PhaseResult
		err error
	}
	arrive := func(b *Barrier, id string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			r, err := b.Arrive(ctx, id, o)
			ch <- answer{r, err}
		}()
		return ch
	}
	a, b := arrive(procs[0], "1"), arrive(procs[1], "2")
	for _, ch := range []<-chan answer{a, b} {
		got := <-ch
		require.NoError(t, got.err)
		require.EqualValues(t, 0, got.r.Phase)
	}

	// Participant 1 works: nobody of its process waits, and its session closes its subscription.
	be, ok := procs[0].be.(*redisBackend)
	require.True(t, ok)
	s := sessionFor(be, 2)
	s.mu.Lock()
	if s.sub != nil {
		s.sub.close()
		s.sub = nil
	}
	s.mu.Unlock()

	b = arrive(procs[1], "2")
	work := leaseTTL + 2*leaseRenewEvery
	select {
	case got := <-b:
		t.Fatalf("phase 1 settled without participant 1, which still runs: %+v %v", got.r, got.err)
	case <-time.After(work):
	}
	a = arrive(procs[0], "1")
	for id, ch := range map[string]<-chan answer{"1": a, "2": b} {
		got := <-ch
		require.NoError(t, got.err, "participant %s", id)
		assert.Equal(t, OutcomeReleased, got.r.Outcome, "participant %s", id)
		assert.EqualValues(t, 1, got.r.Phase, "participant %s", id)
		assert.Equal(t, 0, got.r.Left, "participant %s: nobody left", id)
	}
}
