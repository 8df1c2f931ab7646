package main

import "sync"

// outcome says why a waiter's stream must stop waiting.
type outcome int

const (
	// promoted: the dispatcher took the user off the queue.
	promoted outcome = iota + 1
	// superseded: a newer connection of the same user took over the place.
	superseded
)

// waiter is the in-process handle of one open waiting stream.
type waiter struct {
	eventID, userID, connID string
	done                    chan struct{} // closed once, after outcome is set
	outcome                 outcome
}

// result returns why done was closed; call it only after <-w.done.
func (w *waiter) result() outcome { return w.outcome }

type waiterKey struct{ eventID, userID string }

// hub routes promotions from the dispatcher to the streams of this process.
type hub struct {
	mu      sync.Mutex
	waiters map[waiterKey]*waiter
}

// newHub returns an empty hub.
func newHub() *hub { return &hub{waiters: make(map[waiterKey]*waiter)} }

// register adds a stream and returns the older stream of the same user and
// event it replaces, if any. The caller enqueues the new connection first and
// then calls supersede(old): so the old stream's clean-up, which removes the
// user only while its own connection holds the place, cannot take the place
// from the new one.
func (h *hub) register(eventID, userID, connID string) (w, old *waiter) {
	w = &waiter{eventID: eventID, userID: userID, connID: connID, done: make(chan struct{})}
	k := waiterKey{eventID, userID}
	h.mu.Lock()
	defer h.mu.Unlock()
	old = h.waiters[k]
	h.waiters[k] = w
	return w, old
}

// supersede tells a stream replaced by register to end; nil is a no-op.
func (h *hub) supersede(old *waiter) {
	if old == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old.outcome = superseded
	close(old.done) // old left the map in register, so promote cannot close it
}

// unregister removes w if it is still the registered stream.
func (h *hub) unregister(w *waiter) {
	k := waiterKey{w.eventID, w.userID}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.waiters[k] == w {
		delete(h.waiters, k)
	}
}

// promote tells the stream holding p's place that it was promoted, and
// reports whether such a stream is open in this process.
func (h *hub) promote(eventID string, p promotion) bool {
	k := waiterKey{eventID, p.UserID}
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.waiters[k]
	if w == nil || w.connID != p.ConnID {
		return false
	}
	delete(h.waiters, k)
	w.outcome = promoted
	close(w.done)
	return true
}
