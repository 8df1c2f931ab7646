package barrier

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// batcher sends the calls that arrive while its round trips are under way together, in the next
// one (group commit): under many concurrent joins one script call accounts many ids, so a join
// costs Redis a few commands instead of a round trip of its own. Up to senders round trips are
// under way at once; a call waits at most for one of them and then its own; a call whose context
// ended before its batch was sent is not sent at all.
type batcher[In, Out any] struct {
	max     int                                               // calls per round trip at most
	senders int                                               // round trips under way at once at most
	send    func(ctx context.Context, in []In) ([]Out, error) // one round trip: one Out per In
	// bound, when set, is how long one round trip for in may take, instead of batchTimeout.
	bound func(in []In) time.Duration

	mu      sync.Mutex
	queue   []*batchCall[In, Out]
	running int // drain goroutines running
}

// batchCall is one call waiting in a batcher's queue.
type batchCall[In, Out any] struct {
	ctx  context.Context
	in   In
	out  Out
	err  error
	done chan struct{}
}

// do queues in, and returns its result once its batch was sent, or ctx's error as soon as ctx ends
// (the batch may then still account it, as any call whose reply did not arrive).
func (b *batcher[In, Out]) do(ctx context.Context, in In) (Out, error) {
	var zero Out
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	c := &batchCall[In, Out]{ctx: ctx, in: in, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	start := b.running < max(b.senders, 1)
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.drain()
	}
	select {
	case <-c.done:
		return c.out, c.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// drain sends the queue, batch after batch, until it is empty.
func (b *batcher[In, Out]) drain() {
	for {
		batch := b.next()
		if batch == nil {
			return
		}
		b.sendBatch(batch)
	}
}

// next takes the next batch off the queue: up to max calls whose context is still live (the others
// are settled with their context's error). nil when the queue is empty: the drain then ends.
func (b *batcher[In, Out]) next() []*batchCall[In, Out] {
	b.mu.Lock()
	defer b.mu.Unlock()
	var batch []*batchCall[In, Out]
	for len(b.queue) > 0 && len(batch) < b.max {
		c := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		batch = append(batch, c)
	}
	if len(b.queue) == 0 {
		b.queue = nil // let the backing array go
	}
	if len(batch) == 0 {
		b.running--
		return nil
	}
	return batch
}

// sendBatch makes one round trip for batch and settles its calls. The round trip is bounded by
// batchTimeout, not by any one caller's context: the others wait for it too.
func (b *batcher[In, Out]) sendBatch(batch []*batchCall[In, Out]) {
	in := make([]In, len(batch))
	for i, c := range batch {
		in[i] = c.in
	}
	timeout := batchTimeout
	if b.bound != nil {
		timeout = b.bound(in)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	out, err := b.send(ctx, in)
	cancel()
	if err == nil && len(out) != len(in) {
		err = fmt.Errorf("%d replies to %d calls", len(out), len(in))
	}
	for i, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.out = out[i]
		}
		close(c.done)
	}
}
