// Package barrier is the protocol core of k6/x/barrier: run-scoped barriers that k6 virtual users
// (or any Go program) share, used in two ways, and an Inspector that reads them from outside.
//
// A Barrier is backed by Redis (several k6 instances share it) or, when Options.Redis is empty, by an
// in-process registry (one k6 process). Both backends have the same semantics.
//
// The one-shot barrier: participants Join or Fail (with a reason) once, and a controller Waits until
// every expected participant is accounted for.
//
//   - Each participant id is accounted at most once: its first Join or Fail counts; later calls for
//     that id change nothing and report what was recorded first (Record.Previous).
//   - Wait returns outcome met as soon as joined >= quorum and failed <= maxFailures; it returns a
//     *WaitError with outcome failed at once when failed > maxFailures or when the quorum can no
//     longer be reached, timeout at the deadline, aborted when its context ends. Status reads the
//     counts now; Reset deletes the state.
//   - Release is pushed: every counting write publishes the new counts, and a waiter also re-reads
//     every FallbackInterval.
//   - On Redis every write is one Lua script (lua/*.lua, embedded; scripts.go), atomic in one round
//     trip; concurrent joins of a barrier are sent together in batches (batch.go).
//
// The rendezvous (rendezvous.go): the cyclic use of the same Barrier. Every participant Arrives at the
// current phase and waits; when the phase's rule holds (ArriveOptions: quorum, a count or a
// percentage of the parties still taking part; timeout, counted from the phase's first arrival and
// at most the barrier's TTL; OnTimeout, reject or release), all its waiters are released at once with
// a PhaseResult, and the barrier opens the next phase by itself. Leave takes a participant out for
// good (later phases need one fewer; its arrival at the current phase is withdrawn); a Fail by a
// participant breaks the phase it is heading to for all its waiters (a *PhaseError). On Redis each
// arrival is one script; the arrival that settles a phase writes its record to a short log and
// publishes it once, and the waiters of one process share one subscription per barrier
// (rendezvous_redis.go). Its state is apart from the one-shot accounting, under the same key prefix
// and scope. Its rules:
//   - An Arrive resolves released only for the phase the backend counted it in. Redis state that
//     vanished (expired keys, a restart without persistence, a reset or DEL elsewhere) is a
//     *LostStateError, reported as outcome failed (PhaseResult.Lost), never answered from what the
//     process remembers; every later Arrive of the process fails the same way until Reset.
//   - An arrival carries its deadline in Redis's clock and Redis refuses it past that instant, so an
//     Arrive given up at the client is never counted later (no ghost arrival).
//   - One participant has at most one Arrive under way per process (*ArrivedTwiceError otherwise).
//   - When a participant stops being run (its VU stopped by k6) is the binding's to tell: it calls
//     Leave.
//
// On a Redis Cluster or behind Sentinel (redis+cluster://, redis+sentinel://), a command that finds
// no master (a failover under way) is retried until the call's own bound, where a retry is safe: a
// join or fail stays exactly-once, and a rendezvous script is not sent again once it may have run
// (failover.go).
//
// The Inspector (inspector.go, inspect.go, list.go) reads, follows and deletes the barriers kept in a
// Redis without taking part in them, as `k6 x barrier` does: Inspect (a Snapshot of one barrier, read
// in one round trip: its counts, judged like Wait, its rendezvous phase, its keys and their TTLs),
// Watch (the changes, pushed, as a waiter sees them; a rendezvous phase after phase), List (every
// barrier of the key prefix, found with SCAN on every master at once, never KEYS, and read in one
// pipelined round trip per SCAN page; a barrier that cannot be read is listed with its error),
// PlanReset and Reset (delete only keys of the key layout).
//
// The package knows nothing of k6 or JavaScript (it imports neither): the k6/x/barrier module
// (internal/jsbarrier) and the `k6 x barrier` command (internal/barriercmd) are built on it, and any
// Go program can use it. It holds every default and every validation rule of a barrier. See keys.go
// for the Redis key layout.
package barrier
