// Package eventloop is the shim of k6's VU event loop. It keeps k6's rules:
//
//   - RegisterCallback reserves a future callback; the enqueue function it returns must be called
//     exactly once (a second call panics), from any goroutine;
//   - Start runs queued functions on the calling goroutine until the queue is empty AND no reserved
//     callback is outstanding, so an iteration waits for all the async work it started;
//   - an error returned by a queued function stops Start with that error;
//   - a promise rejected with no handler by the end of a batch stops Start with
//     "Uncaught (in promise) ...".
package eventloop

import (
	"errors"
	"sync"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"
)

// EventLoop runs a VU's JavaScript callbacks one at a time.
type EventLoop struct {
	mu       sync.Mutex
	queue    []func() error
	reserved int           // RegisterCallback calls whose enqueue function was not called yet
	wake     chan struct{} // signalled when something is queued

	vu         modules.VU
	unhandled  map[*sobek.Promise]struct{}
	unhandledL []*sobek.Promise // rejection order, so the first one is reported
}

// New returns an event loop for vu and installs its promise rejection tracker.
func New(vu modules.VU) *EventLoop {
	e := &EventLoop{wake: make(chan struct{}, 1), vu: vu, unhandled: map[*sobek.Promise]struct{}{}}
	vu.Runtime().SetPromiseRejectionTracker(e.trackRejection)
	return e
}

// RegisterCallback reserves a callback. Call it on the event loop; call the returned function
// exactly once, from any goroutine, with the function to run on the loop.
func (e *EventLoop) RegisterCallback() (enqueueCallback func(func() error)) {
	e.mu.Lock()
	e.reserved++
	e.mu.Unlock()
	called := false
	return func(f func() error) {
		e.mu.Lock()
		if called {
			e.mu.Unlock()
			panic("RegisterCallback called twice")
		}
		called = true
		e.reserved--
		e.queue = append(e.queue, f)
		e.mu.Unlock()
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

func (e *EventLoop) trackRejection(p *sobek.Promise, op sobek.PromiseRejectionOperation) {
	if op == sobek.PromiseRejectionReject {
		e.unhandled[p] = struct{}{}
		e.unhandledL = append(e.unhandledL, p)
		return
	}
	delete(e.unhandled, p)
}

// take removes and returns the queued functions and reports whether reserved callbacks remain.
func (e *EventLoop) take() ([]func() error, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queue
	e.queue = nil
	return q, e.reserved > 0
}

func (e *EventLoop) requeueFront(q []func() error) {
	e.mu.Lock()
	e.queue = append(q, e.queue...)
	e.mu.Unlock()
}

// Start runs firstCallback and then every queued function until nothing is queued or reserved, or
// until a function returns an error. After an error, call WaitOnRegistered before reusing the loop.
func (e *EventLoop) Start(firstCallback func() error) error {
	e.unhandled = map[*sobek.Promise]struct{}{}
	e.unhandledL = nil
	e.mu.Lock()
	e.queue = []func() error{firstCallback}
	e.mu.Unlock()
	for {
		q, reserved := e.take()
		if len(q) == 0 {
			if !reserved {
				return nil
			}
			<-e.wake
			continue
		}
		for i, f := range q {
			if err := f(); err != nil {
				e.requeueFront(q[i+1:])
				return err
			}
		}
		if err := e.unhandledRejection(); err != nil {
			return err
		}
	}
}

func (e *EventLoop) unhandledRejection() error {
	for _, p := range e.unhandledL {
		if _, still := e.unhandled[p]; !still {
			continue
		}
		res := p.Result()
		shown := res
		if !common.IsNullish(res) {
			if o := res.ToObject(e.vu.Runtime()); o != nil {
				if stack := o.Get("stack"); stack != nil {
					shown = stack
				}
			}
		}
		msg := "Uncaught (in promise) "
		if shown != nil {
			msg += shown.String()
		}
		if !common.IsNullish(res) {
			if cause, ok := res.Export().(error); ok {
				return &rejectionError{msg: msg, cause: cause}
			}
		}
		return errors.New(msg)
	}
	e.unhandledL = e.unhandledL[:0]
	return nil
}

type rejectionError struct {
	msg   string
	cause error
}

func (e *rejectionError) Error() string { return e.msg }
func (e *rejectionError) Unwrap() error { return e.cause }

// WaitOnRegistered runs queued functions, ignoring their errors, until nothing is queued or
// reserved: it waits for all async work to finish.
func (e *EventLoop) WaitOnRegistered() {
	for {
		q, reserved := e.take()
		if len(q) == 0 {
			if !reserved {
				return
			}
			<-e.wake
			continue
		}
		for _, f := range q {
			_ = f()
		}
	}
}
