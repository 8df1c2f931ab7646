package barrier

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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
			_, ctx, procs := twoProcesses(t, 4)
			o := ArriveOptions{Timeout: time.Minute}
			arrive := func(ids map[int]*Barrier) map[int]PhaseResult { return arriveFrom(ctx, t, ids, o) }
			arrive(map[int]*Barrier{1: procs[0], 2: procs[0], 3: procs[1], 4: procs[1]})

			start := time.Now()
			if graceful {
				n, err := procs[1].Withdraw(ctx)
				require.NoError(t, err)
				assert.Equal(t, 2, n, "its two participants left")
			} else {
				kill(t, procs[1])
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

// TestInstanceLeaseAfterStall: when no process could sweep the leases for longer than half a lease
// (Redis stalled, or a failover promoted a replica), every lease ran out alike, and the first sweep
// after it must not take the other instances for dead: each gets a full lease from then. An instance
// that is really gone still leaves a lease later. The stall is set in Redis's own state: the last
// sweep 10 s ago and the other instance's lease ended a second ago; a lease ended while the sweeps
// went on (no stall) makes it leave at once.
func TestInstanceLeaseAfterStall(t *testing.T) {
	for _, stalled := range []bool{true, false} {
		t.Run(map[bool]string{true: "stalled", false: "not-stalled"}[stalled], func(t *testing.T) {
			srv, ctx, procs := twoProcesses(t, 4)
			a, b := procs[0], procs[1]
			arriveFrom(ctx, t, map[int]*Barrier{1: a, 2: a, 3: b, 4: b}, ArriveOptions{Timeout: time.Minute})
			bPhases, ok := b.phases().(*redisPhases)
			require.True(t, ok)
			kill(t, b)
			aPhases, ok := a.phases().(*redisPhases)
			require.True(t, ok)

			rdb := srv.Client(t)
			now := redisNowMs(ctx, t, srv)
			swept := now - 200 // a sweep a tick ago
			if stalled {
				swept = now - 10_000 // no sweep for 10 s
			}
			// Both at once, so that the session's own tick sees either the state before or this one.
			_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, aPhases.keys.hash, "swept", swept)
				p.ZAdd(ctx, aPhases.keys.instances, redis.Z{Score: float64(now - 1000), Member: bPhases.instance})
				return nil
			})
			require.NoError(t, err)
			_, _, err = aPhases.lease(ctx, false) // or the session's tick did it first: the state tells
			require.NoError(t, err)
			gone := func() int64 { return rdb.SCard(ctx, aPhases.keys.left).Val() }
			if !stalled {
				assert.EqualValues(t, 2, gone(), "a lease ended while the sweeps went on: its participants leave")
				return
			}
			assert.Zero(t, gone(), "after a stall no instance is taken for dead")
			score, err := rdb.ZScore(ctx, aPhases.keys.instances, bPhases.instance).Result()
			require.NoError(t, err)
			assert.Greater(t, int64(score), redisNowMs(ctx, t, srv)+leaseTTL.Milliseconds()/2,
				"the other instance has a new lease from the sweep after the stall")
			require.Eventually(t, func() bool { return gone() == 2 }, 3*leaseTTL, 100*time.Millisecond,
				"the instance really gone leaves a lease later")
		})
	}
}

// redisNowMs is the Redis server's clock, in milliseconds (leases are in Redis time).
func redisNowMs(ctx context.Context, t *testing.T, srv *redistest.Server) int64 {
	t.Helper()
	now, err := srv.Client(t).Time(ctx).Result()
	require.NoError(t, err)
	return now.UnixMilli()
}

// TestLeaseOutlivesIdleSession: a participant that arrived and then works for longer than the
// session stays open without waiters (its subscription closed, as after hubLinger) keeps its
// place: its process still renews its lease, so another instance's next phase waits for it rather
// than releasing without it once leaseTTL passed.
func TestLeaseOutlivesIdleSession(t *testing.T) {
	_, ctx, procs := twoProcesses(t, 2)
	o := ArriveOptions{Timeout: time.Minute}
	a, b := startArrive(t, ctx, procs[0], 1, o), startArrive(t, ctx, procs[1], 2, o)
	for _, ch := range []<-chan arriveOut{a, b} {
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

	b = startArrive(t, ctx, procs[1], 2, o)
	work := leaseTTL + 2*leaseRenewEvery
	select {
	case got := <-b:
		t.Fatalf("phase 1 settled without participant 1, which still runs: %+v %v", got.r, got.err)
	case <-time.After(work):
	}
	a = startArrive(t, ctx, procs[0], 1, o)
	for id, ch := range map[int]<-chan arriveOut{1: a, 2: b} {
		got := <-ch
		require.NoError(t, got.err, "participant %d", id)
		assert.Equal(t, OutcomeReleased, got.r.Outcome, "participant %d", id)
		assert.EqualValues(t, 1, got.r.Phase, "participant %d", id)
		assert.Equal(t, 0, got.r.Left, "participant %d: nobody left", id)
	}
}

// twoProcesses gives two Barriers of one rendezvous of parties as two k6 processes hold them: each
// with a client (and so a session and a lease) of its own, on a Redis of the test's own.
func twoProcesses(t *testing.T, parties int) (*redistest.Server, context.Context, [2]*Barrier) {
	t.Helper()
	srv := redistest.NeedServer(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	var procs [2]*Barrier
	for i := range procs {
		b, err := NewWithClient(Options{Parties: parties, RunID: run}, srv.Client(t))
		require.NoError(t, err)
		procs[i] = b
	}
	return srv, testCtx(t), procs
}

// arriveFrom makes every participant of ids arrive from its process, all at once, and returns
// their results.
func arriveFrom(ctx context.Context, t *testing.T, ids map[int]*Barrier, o ArriveOptions) map[int]PhaseResult {
	t.Helper()
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

// kill ends a process as SIGKILL would for the barrier: its client closed, it renews nothing any more.
func kill(t *testing.T, b *Barrier) {
	t.Helper()
	be, ok := b.be.(*redisBackend)
	require.True(t, ok)
	require.NoError(t, be.client.Close())
}
