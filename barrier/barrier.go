package barrier

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Barrier is one barrier of a run, as seen from one process. It is safe for
// concurrent use; create one per script (not per VU) and share it.
type Barrier struct {
	opts Options
	be   backend
}

// New validates opts and returns the barrier they describe: on Redis when
// opts.Redis is set (through the process's shared client for that URL),
// else in-process. It does no I/O.
func New(opts Options) (*Barrier, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Redis == "" {
		return &Barrier{opts: opts, be: newMemoryBackend(opts)}, nil
	}
	c, err := sharedClientFor(opts.Redis)
	if err != nil {
		return nil, fmt.Errorf("barrier %s: option redis: %w", opts.Name, err)
	}
	return &Barrier{opts: opts, be: newRedisBackend(c.client, c.addr, opts)}, nil
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
		return nil, fmt.Errorf("barrier %s: option runId is required with redis", opts.Name)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Barrier{opts: opts, be: newRedisBackend(client, clientAddr(client), opts)}, nil
}

// Options returns the barrier's options, defaults filled in.
func (b *Barrier) Options() Options { return b.opts }

// Join accounts participant id as joined, unless it was accounted before.
func (b *Barrier) Join(ctx context.Context, id string) (Record, error) {
	if err := ValidateID(id, b.opts.Parties); err != nil {
		return Record{}, fmt.Errorf("barrier %s: join: %w", b.opts.Name, err)
	}
	rec, err := boundCall(ctx, b, func(ctx context.Context) (Record, error) { return b.be.record(ctx, id, "") })
	if err != nil {
		return Record{}, fmt.Errorf("barrier %s: join %s: %w", b.opts.Name, id, err)
	}
	return rec, nil
}

// Fail accounts participant id as failed for reason (see ValidateReason),
// unless it was accounted before.
func (b *Barrier) Fail(ctx context.Context, id, reason string) (Record, error) {
	if err := ValidateReason(reason); err != nil {
		return Record{}, fmt.Errorf("barrier %s: fail: %w", b.opts.Name, err)
	}
	if err := ValidateID(id, b.opts.Parties); err != nil {
		return Record{}, fmt.Errorf("barrier %s: fail: %w", b.opts.Name, err)
	}
	rec, err := boundCall(ctx, b, func(ctx context.Context) (Record, error) { return b.be.record(ctx, id, reason) })
	if err != nil {
		return Record{}, fmt.Errorf("barrier %s: fail %s (%s): %w", b.opts.Name, id, reason, err)
	}
	return rec, nil
}

// Status reports the barrier now: outcome pending, met or failed, judged
// with quorum = parties and maxFailures = 0, and the missing ids.
func (b *Barrier) Status(ctx context.Context) (Result, error) {
	r, err := boundCall(ctx, b, func(ctx context.Context) (Result, error) {
		c, err := b.be.counts(ctx)
		if err != nil {
			return Result{}, err
		}
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
	return nil
}

// boundCall runs one call of b within CallTimeout, whatever Redis does. A call that ran out of time
// says so with the address; the caller's own context ending returns its error.
func boundCall[T any](ctx context.Context, b *Barrier, fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	v, err := detached(cctx, fn, nil)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return v, fmt.Errorf("%s: no answer within %s (Redis stalled, overloaded or unreachable): %w", b.be.where(), CallTimeout, err)
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
