// Package barrier is the protocol core of k6/x/barrier: a deterministic,
// run-scoped barrier that participants Join or Fail (with a reason) and that
// a controller Waits on until every expected participant is accounted for.
//
// A Barrier is backed by Redis (several k6 instances share it) or, when
// Options.Redis is empty, by an in-process registry (one k6 process). Both
// backends have the same semantics:
//
//   - Each participant id is accounted at most once: its first Join or Fail
//     counts; later calls for that id change nothing and report what was
//     recorded first (Record.Previous).
//   - Wait returns outcome met as soon as joined >= quorum and
//     failed <= maxFailures; it returns a *WaitError with outcome failed at
//     once when failed > maxFailures or when the quorum can no longer be
//     reached, timeout at the deadline, aborted when its context ends.
//   - Release is pushed: every counting write publishes the new counts, and a
//     waiter also re-reads on a slow fallback tick (FallbackInterval).
//
// The rendezvous (Arrive, Leave; rendezvous.go) is the cyclic use: every
// participant arrives at the current phase and all are released together.
// An Arrive resolves released only for the phase the backend counted it in:
// Redis state that vanished (expired keys, a restart without persistence, a
// reset or DEL elsewhere) is a *LostStateError, reported as outcome failed,
// never answered from what the process remembers; an arrival carries its
// deadline and Redis refuses it past that instant (no ghost arrival); one
// participant has at most one Arrive under way per process. When a
// participant stops being run (its VU stopped by k6) is the binding's to
// tell: it calls Leave.
//
// The package knows nothing of k6 or JavaScript (it imports neither): the
// k6/x/barrier module (internal/jsbarrier) and the `k6 x barrier` command
// (internal/barriercmd) are built on it, and any Go program can use it. It
// holds every default and every validation rule of a barrier. See keys.go for
// the Redis key layout.
package barrier
