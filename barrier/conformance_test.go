package barrier

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConformance runs the semantic tests of the barrier (the rules of the
// package doc, which README's k6/x/barrier section states for scripts)
// against every backend: they must behave alike.
func TestConformance(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			for _, tt := range conformanceTests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, be.new) })
			}
		})
	}
}

// conformanceTests are the semantic tests every backend must pass.
//
//nolint:gochecknoglobals // the table of tests every backend runs
var conformanceTests = []struct {
	name string
	run  func(t *testing.T, newBarrier newFunc)
}{
	{"join twice counts once", testJoinTwice},
	{"join then fail keeps the join", testJoinThenFail},
	{"fail then join keeps the failure", testFailThenJoin},
	{"status judges with the defaults", testStatus},
	{"wait meets when all joined", testWaitMet},
	{"wait is released by a later join", testWaitReleasedLater},
	{"wait after met resolves at once", testWaitAfterMet},
	{"failure beyond maxFailures fails fast", testFailFast},
	{"failures within maxFailures meet", testMaxFailures},
	{"quorum below parties meets", testQuorum},
	{"unreachable quorum fails fast", testQuorumUnreachable},
	{"timeout lists the missing ids", testTimeout},
	{"missing lists at most 20 ids", testMissingLimit},
	{"error message format", testErrorMessage},
	{"cancelled context aborts", testAborted},
	{"progress reports while waiting", testProgress},
	{"progress: one line per interval however many wait", testProgressOneLine},
	{"reset then rejoin", testResetRejoin},
	{"names are independent barriers", testNamesIndependent},
	{"100 goroutines with one id count once", testSameIDConcurrently},
	{"10000 distinct ids concurrently", testManyIDsConcurrently},
	{"bad input is rejected", testBadInput},
}

// testCtx bounds a test's waits so that a bug fails the test instead of
// hanging it. It is a safety net, never the thing asserted.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func join(t *testing.T, b *Barrier, ids ...int) {
	t.Helper()
	for _, id := range ids {
		rec, err := b.Join(testCtx(t), strconv.Itoa(id))
		require.NoError(t, err)
		require.True(t, rec.Counted, "join %d was not counted: %+v", id, rec)
	}
}

func fail(t *testing.T, b *Barrier, reason string, ids ...int) {
	t.Helper()
	for _, id := range ids {
		rec, err := b.Fail(testCtx(t), strconv.Itoa(id), reason)
		require.NoError(t, err)
		require.True(t, rec.Counted, "fail %d was not counted: %+v", id, rec)
	}
}

func status(t *testing.T, b *Barrier) Result {
	t.Helper()
	r, err := b.Status(testCtx(t))
	require.NoError(t, err)
	return r
}

// waitErr asserts that err is a *WaitError and returns it.
func waitErr(t *testing.T, err error) *WaitError {
	t.Helper()
	var we *WaitError
	require.ErrorAs(t, err, &we)
	return we
}

func testJoinTwice(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	ctx := testCtx(t)
	first, err := b.Join(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, Record{Counted: true}, first)
	second, err := b.Join(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, Record{Counted: false, Previous: "joined"}, second)
	s := status(t, b)
	assert.Equal(t, 1, s.Joined)
	assert.Equal(t, 1, s.Accounted)
}

func testJoinThenFail(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	join(t, b, 1)
	rec, err := b.Fail(testCtx(t), "1", "login")
	require.NoError(t, err)
	assert.Equal(t, Record{Counted: false, Previous: "joined"}, rec)
	s := status(t, b)
	assert.Equal(t, 1, s.Joined)
	assert.Equal(t, 0, s.Failed)
	assert.Empty(t, s.Failures)
}

func testFailThenJoin(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	fail(t, b, "login", 2)
	ctx := testCtx(t)
	rec, err := b.Join(ctx, "2")
	require.NoError(t, err)
	assert.Equal(t, Record{Counted: false, Previous: "failed:login"}, rec)
	rec, err = b.Fail(ctx, "2", "sse")
	require.NoError(t, err)
	assert.Equal(t, Record{Counted: false, Previous: "failed:login"}, rec)
	s := status(t, b)
	assert.Equal(t, 0, s.Joined)
	assert.Equal(t, 1, s.Failed)
	assert.Equal(t, map[string]int{"login": 1}, s.Failures)
}

func testStatus(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	s := status(t, b)
	assert.Equal(t, OutcomePending, s.Outcome)
	assert.Equal(t, []int{1, 2, 3}, s.Missing)
	assert.Zero(t, s.Waited)

	join(t, b, 1, 3)
	s = status(t, b)
	assert.Equal(t, OutcomePending, s.Outcome)
	assert.Equal(t, []int{2}, s.Missing)
	assert.Equal(t, 2, s.Joined)
	assert.Equal(t, 3, s.Parties)
	assert.Equal(t, 3, s.Quorum)

	fail(t, b, "sse", 2)
	s = status(t, b)
	assert.Equal(t, OutcomeFailed, s.Outcome)
	assert.Empty(t, s.Missing)
	assert.Equal(t, map[string]int{"sse": 1}, s.Failures)
}

func testWaitMet(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	join(t, b, 1, 2, 3)
	r, err := b.Wait(testCtx(t), WaitOptions{Timeout: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, r.Outcome)
	assert.Equal(t, 3, r.Joined)
	assert.Equal(t, 3, r.Accounted)
	assert.Empty(t, r.Missing)
	assert.Positive(t, r.Waited)
}

func testWaitReleasedLater(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 50})
	join(t, b, 1)
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(testCtx(t), WaitOptions{Timeout: time.Minute})
		done <- err
	}()
	for id := 2; id <= 50; id++ {
		_, err := b.Join(testCtx(t), strconv.Itoa(id))
		require.NoError(t, err)
	}
	require.NoError(t, <-done)
}

func testWaitAfterMet(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 1})
	join(t, b, 1)
	for i := 0; i < 2; i++ {
		r, err := b.Wait(testCtx(t), WaitOptions{})
		require.NoError(t, err)
		assert.Equal(t, OutcomeMet, r.Outcome)
	}
}

func testFailFast(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 5})
	join(t, b, 1)
	done := make(chan error, 1)
	go func() {
		// No timeout: only fail-fast can end this wait.
		_, err := b.Wait(testCtx(t), WaitOptions{})
		done <- err
	}()
	fail(t, b, "login", 2)
	we := waitErr(t, <-done)
	assert.Equal(t, OutcomeFailed, we.Result.Outcome)
	assert.Equal(t, 1, we.Result.Failed)
	assert.Equal(t, map[string]int{"login": 1}, we.Result.Failures)
	assert.Equal(t, []int{3, 4, 5}, we.Result.Missing)
	assert.Contains(t, we.Error(), "(1 failure > maxFailures 0)")
}

func testMaxFailures(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 5})
	join(t, b, 1, 2, 3)
	fail(t, b, "sse", 4)
	r, err := b.Wait(testCtx(t), WaitOptions{MaxFailures: 1, Quorum: 3})
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, r.Outcome)
	assert.Equal(t, 1, r.MaxFailures)

	fail(t, b, "sse", 5)
	_, err = b.Wait(testCtx(t), WaitOptions{MaxFailures: 1, Quorum: 3})
	assert.Equal(t, OutcomeFailed, waitErr(t, err).Result.Outcome)
}

func testQuorum(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 5})
	join(t, b, 2, 4)
	done := make(chan Result, 1)
	go func() {
		r, err := b.Wait(testCtx(t), WaitOptions{Quorum: 3})
		assert.NoError(t, err)
		done <- r
	}()
	join(t, b, 5)
	r := <-done
	assert.Equal(t, OutcomeMet, r.Outcome)
	assert.Equal(t, 3, r.Quorum)
	assert.Equal(t, 3, r.Joined)
}

func testQuorumUnreachable(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 4})
	fail(t, b, "login", 1)
	// 3 can still join, 4 are needed: fail at once although 2 failures are allowed.
	_, err := b.Wait(testCtx(t), WaitOptions{MaxFailures: 2})
	we := waitErr(t, err)
	assert.Equal(t, OutcomeFailed, we.Result.Outcome)
	assert.Contains(t, we.Error(), "(quorum 4 unreachable)")

	r, err := b.Wait(testCtx(t), WaitOptions{MaxFailures: 2, Quorum: 2, Timeout: time.Millisecond})
	assert.Equal(t, OutcomeTimeout, waitErr(t, err).Result.Outcome, "quorum 2 is still reachable: %+v", r)
}

func testTimeout(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 3})
	join(t, b, 1, 3)
	_, err := b.Wait(testCtx(t), WaitOptions{Timeout: 30 * time.Millisecond})
	we := waitErr(t, err)
	assert.Equal(t, OutcomeTimeout, we.Result.Outcome)
	assert.Equal(t, []int{2}, we.Result.Missing)
	assert.Equal(t, "barrier default: timeout after 30ms: joined 2/3, failed 0, missing 1 (2)", we.Error())
	assert.Nil(t, we.Unwrap())
}

func testMissingLimit(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 50})
	for id := 1; id <= 50; id += 2 {
		join(t, b, id)
	}
	s := status(t, b)
	var want []int
	for id := 2; len(want) < MaxMissing; id += 2 {
		want = append(want, id)
	}
	assert.Equal(t, want, s.Missing)
	assert.Equal(t, 25, s.MissingCount())
	assert.Contains(t, s.String(), "missing 25 (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, ...)")
}

func testErrorMessage(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 10})
	join(t, b, 4)
	fail(t, b, "sse", 8)
	fail(t, b, "login", 9, 10)
	_, err := b.Wait(testCtx(t), WaitOptions{Timeout: time.Minute})
	msg := err.Error()
	pattern := `^barrier default: failed after [0-9.]+[µm]?s \(3 failures > maxFailures 0\): ` +
		`joined 1/10, failed 3 \(login=2, sse=1\), missing 6 \(1, 2, 3, 5, 6, 7\)$`
	assert.Regexp(t, regexp.MustCompile(pattern), msg)

	named := newBarrier(t, Options{Name: "checkout", Parties: 4})
	join(t, named, 1, 2)
	_, err = named.Wait(testCtx(t), WaitOptions{Quorum: 3, Timeout: 20 * time.Millisecond})
	assert.Equal(t, "barrier checkout: timeout after 20ms: joined 2/4 (quorum 3), failed 0, missing 2 (3, 4)", err.Error())
}

func testAborted(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	join(t, b, 2)
	ctx, cancel := context.WithCancel(testCtx(t))
	reported := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(ctx, WaitOptions{Progress: time.Millisecond, OnProgress: func(Result) {
			once.Do(func() { close(reported) }) // the wait is under way
		}})
		done <- err
	}()
	<-reported
	cancel()
	we := waitErr(t, <-done)
	assert.Equal(t, OutcomeAborted, we.Result.Outcome)
	assert.ErrorIs(t, we, context.Canceled)
	assert.Equal(t, []int{1}, we.Result.Missing, "an aborted wait still reports what is missing")
	assert.Regexp(t, `^barrier default: aborted after [0-9.]+[µm]?s \(context canceled\): joined 1/2, failed 0, missing 1 \(1\)$`, we.Error())

	// A context that ended before the call aborts too.
	_, err := b.Wait(ctx, WaitOptions{})
	assert.Equal(t, OutcomeAborted, waitErr(t, err).Result.Outcome)
}

func testProgress(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	var reports []Result
	r, err := b.Wait(testCtx(t), WaitOptions{Progress: time.Millisecond, OnProgress: func(r Result) {
		reports = append(reports, r)
		if len(reports) == 1 {
			join(t, b, 1, 2) // progress seen: now let the barrier meet
		}
	}})
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, r.Outcome)
	require.NotEmpty(t, reports)
	assert.Equal(t, OutcomePending, reports[0].Outcome)
	assert.Equal(t, []int{1, 2}, reports[0].Missing)
	assert.Regexp(t, `^barrier default: pending after [0-9.]+[µm]?s: joined 0/2, failed 0, missing 2 \(1, 2\)$`, reports[0].String())
}

// testProgressOneLine: 50 waits of one barrier (on two Barrier values, as two VUs have) log one
// progress line per interval between them, not one each.
func testProgressOneLine(t *testing.T, newBarrier newFunc) {
	const waits, interval = 50, 50 * time.Millisecond
	b := newBarrier(t, Options{Parties: 2})
	other, err := New(b.Options())
	require.NoError(t, err)
	logger, hook := logtest.NewNullLogger()
	start := time.Now()
	errs := make(chan error, waits)
	for i := range waits {
		w := b
		if i%2 == 1 {
			w = other
		}
		go func() {
			_, err := w.Wait(testCtx(t), WaitOptions{Progress: interval, OnProgress: func(r Result) { logger.Info(r.String()) }})
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return len(hook.AllEntries()) >= 4 }, 10*time.Second, 5*time.Millisecond)
	lines := len(hook.AllEntries())
	elapsed := time.Since(start)
	join(t, b, 1, 2)
	for range waits {
		require.NoError(t, <-errs)
	}
	// A ticker drops the ticks nobody took, so a slow machine logs fewer lines, never more.
	assert.LessOrEqual(t, lines, int(elapsed/interval)+1, "%d lines in %s at one per %s", lines, elapsed, interval)
	assert.Regexp(t, `^barrier default: pending after [0-9.]+[µm]?s: joined 0/2, failed 0, missing 2 \(1, 2\)$`,
		hook.AllEntries()[0].Message)
}

func testResetRejoin(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	join(t, b, 1)
	fail(t, b, "login", 2)
	require.NoError(t, b.Reset(testCtx(t)))
	s := status(t, b)
	assert.Equal(t, 0, s.Accounted)
	assert.Empty(t, s.Failures)
	join(t, b, 1, 2) // counted again
	r, err := b.Wait(testCtx(t), WaitOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, r.Joined)
	require.NoError(t, b.Reset(testCtx(t)), "reset twice")
}

func testNamesIndependent(t *testing.T, newBarrier newFunc) {
	a := newBarrier(t, Options{Parties: 1})
	other := newBarrier(t, Options{Parties: 1, Name: "other", RunID: a.Options().RunID, KeyPrefix: a.Options().KeyPrefix})
	join(t, a, 1)
	assert.Equal(t, 0, status(t, other).Joined)
	rec, err := other.Join(testCtx(t), "1")
	require.NoError(t, err)
	assert.True(t, rec.Counted)
}

func testSameIDConcurrently(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 1})
	var counted atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var rec Record
			var err error
			if i%2 == 0 {
				rec, err = b.Join(testCtx(t), "1")
			} else {
				rec, err = b.Fail(testCtx(t), "1", "login")
			}
			assert.NoError(t, err)
			if rec.Counted {
				counted.Add(1)
			}
		}(i)
	}
	wg.Wait()
	assert.EqualValues(t, 1, counted.Load())
	assert.Equal(t, 1, status(t, b).Accounted)
}

func testManyIDsConcurrently(t *testing.T, newBarrier newFunc) {
	const parties, workers = 10000, 32
	b := newBarrier(t, Options{Parties: parties})
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(testCtx(t), WaitOptions{})
		done <- err
	}()
	ids := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if _, err := b.Join(testCtx(t), strconv.Itoa(id)); err != nil {
					assert.NoError(t, err)
					return
				}
			}
		}()
	}
	for id := 1; id <= parties; id++ {
		ids <- id
	}
	close(ids)
	wg.Wait()
	require.NoError(t, <-done)
	s := status(t, b)
	assert.Equal(t, parties, s.Joined)
	assert.Equal(t, OutcomeMet, s.Outcome)
}

func testBadInput(t *testing.T, newBarrier newFunc) {
	b := newBarrier(t, Options{Parties: 2})
	ctx := testCtx(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"empty id", func() error { _, err := b.Join(ctx, ""); return err }, `invalid participant id "": the barrier counts the ids 1..2`},
		{"id beyond parties", func() error { _, err := b.Join(ctx, "3"); return err }, `invalid participant id "3": the barrier counts the ids 1..2`},
		{"id zero", func() error { _, err := b.Fail(ctx, "0", "login"); return err }, `invalid participant id "0": the barrier counts the ids 1..2`},
		{"id a name", func() error { _, err := b.Fail(ctx, "alice", "login"); return err }, `invalid participant id "alice": the barrier counts the ids 1..2`},
		{"bad reason", func() error { _, err := b.Fail(ctx, "1", "Login"); return err }, `invalid failure reason "Login"`},
		{"quorum above parties", func() error { _, err := b.Wait(ctx, WaitOptions{Quorum: 3}); return err }, "quorum must be at least 1 and at most 2, got 3 (at most parties)"},
		{"negative maxFailures", func() error { _, err := b.Wait(ctx, WaitOptions{MaxFailures: -1}); return err }, "maxFailures must be at least 0 and at most 2, got -1 (at most parties)"},
	}
	for _, tt := range tests {
		err := tt.call()
		require.Error(t, err, tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
		assert.False(t, errors.As(err, new(*WaitError)), "%s: a bad input is not a wait outcome", tt.name)
	}
	assert.Equal(t, 0, status(t, b).Accounted, "bad input changed nothing")
}
