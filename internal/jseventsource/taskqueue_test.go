package jseventsource

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/js/modulestest"
)

// runQueue makes a taskQueue on a VU's event loop (k6's RegisterCallback rules, as the real loop
// has them), hands it to producer on a goroutine of its own, and returns once the event loop has
// ended: the queue was closed and every callback it reserved was released.
func runQueue(t *testing.T, producer func(q *taskQueue)) error {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	require.NoError(t, rt.VU.Runtime().Set("start", func() {
		q := newTaskQueue(rt.VU.RegisterCallback)
		go producer(q)
	}))
	_, err := rt.RunOnEventLoop(`start()`)
	return err
}

// TestTaskQueueOrder: functions queued from one goroutine run on the loop in order, all of them,
// also those queued just before Close.
func TestTaskQueueOrder(t *testing.T) {
	t.Parallel()
	var got []int // touched on the event loop only
	err := runQueue(t, func(q *taskQueue) {
		for i := range 1000 {
			require.True(t, q.Queue(func() error { got = append(got, i); return nil }))
		}
		q.Close()
	})
	require.NoError(t, err)
	require.Len(t, got, 1000)
	for i, v := range got {
		require.Equal(t, i, v, "position %d", i)
	}
}

// TestTaskQueueCloseWhileDrainScheduled: Close right after Queue, before the drain ran: the queued
// function still runs, the loop ends, and a Queue once the drain is done reports false.
func TestTaskQueueCloseWhileDrainScheduled(t *testing.T) {
	t.Parallel()
	ran := 0
	done := make(chan struct{})
	var queue *taskQueue
	err := runQueue(t, func(q *taskQueue) {
		defer close(done)
		queue = q
		q.Queue(func() error {
			ran++
			return nil
		})
		q.Close()
		q.Close() // idempotent
	})
	require.NoError(t, err)
	<-done
	assert.Equal(t, 1, ran, "the function queued before Close ran once")
	assert.False(t, queue.Queue(func() error { ran++; return nil }), "Queue after the last drain")
	assert.Equal(t, 1, ran)
}

// TestTaskQueueCloseFromAnotherGoroutine: an idle queue closed from another goroutine releases the
// loop; Queue after that reports false and its function never runs.
func TestTaskQueueCloseFromAnotherGoroutine(t *testing.T) {
	t.Parallel()
	var q *taskQueue
	ranAfterClose := false
	err := runQueue(t, func(qq *taskQueue) {
		q = qq
		closed := make(chan struct{})
		go func() { qq.Close(); close(closed) }()
		<-closed
	})
	require.NoError(t, err)
	assert.False(t, q.Queue(func() error { ranAfterClose = true; return nil }), "Queue after Close and the last drain")
	assert.False(t, ranAfterClose)
}

// TestTaskQueueManyProducers: many goroutines queue at once (run with -race); every function runs
// once, each producer's in its order.
func TestTaskQueueManyProducers(t *testing.T) {
	t.Parallel()
	const producers, each = 8, 500
	next := make([]int, producers) // touched on the event loop only
	total := 0
	var outOfOrder []string
	err := runQueue(t, func(q *taskQueue) {
		var wg sync.WaitGroup
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					q.Queue(func() error {
						if next[p] != i {
							outOfOrder = append(outOfOrder, fmt.Sprintf("producer %d: %d before %d", p, i, next[p]))
						}
						next[p] = i + 1
						total++
						return nil
					})
				}
			}()
		}
		wg.Wait()
		q.Close()
	})
	require.NoError(t, err)
	assert.Equal(t, producers*each, total)
	assert.Empty(t, outOfOrder)
}

// TestTaskQueueErrorEndsTheLoop: a function's error skips the rest of its drain and ends the
// iteration with that error, as any event-loop callback's error does in k6.
func TestTaskQueueErrorEndsTheLoop(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	after := false
	queued := make(chan struct{})
	err := runQueue(t, func(q *taskQueue) {
		q.Queue(func() error { <-queued; return boom })
		q.Queue(func() error { after = true; return nil })
		close(queued)
		q.Close() // as the stream's goroutine does at its end: k6 waits for the reserved callback
	})
	require.ErrorIs(t, err, boom)
	assert.False(t, after, "a function queued after the failing one in its drain ran")
}
