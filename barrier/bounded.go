package barrier

import (
	"context"
	"time"
)

// detached runs fn in a goroutine of its own and returns its result, or ctx's error as soon as ctx
// ends, even while fn is still blocked in a network call that ignores ctx. fn must return on its
// own in bounded time (the client's timeouts ensure it), so its goroutine ends then; when ctx won,
// drop receives fn's late result to release what it holds.
func detached[T any](ctx context.Context, fn func(context.Context) (T, error), drop func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		if drop != nil {
			go func() {
				if r := <-ch; r.err == nil {
					drop(r.v)
				}
			}()
		}
		var zero T
		return zero, ctx.Err()
	}
}

// expired reports whether ctx ended or its deadline passed: a read that the deadline cut (an i/o
// timeout) can return a moment before ctx itself says so.
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}
