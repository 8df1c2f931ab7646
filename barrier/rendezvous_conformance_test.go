package barrier

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRendezvousConformance runs the rendezvous's semantic tests on every backend: in-process, the
// test Redis and the embedded server.
func TestRendezvousConformance(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			for _, tt := range rendezvousTests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, be.new) })
			}
		})
	}
	t.Run("embedded", func(t *testing.T) {
		mr := miniredis.RunT(t)
		newBarrier := func(t *testing.T, o Options) *Barrier {
			o.RunID = t.Name()
			o.Redis = "redis://" + mr.Addr()
			b, err := New(o)
			require.NoError(t, err)
			return b
		}
		for _, tt := range rendezvousTests {
			t.Run(tt.name, func(t *testing.T) { tt.run(t, newBarrier) })
		}
	})
}

//nolint:gochecknoglobals // the table of tests every backend runs
var rendezvousTests = []struct {
	name string
	run  func(t *testing.T, newBarrier newFunc)
}{
	{"all parties are released together, phase after phase", testArriveCycles},
	{"arriving twice in a phase names participant and phase", testArriveTwice},
	{"quorum as a count", testArriveQuorum},
	{"quorum as a percentage", testArriveQuorumPercent},
	{"timeout rejects with who is missing, next phase clean", testArriveTimeout},
	{"timeout release policy releases those that arrived", testArriveTimeoutRelease},
	{"fail breaks the phase for every waiter", testArriveFail},
	{"fail of a one-shot barrier leaves phases alone", testFailOneShot},
	{"leave: later phases need one fewer", testArriveLeave},
	{"leave withdraws an arrival", testLeaveWithdraws},
	{"an aborted arrival leaves", testArriveAborted},
	{"reset ends the waiters", testArriveReset},
	{"100 waiters over 5 phases", testArriveMany},
	{"bad arrive options are rejected", testArriveBadOptions},
	{"a timeout longer than the ttl is refused", testArriveTimeoutOverTTL},
	{"a quorum below all names who is missing", testArriveQuorumMissing},
	{"the first arrival fixes the rule: another is refused, naming both", testArriveRuleFixed},
	{"a phase's deadline is its current first arrival's", testArriveStaleDeadline},
}

// testArriveRuleFixed: one name, two rules (two scenarios, two instances configured differently):
// the arrival with the other rule is refused, naming both, and nothing of it counts.
func testArriveRuleFixed(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 10})
	w := startArrive(t, testCtx(t), b, 1, ArriveOptions{Timeout: 2 * time.Second})
	awaitArrived(t, b, 1)
	o := b.Options()
	other := newBarrier(t, Options{Parties: 5, RunID: o.RunID, KeyPrefix: o.KeyPrefix})
	_, err := other.Arrive(testCtx(t), "2", ArriveOptions{Timeout: 2 * time.Second})
	var mismatch *RuleMismatchError
	require.ErrorAs(t, err, &mismatch)
	assert.Contains(t, err.Error(), "fixed by its first arrival as parties 10, quorum all, timeout 2s, onTimeout reject")
	assert.Contains(t, err.Error(), "this arrive() has parties 5, quorum all, timeout 2s, onTimeout reject")
	_, err = b.Arrive(testCtx(t), "3", ArriveOptions{Timeout: 2 * time.Second, Quorum: 5})
	require.ErrorAs(t, err, &mismatch)
	assert.Contains(t, err.Error(), "this arrive() has parties 10, quorum 5, timeout 2s")
	assert.Equal(t, 1, arrivedNow(t, b), "neither counted")
	pe := phaseErr(t, (<-w).err)
	assert.Equal(t, OutcomeTimeout, pe.Result.Outcome)
}

// testArriveStaleDeadline: the only arrival of a phase leaves (aborted) and another becomes the
// first: the phase's deadline is the new first arrival's, not the one that left (in-process, the
// old timer used to settle the phase early).
func testArriveStaleDeadline(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	o := ArriveOptions{Timeout: time.Second}
	ctx, cancel := context.WithCancel(testCtx(t))
	w := startArrive(t, ctx, b, 1, o)
	awaitArrived(t, b, 1)
	time.Sleep(400 * time.Millisecond)
	cancel()
	require.Error(t, (<-w).err, "aborted: participant 1 left")
	start := time.Now()
	_, err := b.Arrive(testCtx(t), "2", o)
	pe := phaseErr(t, err)
	assert.Equal(t, OutcomeTimeout, pe.Result.Outcome)
	assert.GreaterOrEqual(t, time.Since(start), o.Timeout, "settled by its own first arrival's deadline")
}

// testArriveTimeoutOverTTL: a phase's keys must outlive its timeout, on every backend alike.
func testArriveTimeoutOverTTL(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2, TTL: 2 * time.Second})
	_, err := b.Arrive(testCtx(t), "1", ArriveOptions{Timeout: 5 * time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "arrive option timeout 5s is longer than the barrier's ttl 2s")
	assert.Equal(t, 0, arrivedNow(t, b), "refused before any arrival")
}

// testArriveQuorumMissing: a phase released by a quorum below all parties says who did not
// arrive, consistently with missingCount.
func testArriveQuorumMissing(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	res, errs := arriveAll(t, b, ArriveOptions{Quorum: 2}, 1, 2)
	for id, r := range res {
		require.NoError(t, errs[id])
		assert.Equal(t, OutcomeReleased, r.Outcome)
		assert.Equal(t, 1, r.MissingCount)
		assert.Equal(t, []int{3}, r.Missing)
	}
}

// arriveAll runs Arrive for ids concurrently and returns the results and errors by id.
func arriveAll(t *testing.T, b *Barrier, o ArriveOptions, ids ...int) (map[int]PhaseResult, map[int]error) {
	t.Helper()
	var mu sync.Mutex
	res, errs := map[int]PhaseResult{}, map[int]error{}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := b.Arrive(testCtx(t), strconv.Itoa(id), o)
			mu.Lock()
			res[id], errs[id] = r, err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res, errs
}

// startArrive runs one Arrive in the background.
func startArrive(t *testing.T, ctx context.Context, b *Barrier, id int, o ArriveOptions) <-chan arriveOut {
	ch := make(chan arriveOut, 1)
	go func() {
		r, err := b.Arrive(ctx, strconv.Itoa(id), o)
		ch <- arriveOut{r, err}
	}()
	return ch
}

type arriveOut struct {
	r   PhaseResult
	err error
}

// phaseErr asserts err is a *PhaseError and returns it.
func phaseErr(t *testing.T, err error) *PhaseError {
	t.Helper()
	var pe *PhaseError
	require.ErrorAs(t, err, &pe)
	return pe
}

// awaitArrived waits until n participants arrived at the current phase (it reads the backend's
// count: an arrival as a probe would change what it reads).
func awaitArrived(t *testing.T, b *Barrier, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return arrivedNow(t, b) == n }, 30*time.Second, 2*time.Millisecond, "never %d arrived", n)
}

// arrivedNow reads how many arrived at the current phase.
func arrivedNow(t *testing.T, b *Barrier) int {
	n, err := b.Arrived(testCtx(t))
	require.NoError(t, err)
	return n
}

func testArriveCycles(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 5})
	for phase := int64(0); phase < 3; phase++ {
		res, errs := arriveAll(t, b, ArriveOptions{Timeout: time.Minute}, 1, 2, 3, 4, 5)
		var at time.Time
		for id := 1; id <= 5; id++ {
			require.NoError(t, errs[id], "phase %d id %d", phase, id)
			r := res[id]
			assert.Equal(t, OutcomeReleased, r.Outcome)
			assert.Equal(t, phase, r.Phase)
			assert.Equal(t, 5, r.Arrived)
			assert.Equal(t, 5, r.Parties)
			assert.Equal(t, 5, r.Quorum)
			assert.Positive(t, r.Waited)
			if at.IsZero() {
				at = r.ReleasedAt
			}
			assert.Equal(t, at, r.ReleasedAt, "one release instant for the whole phase")
		}
		assert.Contains(t, res[1].String(), "phase "+strconv.FormatInt(phase, 10)+" released after ")
		assert.Contains(t, res[1].String(), "arrived 5/5, left 0")
	}
}

func testArriveTwice(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	first := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
	awaitArrived(t, b, 1)
	_, err := b.Arrive(testCtx(t), "1", ArriveOptions{})
	var twice *ArrivedTwiceError
	require.ErrorAs(t, err, &twice)
	assert.Equal(t, "barrier "+b.Options().Name+": arrive: participant 1 already arrived at phase 0: each participant arrives once per phase "+
		"(give each VU its own id, and arrive again only after this phase's arrive() settled)", err.Error())
	_, err = b.Arrive(testCtx(t), "2", ArriveOptions{})
	require.NoError(t, err)
	out := <-first
	require.NoError(t, out.err)
	// Released, participant 1 may arrive at the next phase.
	next := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
	awaitArrived(t, b, 1)
	r, err := b.Arrive(testCtx(t), "2", ArriveOptions{})
	require.NoError(t, err)
	assert.EqualValues(t, 1, r.Phase)
	require.NoError(t, (<-next).err)
}

func testArriveQuorum(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 4})
	o := ArriveOptions{Quorum: 2}
	res, errs := arriveAll(t, b, o, 1, 2)
	for _, id := range []int{1, 2} {
		require.NoError(t, errs[id])
		assert.Equal(t, 2, res[id].Quorum)
		assert.Equal(t, 4, res[id].Parties)
		assert.EqualValues(t, 0, res[id].Phase)
	}
	assert.Contains(t, res[1].String(), "arrived 2/4 (quorum 2)")
	// The late ones arrive at the next phase.
	res, errs = arriveAll(t, b, o, 3, 4)
	require.NoError(t, errs[3])
	assert.EqualValues(t, 1, res[3].Phase)
}

func testArriveQuorumPercent(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 10})
	res, errs := arriveAll(t, b, ArriveOptions{QuorumPercent: 75}, 1, 2, 3, 4, 5, 6, 7, 8) // ceil(7.5) = 8
	for id := 1; id <= 8; id++ {
		require.NoError(t, errs[id])
	}
	assert.Equal(t, 8, res[1].Quorum)
	assert.Equal(t, 8, res[1].Arrived)
}

func testArriveTimeout(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	start := time.Now()
	_, err := b.Arrive(testCtx(t), "2", ArriveOptions{Timeout: 200 * time.Millisecond})
	pe := phaseErr(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	r := pe.Result
	assert.Equal(t, OutcomeTimeout, r.Outcome)
	assert.EqualValues(t, 0, r.Phase)
	assert.Equal(t, 1, r.Arrived)
	assert.Equal(t, 2, r.MissingCount)
	assert.Equal(t, []int{1, 3}, r.Missing)
	assert.Regexp(t, `^barrier \S+: phase 0 timeout after \d+ms: arrived 1/3, left 0, missing 2 \(1, 3\)$`, err.Error())
	// The next phase starts clean (under the same rule: the first arrival fixed it).
	res, errs := arriveAll(t, b, ArriveOptions{Timeout: 200 * time.Millisecond}, 1, 2, 3)
	require.NoError(t, errs[2])
	assert.EqualValues(t, 1, res[2].Phase)
	assert.Equal(t, 3, res[2].Arrived)
}

func testArriveTimeoutRelease(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 4})
	res, errs := arriveAll(t, b, ArriveOptions{Timeout: 200 * time.Millisecond, OnTimeout: TimeoutRelease}, 1, 3)
	for _, id := range []int{1, 3} {
		require.NoError(t, errs[id])
		assert.Equal(t, OutcomeReleasedOnTimeout, res[id].Outcome)
		assert.Equal(t, 2, res[id].Arrived)
		assert.Equal(t, []int{2, 4}, res[id].Missing)
	}
	assert.Equal(t, res[1].ReleasedAt, res[3].ReleasedAt)
}

func testArriveFail(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 4})
	_, errs := arriveAll(t, b, ArriveOptions{}, 1, 2, 3, 4) // phase 0
	require.NoError(t, errs[1])
	w1 := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
	w2 := startArrive(t, testCtx(t), b, 2, ArriveOptions{})
	awaitArrived(t, b, 2)
	_, err := b.Fail(testCtx(t), "3", "login") // 3 is heading to phase 1: it breaks
	require.NoError(t, err)
	for _, w := range []<-chan arriveOut{w1, w2} {
		out := <-w
		pe := phaseErr(t, out.err)
		r := pe.Result
		assert.Equal(t, OutcomeFailed, r.Outcome)
		assert.EqualValues(t, 1, r.Phase)
		assert.Equal(t, "login", r.Reason)
		assert.Equal(t, "3", r.FailedBy)
		assert.Equal(t, []int{4}, r.Missing)
		assert.Equal(t, 1, r.MissingCount)
		assert.Regexp(t, `^barrier \S+: phase 1 failed after \S+ \(login, by participant 3\): arrived 2/4, left 0, missing 1 \(4\)$`, out.err.Error())
	}
	// The one-shot accounting has the failure too, as always.
	assert.Equal(t, map[string]int{"login": 1}, status(t, b).Failures)
	// Participant 4 was heading to phase 1 too, which is over: its failure breaks nothing.
	_, err = b.Fail(testCtx(t), "4", "login")
	require.NoError(t, err)
	// The next phase starts clean.
	res, errs := arriveAll(t, b, ArriveOptions{}, 1, 2, 3, 4)
	require.NoError(t, errs[1])
	assert.EqualValues(t, 2, res[1].Phase)
	assert.Equal(t, OutcomeReleased, res[1].Outcome)
}

func testFailOneShot(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	fail(t, b, "login", 1)
	join(t, b, 2)
	s := status(t, b)
	assert.Equal(t, OutcomeFailed, s.Outcome)
	// Never arrived at: no phase was broken, the first phase is still 0.
	res, errs := arriveAll(t, b, ArriveOptions{}, 1, 2)
	require.NoError(t, errs[1])
	assert.EqualValues(t, 0, res[1].Phase)
}

func testArriveLeave(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	w1 := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
	w2 := startArrive(t, testCtx(t), b, 2, ArriveOptions{})
	awaitArrived(t, b, 2)
	rec, err := b.Leave(testCtx(t), "3")
	require.NoError(t, err)
	assert.Equal(t, LeaveRecord{Counted: true, Phase: 0}, rec)
	for _, w := range []<-chan arriveOut{w1, w2} {
		out := <-w
		require.NoError(t, out.err)
		assert.Equal(t, 2, out.r.Parties)
		assert.Equal(t, 1, out.r.Left)
	}
	again, err := b.Leave(testCtx(t), "3")
	require.NoError(t, err)
	assert.False(t, again.Counted, "left twice counts once")
	// Later phases need one fewer.
	res, errs := arriveAll(t, b, ArriveOptions{}, 1, 2)
	require.NoError(t, errs[1])
	assert.EqualValues(t, 1, res[1].Phase)
	assert.Equal(t, "barrier "+b.Options().Name+": phase 1 released after "+roundDuration(res[1].Waited).String()+": arrived 2/2, left 1", res[1].String())
	// Arriving again takes part again: phase 2 needs all three.
	w3 := startArrive(t, testCtx(t), b, 3, ArriveOptions{})
	awaitArrived(t, b, 1)
	res, errs = arriveAll(t, b, ArriveOptions{}, 1, 2)
	require.NoError(t, errs[1])
	assert.Equal(t, 3, res[1].Parties)
	assert.Equal(t, 3, res[1].Arrived)
	require.NoError(t, (<-w3).err)
}

func testLeaveWithdraws(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	w1 := startArrive(t, ctx, b, 1, ArriveOptions{})
	awaitArrived(t, b, 1)
	rec, err := b.Leave(testCtx(t), "1")
	require.NoError(t, err)
	assert.Equal(t, LeaveRecord{Counted: true, Phase: 0, Withdrawn: true}, rec)
	// 1's arrival no longer counts: 2 and 3 are both needed.
	w2 := startArrive(t, testCtx(t), b, 2, ArriveOptions{})
	awaitArrived(t, b, 1)
	res, err := b.Arrive(testCtx(t), "3", ArriveOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Arrived)
	assert.Equal(t, 2, res.Parties)
	require.NoError(t, (<-w2).err)
	out := <-w1 // its phase was released: the withdrawn waiter learns it too
	require.NoError(t, out.err)
}

func testArriveAborted(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	ctx, cancel := context.WithCancel(testCtx(t))
	w1 := startArrive(t, ctx, b, 1, ArriveOptions{})
	w2 := startArrive(t, testCtx(t), b, 2, ArriveOptions{})
	awaitArrived(t, b, 2)
	cancel()
	out := <-w1
	pe := phaseErr(t, out.err)
	assert.Equal(t, OutcomeAborted, pe.Result.Outcome)
	assert.True(t, errors.Is(out.err, context.Canceled))
	assert.Contains(t, out.err.Error(), "phase 0 aborted after")
	// The stopped participant left: 2 and 3 are enough for this phase and the next.
	r, err := b.Arrive(testCtx(t), "3", ArriveOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, r.Parties)
	require.NoError(t, (<-w2).err)
}

func testArriveReset(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	w := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
	awaitArrived(t, b, 1)
	require.NoError(t, b.Reset(testCtx(t)))
	out := <-w
	require.Error(t, out.err)
	assert.Contains(t, out.err.Error(), "the barrier was reset while this arrival waited")
	res, errs := arriveAll(t, b, ArriveOptions{}, 1, 2)
	require.NoError(t, errs[1])
	assert.EqualValues(t, 0, res[1].Phase, "reset starts from phase 0")
}

func testArriveMany(t *testing.T, newBarrier newFunc) {
	const n = 100
	b := newBarrier(t, Options{Parties: n})
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	for phase := int64(0); phase < 5; phase++ {
		res, errs := arriveAll(t, b, ArriveOptions{}, ids...)
		for _, id := range ids {
			require.NoError(t, errs[id])
			require.Equal(t, phase, res[id].Phase)
		}
	}
}

func testArriveBadOptions(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	tests := []struct {
		o    ArriveOptions
		want string
	}{
		{ArriveOptions{Timeout: -time.Second}, "arrive option timeout must be at least 1ms and at most 7d, got -1s"},
		{ArriveOptions{Timeout: 8 * 24 * time.Hour}, "arrive option timeout must be at least 1ms and at most 7d"},
		{ArriveOptions{Quorum: 4}, "arrive option quorum must be at least 1 and at most 3, got 4 (at most parties)"},
		{ArriveOptions{QuorumPercent: 120}, "more than 0% and at most 100%, got 120%"},
		{ArriveOptions{Quorum: 2, QuorumPercent: 50}, "either a count or a percentage, not both"},
		{ArriveOptions{OnTimeout: "ignore"}, `onTimeout must be 'reject' or 'release', got "ignore"`},
	}
	for _, tc := range tests {
		_, err := b.Arrive(testCtx(t), "1", tc.o)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, err := b.Arrive(testCtx(t), "", ArriveOptions{})
	assert.ErrorContains(t, err, "invalid participant id")
}
