package barrier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
)

// boundedRead runs fn with a context bounded by readBound and wctx.
func boundedRead[T any](wctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	rctx, cancel := context.WithTimeout(wctx, readBound)
	defer cancel()
	return fn(rctx)
}

// Wait blocks until the barrier is met (nil error), fails, times out, or ctx
// ends; the last three return a *WaitError carrying the Result. Any other
// error is a backend error (Redis unreachable for longer than
// readErrorGrace, a key of the wrong type) or a bad option.
//
// Every Redis call of the wait is bounded by the wait's deadline and ctx:
// the wait settles within its timeout (plus settleGrace) whatever Redis
// does. Failing reads are retried until then; the result then says since
// when reads fail instead of passing stale counts off as fresh.
//
// Wait subscribes to changes first and then reads, so no change is missed;
// it reads again on every change that may settle it, and every
// FallbackInterval (Redis) in case a change message was lost.
func (b *Barrier) Wait(ctx context.Context, opts WaitOptions) (Result, error) {
	return prepared(b.PrepareWait(opts))(ctx)
}

// PrepareWait checks opts, as Wait does, and returns the Wait to run, which does not check them
// again (see PrepareJoin).
func (b *Barrier) PrepareWait(opts WaitOptions) (func(context.Context) (Result, error), error) {
	w, err := opts.resolve(b.opts)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (Result, error) { return b.wait(ctx, w) }, nil
}

// wait is Wait with its options resolved: it starts its clocks, then subscribes, reads and waits
// for the next event, round after round, until the wait settles.
func (b *Barrier) wait(ctx context.Context, w WaitOptions) (Result, error) {
	wt := &waiting{b: b, opts: w, start: time.Now(), needRead: true}
	wctx, stop := wt.startClocks(ctx)
	defer stop()
	for {
		if res, err, done := wt.subscribe(ctx, wctx); done {
			return res, err
		}
		if res, err, done := wt.readCounts(ctx, wctx); done {
			return res, err
		}
		if res, err, done := wt.next(ctx, wctx); done {
			return res, err
		}
	}
}

// startClocks starts the wait's deadline and registers it with the barrier's progress clock. It
// returns wctx, which ends at the deadline or with ctx, and the function that stops the deadline,
// leaves the clock and closes the subscription when the wait returns.
func (wt *waiting) startClocks(ctx context.Context) (context.Context, func()) {
	w := wt.opts
	wctx := ctx
	cancel := context.CancelFunc(func() {})
	if w.Timeout > 0 {
		wctx, cancel = context.WithDeadline(ctx, wt.start.Add(w.Timeout))
	}
	leave := func() {}
	if w.Progress > 0 && w.OnProgress != nil {
		wt.progressCh, leave = wt.b.be.progressClock().register(w.Progress)
	}
	return wctx, func() {
		if wt.watch != nil {
			wt.watch.close()
		}
		leave()
		cancel()
	}
}

// subscribe subscribes to the barrier's changes when the wait has no subscription yet; done is
// true when a failure settles the wait (see failed).
func (wt *waiting) subscribe(ctx, wctx context.Context) (res Result, err error, done bool) {
	if wt.watch != nil {
		return Result{}, nil, false
	}
	called := time.Now()
	nw, err := wt.b.be.watch(wctx) // bounded by the wait's own deadline: a slow link takes several round trips
	if err != nil {
		return wt.failed(ctx, wctx, called, fmt.Errorf("subscribing: %w", err))
	}
	wt.watch, wt.hintsCh = nw, nw.ready()
	wt.needRead = true
	return Result{}, nil, false
}

// readCounts reads the counts when subscribed and a read is due, and settles the wait when they decide
// it (or show its state lost); done is true when the wait settled.
func (wt *waiting) readCounts(ctx, wctx context.Context) (res Result, err error, done bool) {
	if wt.watch == nil || !wt.needRead {
		return Result{}, nil, false
	}
	called := time.Now()
	fresh, err := boundedRead(wctx, wt.b.be.counts)
	if err != nil {
		return wt.failed(ctx, wctx, called, err)
	}
	wt.fresh(fresh)
	if wt.lost != "" {
		res, err = wt.settle(ctx, OutcomeFailed)
		return res, err, true
	}
	if outcome := wt.decide(wt.c); outcome != OutcomePending {
		res, err = wt.settle(ctx, outcome)
		return res, err, true
	}
	wt.needRead = false
	return Result{}, nil, false
}

// next waits for the next event: the end of ctx or of the deadline (which settle the wait), a
// change message (the session's tick sends one too) or a retry (which call for a read), or a
// progress turn.
func (wt *waiting) next(ctx, wctx context.Context) (res Result, err error, done bool) {
	var retry <-chan time.Time
	if wt.watch == nil || wt.needRead {
		retry = time.After(retryInterval)
	}
	select {
	case <-ctx.Done():
		res, err = wt.aborted(ctx)
		return res, err, true
	case <-wctx.Done():
		if ctx.Err() != nil {
			res, err = wt.aborted(ctx)
		} else {
			res, err = wt.timedOut(ctx)
		}
		return res, err, true
	case <-wt.hintsCh:
		outcome, reread := wt.hints(wt.watch.take())
		if outcome != OutcomePending {
			res, err = wt.settle(ctx, outcome)
			return res, err, true
		}
		wt.needRead = wt.needRead || reread
	case <-retry:
	case <-wt.progressCh:
		wt.opts.OnProgress(wt.progress(wctx))
		select {
		case <-wt.progressCh: // a turn given while this report read (a stall): no burst of lines
		default:
		}
		wt.needRead = wt.needRead || wt.lost != "" // the read settles it
	}
	return Result{}, nil, false
}

// waiting is the state of one Wait call.
type waiting struct {
	b     *Barrier
	opts  WaitOptions
	start time.Time
	watch watcher // nil until subscribed

	// The wait's channels (startClocks, subscribe): its turns to report progress (nil without
	// progress; the barrier's progressClock gives one wait of the process a turn per interval) and
	// change messages (hintsCh, nil until subscribed).
	progressCh <-chan struct{}
	hintsCh    <-chan struct{}
	// needRead is whether the counts are to be read in this round.
	needRead bool

	c    counts // the last counts read
	read bool   // whether c was read at all
	// failingSince is when the current run of failing reads began (zero
	// while reads succeed); readErr is the last failure.
	failingSince time.Time
	readErr      error

	// epoch names the state the wait counts on ("" until a read saw one, and after a reset);
	// lost says what was lost when a read found another state, or none, without a reset
	// (see judgeEpoch).
	epoch string
	lost  string
}

func (wt *waiting) decide(c counts) Outcome {
	return decide(c, wt.b.opts.Parties, wt.opts.Quorum, wt.opts.MaxFailures)
}

// hints judges hints in order. A hint with known totals that settles the
// wait is a release decided by that write: the wait settles with it (its
// counts become wt.c), even when later hints say that a reset followed. It
// returns the outcome (pending when none settles) and whether a re-read is
// needed.
func (wt *waiting) hints(hs []hint) (outcome Outcome, reread bool) {
	for _, h := range hs {
		switch {
		case h.reset:
			wt.epoch = ""
			wt.c.joined, wt.c.failed = 0, 0
			reread = true
		case h.known:
			c := counts{joined: h.joined, failed: h.failed, epoch: wt.c.epoch}
			if c.joined < wt.c.joined || c.failed < wt.c.failed {
				reread = true // counts only grow within a state: a read tells which state this is
				continue
			}
			if o := wt.decide(c); o != OutcomePending {
				wt.c, wt.read = c, true
				wt.failingSince, wt.readErr = time.Time{}, nil
				return o, false
			}
		default:
			reread = true
		}
	}
	return OutcomePending, reread
}

// fresh records counts just read, and judges by their epoch whether the state the wait counted on
// was lost.
func (wt *waiting) fresh(c counts) {
	wt.b.checkStale(c.created)
	if wt.lost != "" {
		return // settled failed: the counts from before the loss stay, for the message
	}
	epoch, lost := judgeEpoch(wt.epoch, c)
	if lost {
		wt.lost = wt.lostMessage(c)
		return
	}
	wt.epoch = epoch
	wt.c, wt.read = c, true
	wt.failingSince, wt.readErr = time.Time{}, nil
}

// judgeEpoch compares the epoch a wait counted on (seen, "" for none yet) with the counts just
// read: it returns the epoch to count on from now, and whether the state seen was lost (neither
// this state nor deleted by a reset, whose tombstone names the epoch it deleted).
func judgeEpoch(seen string, c counts) (epoch string, lost bool) {
	switch {
	case seen == "" || c.epoch == seen:
		return c.epoch, false
	case c.tombstone == seen: // a reset deleted it: a new round
		return c.epoch, false
	}
	return seen, true
}

// failed records a failed subscribe or read, called at called. It returns
// done when the wait must end: its context or deadline ended (a
// BarrierError that says reads fail), or reads kept failing for
// readErrorGrace (the error).
func (wt *waiting) failed(ctx, wctx context.Context, called time.Time, err error) (Result, error, bool) {
	wt.readFailed(called, err)
	switch {
	case ctx.Err() != nil:
		res, err := wt.aborted(ctx)
		return res, err, true
	case expired(wctx):
		res, err := wt.timedOut(ctx)
		return res, err, true
	}
	if !transient(err) || (refused(err) && wt.b.neverAnswered()) {
		return Result{}, fmt.Errorf("barrier %s: wait: %w", wt.b.opts.Name, err), true
	}
	grace := readErrorGrace
	if isFailover(wt.readErr) {
		grace = failoverGrace // a failover takes a while; the wait's own timeout still bounds it
	}
	if time.Since(wt.failingSince) > grace {
		return Result{}, fmt.Errorf("barrier %s: wait: reads failing for %s: %w",
			wt.b.opts.Name, time.Since(wt.failingSince).Round(time.Second), err), true
	}
	return Result{}, nil, false
}

// readFailed records a read called at called that failed with err: since when reads fail, and
// why (a read that got no answer in time: see noAnswer).
func (wt *waiting) readFailed(called time.Time, err error) {
	if wt.failingSince.IsZero() {
		wt.failingSince = called
	}
	wt.readErr = err
	var unavailable *unavailableError
	if !errors.As(err, &unavailable) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		wt.readErr = wt.b.noAnswer()
	}
}

// noAnswer is the error of a call that got no answer in time: while commands fail for want of a
// master, what they fail with and since when (a failover in progress), else "no answer".
func (b *Barrier) noAnswer() error {
	if d, ok := b.be.(interface{ down() error }); ok {
		if err := d.down(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: no answer", b.be.where())
}

// neverAnswered reports whether the barrier's Redis never answered this process: a connection
// refused then is a wrong address or a Redis not started, which no wait fixes, not a failover.
func (b *Barrier) neverAnswered() bool {
	r, ok := b.be.(*redisBackend)
	return ok && r.hook != nil && !r.hook.answered.Load()
}

// lostMessage says what the wait counted and what it reads now, and what that means.
func (wt *waiting) lostMessage(now counts) string {
	var parts []string
	if now.joined != wt.c.joined {
		parts = append(parts, fmt.Sprintf("joined fell from %d to %d", wt.c.joined, now.joined))
	}
	if now.failed != wt.c.failed {
		parts = append(parts, fmt.Sprintf("failed fell from %d to %d", wt.c.failed, now.failed))
	}
	if now.joined > wt.c.joined || now.failed > wt.c.failed || len(parts) == 0 {
		parts = []string{fmt.Sprintf("joined %d, failed %d counted in a state that is gone (now joined %d, failed %d)",
			wt.c.joined, wt.c.failed, now.joined, now.failed)}
	}
	return strings.Join(parts, ", ") + ": the barrier's state in " + wt.b.be.where() +
		" was lost (" + wt.lostWhy() + "); counts only grow within a run, so it can no longer be counted"
}

// lostWhy is the likely cause of a loss of the barrier's state: its keys' expiry when the wait has
// lasted longer than the barrier's ttl, else a restart of Redis without persistence.
func (wt *waiting) lostWhy() string {
	if waited := time.Since(wt.start); waited >= wt.b.opts.TTL {
		return fmt.Sprintf("its keys expired? the barrier's ttl of %s is shorter than this wait's %s; give a "+
			"ttl longer than the test, e.g. ttl: '24h' (a number is milliseconds: ttl: 3600 is 3.6s)",
			durfmt.Format(wt.b.opts.TTL), durfmt.Format(waited.Truncate(time.Millisecond)))
	}
	return "a restart without persistence?"
}

func (wt *waiting) result(outcome Outcome) Result {
	r := wt.b.result(wt.c, outcome, wt.opts)
	r.Lost = wt.lost
	r.Waited = time.Since(wt.start)
	if wt.readErr != nil {
		r.ReadError = wt.readErr.Error()
		r.Failover = isFailover(wt.readErr)
		r.FailingSince = wt.failingSince
		r.FailingFor = time.Since(wt.failingSince)
		r.NeverRead = !wt.read
	}
	return r
}

// settle returns the result of a met or failed wait, decided on wt.c. When
// wt.c holds totals only (a hint), it reads the reasons too, and takes that
// read's counts when they are of the same round and judge alike: the
// outcome decided stays whatever happened since (a reset, more failures).
func (wt *waiting) settle(ctx context.Context, outcome Outcome) (Result, error) {
	if wt.c.failures == nil {
		rctx, cancel := context.WithTimeout(ctx, settleGrace)
		if fresh, err := wt.b.be.counts(rctx); err == nil && (wt.epoch == "" || fresh.epoch == wt.epoch) &&
			fresh.joined >= wt.c.joined && fresh.failed >= wt.c.failed && wt.decide(fresh) == outcome {
			wt.fresh(fresh)
		}
		cancel()
	}
	r := wt.result(outcome)
	if outcome == OutcomeMet {
		return r, nil
	}
	wt.missing(ctx, &r)
	return r, &WaitError{Result: r, Timeout: wt.opts.Timeout}
}

// timedOut reads once more, within settleGrace (a change may have raced
// the deadline), and returns the timeout, or what the fresh counts say.
func (wt *waiting) timedOut(ctx context.Context) (Result, error) {
	if wt.watch != nil { // a release decided just before the deadline
		if outcome, _ := wt.hints(wt.watch.take()); outcome != OutcomePending {
			return wt.settle(ctx, outcome)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, settleGrace)
	defer cancel()
	if fresh, err := wt.b.be.counts(rctx); err == nil {
		wt.fresh(fresh)
		if wt.lost != "" {
			return wt.settle(ctx, OutcomeFailed)
		}
		if outcome := wt.decide(wt.c); outcome != OutcomePending {
			return wt.settle(ctx, outcome)
		}
	}
	r := wt.result(OutcomeTimeout)
	wt.missing(rctx, &r)
	return r, &WaitError{Result: r, Timeout: wt.opts.Timeout}
}

// aborted returns the result of a wait whose context ended, with a last
// read within settleGrace for the diagnostics.
func (wt *waiting) aborted(ctx context.Context) (Result, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleGrace)
	defer cancel()
	if fresh, err := wt.b.be.counts(rctx); err == nil {
		wt.fresh(fresh)
	}
	r := wt.result(OutcomeAborted)
	wt.missing(rctx, &r)
	return r, &WaitError{Result: r, Timeout: wt.opts.Timeout, Cause: ctx.Err()}
}

// progress reads the status for a progress report. When the read fails,
// the report says since when reads fail, with the counts of the last read.
func (wt *waiting) progress(wctx context.Context) Result {
	if wt.readErr == nil { // while reads fail, the loop retries them: report that
		called := time.Now()
		if fresh, err := boundedRead(wctx, wt.b.be.counts); err == nil {
			wt.fresh(fresh)
		} else if !expired(wctx) { // a read that the wait's own deadline cut is no failure
			wt.readFailed(called, err)
		}
	}
	r := wt.result(OutcomePending)
	wt.missing(wctx, &r)
	return r
}

// missing fills r.Missing; diagnostics only, so an error leaves it empty.
// Nothing is listed while reads fail: the ids would be stale.
func (wt *waiting) missing(ctx context.Context, r *Result) {
	if r.ReadError != "" || r.Lost != "" { // ids that joined before the loss would be listed
		return
	}
	_ = wt.b.fillMissing(ctx, r)
}

// transient reports whether a read error may pass by itself (a network
// error, a timeout, Redis loading or failing over), so that a wait retries;
// any other error reply (a key of the wrong type, NOAUTH) ends it at once.
func transient(err error) bool {
	var perr permanentError
	var cerr configError
	if errors.As(err, &perr) || errors.As(err, &cerr) {
		return false
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true
	}
	msg := rerr.Error()
	for _, p := range []string{"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
