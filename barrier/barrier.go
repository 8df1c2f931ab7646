package barrier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Barrier is one barrier of a run, as seen from one process. It is safe for
// concurrent use; create one per script (not per VU) and share it.
type Barrier struct {
	opts Options
	be   backend
	warn atomic.Pointer[func(string)]
}

// processStart is when this process loaded the package, which is before its
// test started: a barrier whose state was first written earlier holds joins
// or failures of an earlier run.
//
//nolint:gochecknoglobals // when this process started, once
var processStart = time.Now()

// staleWarned holds the barriers this process warned about, so that each
// warns once.
//
//nolint:gochecknoglobals // one warning per barrier and process, whichever VU sees it first
var staleWarned sync.Map

// OnWarning sets the function that receives the barrier's warnings (one
// line each), such as state left from an earlier run; without it, nothing
// warns. Safe for concurrent use.
func (b *Barrier) OnWarning(f func(msg string)) {
	b.warn.Store(&f)
}

// checkStale warns, once per barrier per process, when the barrier's state
// was first written (created, per Redis) before this process started.
func (b *Barrier) checkStale(created time.Time) {
	if created.IsZero() || !created.Before(processStart.Add(-staleSlack)) {
		return
	}
	f := b.warn.Load()
	if f == nil {
		return
	}
	o := b.opts
	key := b.be.where() + "\x00" + o.KeyPrefix + "\x00" + o.RunID + "\x00" + o.Name
	if _, warned := staleWarned.LoadOrStore(key, struct{}{}); warned {
		return
	}
	(*f)(fmt.Sprintf("barrier %s: its state in %s (runId %q) was first written at %s, %s before this k6 process started: "+
		"it holds joins or failures of an earlier run, which count toward this one. "+
		"Use a new runId for every run (e.g. -e %s=run-$(date +%%s)), or call reset() in setup()",
		o.Name, b.be.where(), o.RunID, created.UTC().Format(time.RFC3339),
		processStart.Sub(created).Round(time.Second), EnvRunID))
}

// New validates opts and returns the barrier they describe: on Redis when
// opts.Redis is set (through the process's shared client for that URL),
// else in-process. It does no I/O.
func New(opts Options) (*Barrier, error) {
	opts = opts.WithDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Redis == "" {
		return &Barrier{opts: opts, be: newMemoryBackend(opts)}, nil
	}
	c, err := sharedClientFor(opts.Redis)
	if err != nil {
		return nil, fmt.Errorf("barrier %s: option redis: %w", opts.Name, err)
	}
	be := newRedisBackend(c.client, c.addr, opts)
	be.hook = c.hook
	return &Barrier{opts: opts, be: be}, nil
}

// NewWithClient returns a barrier on the given Redis client (a *redis.Client
// or *redis.ClusterClient) instead of a shared one; opts.Redis must be empty.
// The caller owns and closes the client. It does no I/O.
func NewWithClient(opts Options, client redis.UniversalClient) (*Barrier, error) {
	opts = opts.WithDefaults()
	if client == nil {
		return nil, errors.New("barrier: NewWithClient needs a client")
	}
	if opts.Redis != "" {
		return nil, fmt.Errorf("barrier %s: NewWithClient takes its client, not option redis", opts.Name)
	}
	if opts.RunID == "" {
		return nil, fmt.Errorf("barrier %s: option %w", opts.Name, ErrRunIDRequired)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Barrier{opts: opts, be: newRedisBackend(client, clientAddr(client), opts)}, nil
}

// prepared returns the call a Prepare method returned or, when it refused its arguments, a call
// that returns the refusal: Join(ctx, id) is prepared(b.PrepareJoin(id))(ctx).
func prepared[T any](call func(context.Context) (T, error), err error) func(context.Context) (T, error) {
	if err != nil {
		return func(context.Context) (T, error) {
			var zero T
			return zero, err
		}
	}
	return call
}

// Options returns the barrier's options, defaults filled in.
func (b *Barrier) Options() Options { return b.opts }

// Join accounts participant id as joined, unless it was accounted before.
func (b *Barrier) Join(ctx context.Context, id string) (Record, error) {
	return prepared(b.PrepareJoin(id))(ctx)
}

// PrepareJoin checks the arguments of a Join, as Join does, and returns the Join to run, which
// does not check them again. A caller that reports bad arguments before any I/O starts (the JS
// binding throws at the call, then runs the call off its event loop) checks them once this way;
// so do PrepareFail, PrepareWait, PrepareArrive and PrepareLeave.
func (b *Barrier) PrepareJoin(id string) (func(context.Context) (Record, error), error) {
	if err := ValidateID(id, b.opts.Parties); err != nil {
		return nil, fmt.Errorf("barrier %s: join: %w", b.opts.Name, err)
	}
	return func(ctx context.Context) (Record, error) {
		rec, err := b.record(ctx, id, "")
		if err != nil {
			return Record{}, fmt.Errorf("barrier %s: join %s: %w", b.opts.Name, id, err)
		}
		return rec, nil
	}, nil
}

// Fail accounts participant id as failed for reason (see ValidateReason),
// unless it was accounted before.
func (b *Barrier) Fail(ctx context.Context, id, reason string) (Record, error) {
	return prepared(b.PrepareFail(id, reason))(ctx)
}

// PrepareFail checks the arguments of a Fail, as Fail does, and returns the Fail to run (see
// PrepareJoin).
func (b *Barrier) PrepareFail(id, reason string) (func(context.Context) (Record, error), error) {
	if err := ValidateReason(reason); err != nil {
		return nil, fmt.Errorf("barrier %s: fail: %w", b.opts.Name, err)
	}
	if err := ValidateID(id, b.opts.Parties); err != nil {
		return nil, fmt.Errorf("barrier %s: fail: %w", b.opts.Name, err)
	}
	return func(ctx context.Context) (Record, error) { return b.fail(ctx, id, reason) }, nil
}

// fail is Fail after its checks.
func (b *Barrier) fail(ctx context.Context, id, reason string) (Record, error) {
	rec, err := b.record(ctx, id, reason)
	if err != nil {
		return Record{}, fmt.Errorf("barrier %s: fail %s (%s): %w", b.opts.Name, id, reason, err)
	}
	if err := b.failPhase(ctx, id, reason); err != nil { // cyclic use: see Arrive
		return rec, err
	}
	return rec, nil
}

// record accounts id, bounded by CallTimeout, and checks the state's age.
func (b *Barrier) record(ctx context.Context, id, reason string) (Record, error) {
	type recorded struct {
		rec     Record
		created time.Time
	}
	r, err := boundCall(ctx, b, func(ctx context.Context) (recorded, error) {
		rec, created, err := b.be.record(ctx, id, reason)
		return recorded{rec, created}, err
	})
	if err == nil {
		b.checkStale(r.created)
	}
	return r.rec, err
}

// Status reports the barrier now: outcome pending, met or failed, judged
// with quorum = parties and maxFailures = 0, and the missing ids.
func (b *Barrier) Status(ctx context.Context) (Result, error) {
	r, err := boundCall(ctx, b, func(ctx context.Context) (Result, error) {
		c, err := b.be.counts(ctx)
		if err != nil {
			return Result{}, err
		}
		b.checkStale(c.created)
		r := b.result(c, decide(c, b.opts.Parties, b.opts.Parties, 0), WaitOptions{Quorum: b.opts.Parties})
		return r, b.fillMissing(ctx, &r)
	})
	if err != nil {
		return Result{}, fmt.Errorf("barrier %s: status: %w", b.opts.Name, err)
	}
	return r, nil
}

// Reset deletes the barrier's state (all its Redis keys), so that a rerun
// with the same runId starts afresh. Waiters re-read and see it empty.
func (b *Barrier) Reset(ctx context.Context) error {
	_, err := boundCall(ctx, b, func(ctx context.Context) (struct{}, error) { return struct{}{}, b.be.reset(ctx) })
	if err != nil {
		return fmt.Errorf("barrier %s: reset: %w", b.opts.Name, err)
	}
	if err := b.resetPhases(ctx); err != nil { // cyclic use: see Arrive
		return fmt.Errorf("barrier %s: reset: %w", b.opts.Name, err)
	}
	return nil
}

// boundCall runs one call of b with its context bounded by CallTimeout: the call's one bound, which
// the clients heed for every step (their ContextTimeoutEnabled, see clients.go). A call that ran
// out of time says so with the address; the caller's own context ending returns its error.
func boundCall[T any](ctx context.Context, b *Barrier, fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	v, err := fn(cctx)
	if err != nil && !expired(ctx) && expired(cctx) {
		if d, ok := b.be.(interface{ down() error }); ok {
			if derr := d.down(); derr != nil { // no master answered: say so, and since when
				return v, fmt.Errorf("no answer within %s: %w", CallTimeout, derr)
			}
		}
		return v, fmt.Errorf(
			"%s: no answer within %s (Redis stalled, overloaded or unreachable): %w",
			b.be.where(), CallTimeout, err)
	}
	return v, err
}

// result builds a Result from counts.
func (b *Barrier) result(c counts, outcome Outcome, w WaitOptions) Result {
	failures := c.failures
	if failures == nil {
		failures = map[string]int{}
	}
	return Result{
		Outcome:     outcome,
		Name:        b.opts.Name,
		Joined:      c.joined,
		Failed:      c.failed,
		Failures:    failures,
		Accounted:   c.joined + c.failed,
		Parties:     b.opts.Parties,
		Quorum:      w.Quorum,
		MaxFailures: w.MaxFailures,
	}
}

// fillMissing lists the ids never accounted for, when some are.
func (b *Barrier) fillMissing(ctx context.Context, r *Result) error {
	want := r.MissingCount()
	if want == 0 {
		return nil
	}
	ids, err := b.be.missing(ctx, r.Parties, MaxMissing, want)
	if err != nil {
		return err
	}
	r.Missing = ids
	return nil
}
