package barrier

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// lostWithin is how soon a waiter learns that its state was lost: one fallback tick, a reconnect,
// and scheduling on a loaded machine.
const lostWithin = FallbackInterval + 1500*time.Millisecond

// assertLost checks that err is an arrival failed because its rendezvous state was lost.
func assertLost(t *testing.T, err error, why string) {
	t.Helper()
	pe := phaseErr(t, err)
	assert.Equal(t, OutcomeFailed, pe.Result.Outcome)
	assert.Contains(t, pe.Result.Lost, "was lost: "+why)
	assert.Contains(t, err.Error(), "Redis restarted without persistence, or a reset() or a DEL removed them")
	var lost *LostStateError
	assert.True(t, errors.As(err, &lost) || pe.Result.Lost != "", "names what was lost")
	t.Log(err)
}

// TestRendezvousTTLShorterThanGap: the phase keys expire between two steps (ttl 1s, gap 1.5s). The
// arrivals of the next step must not be answered from the process's memory of phase 0: they fail
// at once, saying the state was lost and why.
func TestRendezvousTTLShorterThanGap(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	b, err := New(Options{Parties: 3, RunID: run, Redis: srv.URL, TTL: time.Second})
	require.NoError(t, err)
	o := ArriveOptions{Timeout: time.Second}
	res, errs := arriveAll(t, b, o, 1, 2, 3)
	for id := range res {
		require.NoError(t, errs[id])
	}
	time.Sleep(1500 * time.Millisecond) // the keys expire
	start := time.Now()
	res, errs = arriveAll(t, b, o, 2, 3)
	for id := range res {
		require.Error(t, errs[id], "participant %d: released %v from a state that is gone", id, res[id])
		assertLost(t, errs[id], "it no longer exists")
		assert.Contains(t, errs[id].Error(), "is the barrier's ttl of 1s shorter than the gap between two arrive() calls?")
	}
	assert.Less(t, time.Since(start), time.Second, "said at once")
}

// TestRendezvousRestartBetweenPhases: Redis restarts without persistence between two phases; the
// next arrival fails as lost, it is not counted in a new phase 0 nor released from memory.
func TestRendezvousRestartBetweenPhases(t *testing.T) {
	srv := redistest.NeedServer(t)
	b, err := New(Options{Parties: 2, RunID: redistest.Prefix(t), Redis: srv.URL})
	require.NoError(t, err)
	res, errs := arriveAll(t, b, ArriveOptions{Timeout: 10 * time.Second}, 1, 2)
	for id := range res {
		require.NoError(t, errs[id])
	}
	restartWithoutPersistence(t, srv)
	_, err = b.Arrive(testCtx(t), "1", ArriveOptions{Timeout: 10 * time.Second})
	assertLost(t, err, "it no longer exists")
}

// TestRendezvousRestartMidPhase: Redis restarts without persistence while a phase waits (timeout
// 30s): the waiter fails as lost within about a second, not at its timeout with a false message.
func TestRendezvousRestartMidPhase(t *testing.T) {
	srv := redistest.NeedServer(t)
	b, err := New(Options{Parties: 2, RunID: redistest.Prefix(t), Redis: srv.URL})
	require.NoError(t, err)
	w := startArrive(t, testCtx(t), b, 1, ArriveOptions{Timeout: 30 * time.Second})
	awaitArrived(t, b, 1)
	restartWithoutPersistence(t, srv)
	start := time.Now()
	out := <-w
	elapsed := time.Since(start)
	assertLost(t, out.err, "it no longer exists")
	assert.Less(t, elapsed, lostWithin, "detected %s after the restart", elapsed)
	t.Logf("lost detected %s after the restart", elapsed)
}

// TestRendezvousNoGhostArrival stalls Redis (DEBUG SLEEP 3s) while an arrival is in flight: the
// client gives it up (no answer within its timeout plus settleGrace), and when Redis wakes up it
// is not counted; both participants then meet at the next phase.
func TestRendezvousNoGhostArrival(t *testing.T) {
	srv := debugServer(t)
	b := stallBarrier(t, srv.URL)
	ctx := testCtx(t)
	res, errs := arriveAll(t, b, ArriveOptions{Timeout: 10 * time.Second}, 1, 2) // subscribed, clock read
	for id := range res {
		require.NoError(t, errs[id])
	}
	sleepRedis(t, srv, 3*time.Second)
	_, err := b.Arrive(ctx, "1", ArriveOptions{Timeout: 500 * time.Millisecond})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no answer within")
	// Redis wakes up and runs the arrival it had queued: past its deadline, it must not count.
	require.Eventually(t, func() bool {
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := b.Arrived(cctx)
		return err == nil
	}, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, 0, arrivedNow(t, b), "the arrival given up at the client was counted when Redis woke up")
	res, errs = arriveAll(t, b, ArriveOptions{Timeout: 10 * time.Second}, 1, 2)
	for id, r := range res {
		require.NoError(t, errs[id])
		assert.EqualValues(t, 1, r.Phase, "participant %d", id)
		assert.Equal(t, 2, r.Arrived)
	}
}

// TestRendezvousNoGhostAfterReadTimeout stalls Redis (DEBUG SLEEP 8s) longer than the client's read
// timeout while an arrival of timeout 5s is in flight: the client keeps the call until its own
// deadline (a retry replays, never doubles), is told it failed, and Redis, waking, refuses it.
func TestRendezvousNoGhostAfterReadTimeout(t *testing.T) {
	srv := debugServer(t)
	b := stallBarrier(t, srv.URL)
	ctx := testCtx(t)
	res, errs := arriveAll(t, b, ArriveOptions{Timeout: 5 * time.Second}, 1, 2)
	for id := range res {
		require.NoError(t, errs[id])
	}
	sleepRedis(t, srv, 8*time.Second)
	start := time.Now()
	_, err := b.Arrive(ctx, "2", ArriveOptions{Timeout: 5 * time.Second})
	require.Error(t, err)
	t.Logf("failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	assert.GreaterOrEqual(t, time.Since(start), 5*time.Second, "not given up before its deadline")
	require.Eventually(t, func() bool {
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := b.Arrived(cctx)
		return err == nil
	}, 15*time.Second, 50*time.Millisecond)
	assert.Equal(t, 0, arrivedNow(t, b), "the arrival its caller was told failed was counted when Redis woke up")
	res, errs = arriveAll(t, b, ArriveOptions{Timeout: 5 * time.Second}, 1, 2)
	for id, r := range res {
		require.NoError(t, errs[id])
		assert.EqualValues(t, 1, r.Phase, "participant %d: they meet again at the next phase", id)
	}
}

// TestRendezvousConcurrentArrivalsOfOneID: a second arrive() of an id whose first has not settled
// at the client is refused, as in-process, even when Redis already released the first's phase
// (its release message lost: the first learns it at the next tick). Before, Redis counted the
// second at the next phase.
func TestRendezvousConcurrentArrivalsOfOneID(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	rdb := srv.Client(t)
	opts := Options{Parties: 2, RunID: run}
	b, err := NewWithClient(opts, rdb)
	require.NoError(t, err)
	w := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
	awaitArrived(t, b, 1)
	arriveUnheard(t, rdb, opts, "2")
	_, err = b.Arrive(testCtx(t), "1", ArriveOptions{})
	var twice *ArrivedTwiceError
	require.ErrorAs(t, err, &twice)
	assert.Equal(t, "barrier default: arrive: participant 1 already arrived at phase 0: each participant arrives once per phase "+
		"(give each VU its own id, and arrive again only after this phase's arrive() settled)", err.Error())
	require.NoError(t, (<-w).err)
	assert.Equal(t, 0, arrivedNow(t, b), "the second arrival was counted at phase 1")
}

// TestRendezvousLostTwoInstances: two k6 processes (two clients, two hubs) took part in phase 0;
// an operator deletes the phase keys (DEL) between two steps. The next arrival of each process
// fails as lost: neither answers from its memory, nor do they start a new phase 0 that the other
// would join as if nothing happened.
func TestRendezvousLostTwoInstances(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	opts := Options{Parties: 2, RunID: run}
	rdb := srv.Client(t)
	a, err := NewWithClient(opts, rdb)
	require.NoError(t, err)
	b, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	wa := startArrive(t, testCtx(t), a, 1, ArriveOptions{})
	_, err = b.Arrive(testCtx(t), "2", ArriveOptions{})
	require.NoError(t, err)
	require.NoError(t, (<-wa).err)
	keys := newPhaseKeys(newKeyLayout(opts.WithDefaults()))
	require.NoError(t, rdb.Del(testCtx(t), keys.list()...).Err())
	wa = startArrive(t, testCtx(t), a, 1, ArriveOptions{Timeout: 10 * time.Second})
	_, errB := b.Arrive(testCtx(t), "2", ArriveOptions{Timeout: 10 * time.Second})
	outA := <-wa
	// The first to arrive finds no state; the other then finds one it did not take part in.
	for _, err := range []error{outA.err, errB} {
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the rendezvous state in redis "+srv.Addr)
		assert.Contains(t, err.Error(), "was lost: it no longer exists")
	}
}

// TestRendezvousTwiceFromRedis: an id arriving twice at one phase from two processes (two clients,
// two hubs: no in-process guard between them) is refused by Redis itself, and the second process
// gets the same ArrivedTwiceError as in-process (a reply of three fields that was once taken for a
// malformed one, seen after a failover).
func TestRendezvousTwiceFromRedis(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	opts := Options{Parties: 2, RunID: run}
	first, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	second, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	w := startArrive(t, testCtx(t), first, 1, ArriveOptions{})
	awaitArrived(t, first, 1)
	_, err = second.Arrive(testCtx(t), "1", ArriveOptions{})
	var twice *ArrivedTwiceError
	require.ErrorAs(t, err, &twice)
	assert.EqualValues(t, 0, twice.Phase)
	_, err = second.Arrive(testCtx(t), "2", ArriveOptions{})
	require.NoError(t, err, "participant 2 releases phase 0")
	require.NoError(t, (<-w).err)
}
