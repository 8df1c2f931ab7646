package barrier

import (
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestRendezvousTwoInstances: two k6-like instances (two Barrier values, each on a client of its
// own, so each with its own hub and subscription) share one Redis rendezvous, phase after phase.
func TestRendezvousTwoInstances(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	opts := Options{Parties: 20, RunID: run}
	a, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	b, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	require.NotSame(t, a.phases(), b.phases(), "one hub per instance")
	for phase := int64(0); phase < 3; phase++ {
		type out struct {
			r   PhaseResult
			err error
		}
		ch := make(chan out, 20)
		for id := 1; id <= 20; id++ {
			inst := a
			if id > 10 {
				inst = b
			}
			go func() {
				r, err := inst.Arrive(testCtx(t), strconv.Itoa(id), ArriveOptions{})
				ch <- out{r, err}
			}()
		}
		var at time.Time
		for i := 0; i < 20; i++ {
			o := <-ch
			require.NoError(t, o.err)
			assert.Equal(t, phase, o.r.Phase)
			if at.IsZero() {
				at = o.r.ReleasedAt
			}
			assert.Equal(t, at, o.r.ReleasedAt, "one release for both instances")
		}
	}
}

// TestRendezvousSurvivesConnectionKill kills every connection while one instance's waiters wait:
// its hub resubscribes, re-reads, and the phase completed by the other instance releases them.
func TestRendezvousSurvivesConnectionKill(t *testing.T) {
	srv := redistest.NeedServer(t)
	admin := srv.Client(t)
	opts := Options{Parties: 10, RunID: redistest.Prefix(t)}
	a, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	channel := newPhaseKeys(newKeyLayout(opts.WithDefaults())).channel
	waiters := make([]<-chan arriveOut, 0, 5)
	for id := 1; id <= 5; id++ {
		waiters = append(waiters, startArrive(t, testCtx(t), a, id, ArriveOptions{}))
	}
	awaitArrived(t, a, 5)
	require.Equal(t, int64(1), numSub(t, admin, channel), "the 5 waiters of one process share one subscription")

	killed, err := admin.ClientKillByFilter(testCtx(t), "TYPE", "pubsub").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, killed)
	_, err = admin.ClientKillByFilter(testCtx(t), "TYPE", "normal", "SKIPME", "yes").Result()
	require.NoError(t, err)

	b, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	_, errs := arriveAll(t, b, ArriveOptions{}, 6, 7, 8, 9, 10)
	require.NoError(t, errs[10])
	for _, w := range waiters {
		out := <-w
		require.NoError(t, out.err)
		assert.EqualValues(t, 0, out.r.Phase)
	}
}

// arriveUnheard arrives as id straight through the arrive script, publishing the phase it
// releases on a channel nobody listens to, and requires that it released the phase: the barrier's
// waiters learn of it only by re-reading.
func arriveUnheard(t *testing.T, rdb redis.UniversalClient, opts Options, id string) {
	t.Helper()
	layout := newKeyLayout(opts.WithDefaults())
	keys := newPhaseKeys(layout)
	head := phaseArgs{Parties: opts.Parties, TTLms: int64(time.Hour / time.Millisecond), Channel: keys.channel + "-nowhere",
		Chunk: missingChunk, MaxMissing: MaxMissing, LogKeep: phaseLogSize}
	rule, err := ArriveOptions{}.resolve(opts.WithDefaults())
	require.NoError(t, err)
	own := phaseArriveArgs{TimeoutUs: rule.timeoutUs, OnTimeout: string(rule.onTimeout), NewEpoch: "other",
		Rule: rule.fixed(), Arrivals: []arriveReq{{id: id}}}
	res, err := phaseArriveScript.run(testCtx(t), rdb, layout, keys.arriveKeys(), head.argv(own.argv()...)...).Slice()
	require.NoError(t, err)
	require.Equal(t, "ok", res[0])
	require.Len(t, res, 3)
	require.Equal(t, "released", res[2].([]any)[0])
}

// TestRendezvousLostReleaseMessage settles a phase whose release message goes nowhere: the hub's
// fallback re-read releases the waiter.
func TestRendezvousLostReleaseMessage(t *testing.T) {
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
	out := <-w
	require.NoError(t, out.err)
	assert.Equal(t, OutcomeReleased, out.r.Outcome)
	assert.Equal(t, 2, out.r.Arrived)
}

// TestRendezvousRedisStallBounded stalls Redis while a phase waits: at the phase's deadline the
// expiry cannot reach Redis, and the waiter still settles within its timeout plus settleGrace, as
// a timeout that says the outcome could not be read.
func TestRendezvousRedisStallBounded(t *testing.T) {
	srv := debugServer(t)
	b := stallBarrier(t, "redis://"+srv.Addr)
	const timeout = 1500 * time.Millisecond
	start := time.Now()
	w := startArrive(t, testCtx(t), b, 1, ArriveOptions{Timeout: timeout})
	awaitArrived(t, b, 1)
	sleepRedis(t, srv, 6*time.Second)
	out := <-w
	elapsed := time.Since(start)
	pe := phaseErr(t, out.err)
	assert.Equal(t, OutcomeTimeout, pe.Result.Outcome)
	assert.NotEmpty(t, pe.Result.ReadError)
	assert.Less(t, elapsed, timeout+stallMargin, "settled %s after a %s timeout", elapsed, timeout)
	assert.Contains(t, out.err.Error(), "phase 0 timeout after")
	assert.Contains(t, out.err.Error(), "the phase's outcome could not be read: redis "+srv.Addr)
	t.Log(out.err)
}

// TestRendezvousRedisUnreachable: an arrive on a closed port fails promptly with the address and
// without the password, as a plain error (not an outcome).
func TestRendezvousRedisUnreachable(t *testing.T) {
	t.Parallel() // waits out real timeouts on a server of its own: overlaps with the others that do
	addr := redistest.ClosedPort(t)
	b, err := New(Options{Parties: 2, RunID: redistest.Prefix(t), Redis: "redis://k6:hunter2@127.0.0.1:" + addr})
	require.NoError(t, err)
	start := time.Now()
	_, err = b.Arrive(testCtx(t), "1", ArriveOptions{Timeout: 5 * time.Second})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second+stallMargin)
	assert.Contains(t, err.Error(), "barrier default: arrive 1: redis 127.0.0.1:"+addr)
	assert.NotContains(t, err.Error(), "hunter2")
	var pe *PhaseError
	assert.NotErrorAs(t, err, &pe)
	_, err = b.Leave(testCtx(t), "1")
	assert.ErrorContains(t, err, "barrier default: leave 1: redis 127.0.0.1:"+addr)
}
