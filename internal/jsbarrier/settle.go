package jsbarrier

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// rendezvousCall is one wait() or arrive(): a core call that waits on the barrier and settles with
// a result of type R (barrier.Result, barrier.PhaseResult), or an error carrying one when the
// barrier did not meet or release (a *barrier.WaitError, a *barrier.PhaseError).
type rendezvousCall[R fmt.Stringer] struct {
	// kind is "wait" or "arrive", for the account at the test's end (ends.go).
	kind string
	// ready, when set, is waited for (or the VU's context's end) before run; the time it takes
	// counts in duration.
	ready <-chan struct{}
	run   func(ctx context.Context) (R, error)
	// outcome is the outcome of a result.
	outcome func(R) barrier.Outcome
	// failure returns the result carried by err and that typed error, or ok false when err is
	// another error (Redis unreachable, a key of the wrong type).
	failure func(err error) (res R, typed error, ok bool)
	// toJS converts a result into the JS object the promise resolves with, or the own properties
	// of the BarrierError it rejects with.
	toJS func(rt *sobek.Runtime, res R) *sobek.Object
	// duration is the Trend recorded on every settle (tags barrier, outcome).
	duration *metrics.Metric
	// abortOnFail aborts the whole test on outcome failed or timeout instead of rejecting.
	abortOnFail bool
	// resolved, when set, runs on the event loop just before the promise resolves.
	resolved func(ctx context.Context, res R)
	// settled, when set, is told every outcome ("error" for a plain error), off the event loop.
	settled func(ctx context.Context, outcome barrier.Outcome)
}

// settle runs c off the event loop and settles the returned promise on it: resolved with the
// result; rejected with a BarrierError when the barrier did not meet or release (or, with
// abortOnFail, on failed or timeout the whole test aborts, exit code 108, as k6/execution's
// test.abort(reason) does, with the one-line summary as the reason); rejected with a plain Error
// otherwise. The duration is recorded on every outcome ("error" for a plain error), and an aborted
// call (the VU's context ending) is logged as a warning, since k6 may interrupt the runtime before
// the script sees the rejection.
func settle[R fmt.Stringer](b *jsBarrier, state *lib.State, c rendezvousCall[R]) *sobek.Promise {
	rt := b.mi.vu.Runtime()
	promise, resolve, reject := rt.NewPromise()
	enqueue := b.mi.vu.RegisterCallback()
	ctx := b.mi.vu.Context()
	go func() {
		start := time.Now()
		if c.ready != nil {
			select {
			case <-c.ready:
			case <-ctx.Done():
			}
		}
		res, err := c.run(ctx)
		outcome := c.outcome(res)
		var typed error
		if err != nil {
			var ok bool
			var failed R
			if failed, typed, ok = c.failure(err); ok {
				res, outcome = failed, c.outcome(failed)
			} else {
				outcome = "error"
			}
		}
		if outcome == barrier.OutcomeAborted && err != nil && state.Logger != nil {
			state.Logger.WithField("barrier", b.name).Warn(err.Error())
		}
		push(ctx, state, c.duration, float64(time.Since(start))/float64(time.Millisecond),
			map[string]string{"barrier": b.name, "outcome": string(outcome)})
		if c.settled != nil {
			c.settled(ctx, outcome)
		}
		if outcome != "error" {
			b.mi.ends.record(b.name, c.kind, outcome, res.String())
		}
		enqueue(func() error {
			switch {
			case err == nil:
				if c.resolved != nil {
					c.resolved(ctx, res)
				}
				return resolve(c.toJS(rt, res))
			case typed == nil:
				return reject(plainError(rt, err.Error()))
			case c.abortOnFail && (outcome == barrier.OutcomeFailed || outcome == barrier.OutcomeTimeout):
				// Returned from the event-loop callback, it ends the VU's iteration, and k6 stops
				// the test; the promise never settles, as with test.abort().
				return &errext.InterruptError{Reason: errext.AbortTest + ": " + typed.Error()}
			default:
				return reject(b.mi.newBarrierError(typed.Error(), c.toJS(rt, res)))
			}
		})
	}()
	return promise
}
