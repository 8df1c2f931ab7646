package barrier

import (
	"context"
	"fmt"
	"time"
)

// readErrorGrace is how long a wait tolerates failing reads (for example
// while Redis restarts) before it gives up with the error.
const readErrorGrace = 10 * time.Second

// settleTimeout bounds the final reads of a wait that ends by timeout or
// abort, so that it returns promptly even when Redis is slow.
const settleTimeout = 2 * time.Second

// Wait blocks until the barrier is met (nil error), fails, times out, or ctx
// ends; the last three return a *WaitError carrying the Result. Any other
// error is a backend error (Redis unreachable for longer than a few
// seconds, a key of the wrong type) or a bad option.
//
// Wait subscribes to changes first and then reads, so no change is missed;
// it reads again on every change that may settle it, and every
// FallbackInterval (Redis) in case a change message was lost.
func (b *Barrier) Wait(ctx context.Context, opts WaitOptions) (Result, error) {
	start := time.Now()
	w, err := opts.resolve(b.opts)
	if err != nil {
		return Result{}, err
	}
	wt := waiting{b: b, opts: w, start: start}

	watch, err := b.be.watch(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return wt.aborted(ctx, counts{})
		}
		return Result{}, fmt.Errorf("barrier %s: wait: %w", b.opts.Name, err)
	}
	defer watch.close()

	c, err := b.be.counts(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return wt.aborted(ctx, counts{})
		}
		return Result{}, fmt.Errorf("barrier %s: wait: %w", b.opts.Name, err)
	}

	var timeout, fallback, progress <-chan time.Time
	if w.Timeout > 0 {
		t := time.NewTimer(w.Timeout - time.Since(start))
		defer t.Stop()
		timeout = t.C
	}
	if d := watch.fallback(); d > 0 {
		t := time.NewTicker(d)
		defer t.Stop()
		fallback = t.C
	}
	if w.Progress > 0 && w.OnProgress != nil {
		t := time.NewTicker(w.Progress)
		defer t.Stop()
		progress = t.C
	}

	var failingSince time.Time // start of consecutive read errors
	for {
		if outcome := wt.decide(c); outcome != OutcomePending {
			return wt.settle(ctx, c, outcome)
		}
		read := false
		select {
		case <-ctx.Done():
			return wt.aborted(ctx, c)
		case <-timeout:
			return wt.timedOut(ctx, c)
		case h := <-watch.hints():
			// A hint with known totals that cannot settle needs no read.
			read = !h.known || wt.decide(counts{joined: h.joined, failed: h.failed}) != OutcomePending
		case <-fallback:
			read = true
		case <-progress:
			w.OnProgress(wt.progress(ctx, c))
		}
		if !read {
			continue
		}
		fresh, err := b.be.counts(ctx)
		switch {
		case err == nil:
			c, failingSince = fresh, time.Time{}
		case ctx.Err() != nil:
			return wt.aborted(ctx, c)
		case failingSince.IsZero():
			failingSince = time.Now()
		case time.Since(failingSince) > readErrorGrace:
			return Result{}, fmt.Errorf("barrier %s: wait: reads failing for %s: %w",
				b.opts.Name, time.Since(failingSince).Round(time.Second), err)
		}
	}
}

// waiting is the state of one Wait call.
type waiting struct {
	b     *Barrier
	opts  WaitOptions
	start time.Time
}

func (wt waiting) decide(c counts) Outcome {
	return decide(c, wt.b.opts.Parties, wt.opts.Quorum, wt.opts.MaxFailures)
}

func (wt waiting) result(c counts, outcome Outcome) Result {
	r := wt.b.result(c, outcome, wt.opts)
	r.Waited = time.Since(wt.start)
	return r
}

// settle returns the result of a met or failed wait.
func (wt waiting) settle(ctx context.Context, c counts, outcome Outcome) (Result, error) {
	if c.failures == nil { // judged from totals only: read the reasons too
		if fresh, err := wt.b.be.counts(ctx); err == nil {
			c = fresh
			outcome = wt.decide(c)
		}
	}
	r := wt.result(c, outcome)
	if outcome == OutcomeMet {
		return r, nil
	}
	wt.missing(ctx, &r)
	return r, &WaitError{Result: r, Timeout: wt.opts.Timeout}
}

// timedOut reads once more (a change may have raced the deadline) and
// returns the timeout, or what the fresh counts say.
func (wt waiting) timedOut(ctx context.Context, c counts) (Result, error) {
	rctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	if fresh, err := wt.b.be.counts(rctx); err == nil {
		c = fresh
		if outcome := wt.decide(c); outcome != OutcomePending {
			return wt.settle(rctx, c, outcome)
		}
	}
	r := wt.result(c, OutcomeTimeout)
	wt.missing(rctx, &r)
	return r, &WaitError{Result: r, Timeout: wt.opts.Timeout}
}

// aborted returns the result of a wait whose context ended, with a last
// bounded read for the diagnostics.
func (wt waiting) aborted(ctx context.Context, c counts) (Result, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if fresh, err := wt.b.be.counts(rctx); err == nil {
		c = fresh
	}
	r := wt.result(c, OutcomeAborted)
	wt.missing(rctx, &r)
	return r, &WaitError{Result: r, Timeout: wt.opts.Timeout, Cause: ctx.Err()}
}

// progress reads the status for a progress report; on a read error it
// reports the last counts.
func (wt waiting) progress(ctx context.Context, c counts) Result {
	if fresh, err := wt.b.be.counts(ctx); err == nil {
		c = fresh
	}
	r := wt.result(c, OutcomePending)
	wt.missing(ctx, &r)
	return r
}

// missing fills r.Missing; diagnostics only, so an error leaves it empty.
func (wt waiting) missing(ctx context.Context, r *Result) {
	_ = wt.b.fillMissing(ctx, r)
}
