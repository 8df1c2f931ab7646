package jseventsource

import "sync"

// taskQueue runs functions on a VU's event loop, many per loop turn, and keeps the loop (so the
// iteration) alive until it is closed. It holds one reserved callback of the event loop at a time:
// queueing schedules a drain with it, and the drain, on the loop, reserves the next one. Close
// releases the reservation; the functions queued before Close still run.
type taskQueue struct {
	register func() func(func() error) // the VU's RegisterCallback; called on the loop only

	mu        sync.Mutex
	tasks     []func() error
	enqueue   func(func() error) // the reservation, nil while a drain is scheduled
	scheduled bool
	closed    bool
}

// newTaskQueue reserves the first callback. Call it on the event loop.
func newTaskQueue(register func() func(func() error)) *taskQueue {
	return &taskQueue{register: register, enqueue: register()}
}

// Queue adds f to run on the event loop; it is safe from any goroutine. It reports false when the
// queue was closed, and then f will not run.
func (q *taskQueue) Queue(f func() error) bool {
	q.mu.Lock()
	if q.closed && !q.scheduled {
		q.mu.Unlock()
		return false
	}
	q.tasks = append(q.tasks, f)
	if q.scheduled {
		q.mu.Unlock()
		return true
	}
	q.scheduled = true
	enqueue := q.enqueue
	q.enqueue = nil
	q.mu.Unlock()
	enqueue(q.drain)
	return true
}

// drain runs on the event loop: it takes every queued function, reserves the next callback unless
// the queue is closed, and runs them in order. An error stops the rest and ends the iteration, as
// any event-loop callback error does in k6.
func (q *taskQueue) drain() error {
	q.mu.Lock()
	tasks := q.tasks
	q.tasks = nil
	q.scheduled = false
	if !q.closed {
		q.enqueue = q.register()
	}
	q.mu.Unlock()
	for _, f := range tasks {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the event loop: once the functions queued so far have run, nothing keeps the
// iteration alive. It is idempotent and safe from any goroutine.
func (q *taskQueue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	enqueue := q.enqueue
	q.enqueue = nil
	q.mu.Unlock()
	if enqueue != nil { // no drain scheduled: release the reservation with a no-op
		enqueue(func() error { return nil })
	}
}
