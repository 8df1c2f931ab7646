package barrier

import "time"

// The timings of the barrier core, in one place: how long each call may take, how often a waiter
// re-reads, how long it tolerates failing reads or waits for a notice. The bounds of the options a
// user sets (ttl, timeouts) are rules, in options.go; a rendezvous's default timeout is in
// rendezvous.go beside its other defaults.

// Every call of a Barrier, and the clients under it.

// CallTimeout bounds each join, fail, status and reset call, whatever Redis does (a wait is bounded
// by its own timeout).
const CallTimeout = 10 * time.Second

// Timeouts of the shared Redis clients, unless the URL sets them (dial_timeout, read_timeout,
// write_timeout, pool_timeout, max_retries): each bounds one step of one command, so that a stalled
// or unreachable Redis fails a call in seconds. On top of them every call of a Barrier has a hard
// bound: CallTimeout for join, fail, status and reset, the wait's own timeout for wait.
const (
	DialTimeout  = 3 * time.Second
	ReadTimeout  = 3 * time.Second
	WriteTimeout = 3 * time.Second
	PoolTimeout  = 4 * time.Second
	// maxRetries is how often go-redis itself retries a command after a network error: never, as
	// the failoverHook of every client retries (see failover.go), knowing which retries are safe.
	maxRetries = -1
)

// batchTimeout bounds one batch's round trip: a little over CallTimeout, so that each caller's own
// bound (boundCall) ends its call first and words the error.
const batchTimeout = CallTimeout + time.Second

// A wait.

// FallbackInterval is how often a Redis waiter re-reads the counts even
// without a published change, so that a lost message (a write by another
// program, a pub/sub connection dropped at the wrong moment) delays a
// release by at most this much. It makes an idle waiter cost one command
// per interval.
const FallbackInterval = time.Second

// readErrorGrace is how long a wait tolerates failing reads (for example
// while Redis restarts) before it gives up with the error, unless its
// deadline comes first.
const readErrorGrace = 10 * time.Second

// settleGrace bounds the last reads of a wait that ends by timeout or abort
// (a write may have raced the deadline; the missing ids), so that it
// settles within its timeout plus this, even when Redis stalls.
const settleGrace = 500 * time.Millisecond

// retryInterval is how soon a wait retries a failed subscribe or read.
const retryInterval = 250 * time.Millisecond

// readBound bounds each subscribe and read of a wait, so that a stalled
// Redis is noticed (and reported by progress lines) while the wait goes on.
const readBound = time.Second

// staleSlack allows for clock skew between Redis and this host.
const staleSlack = 2 * time.Second

// Failover (Redis Cluster, Sentinel).

// failoverBackoffMin and failoverBackoffMax bound the pause between two attempts of a command that
// found no master (see failover.go).
const (
	failoverBackoffMin = 50 * time.Millisecond
	failoverBackoffMax = 500 * time.Millisecond
)

// failoverGrace is how long a wait on a Redis Cluster or behind Sentinel keeps retrying reads that
// fail because no master answers (a failover), before it gives up with the error: longer than
// readErrorGrace, since a failover takes the cluster-node-timeout (15 s by default) or the
// Sentinel's down-after-milliseconds plus an election. The wait's own timeout still comes first.
const failoverGrace = time.Minute

// The rendezvous.

// hubLinger is how long a process keeps a barrier's phase subscription without waiters, so that a
// cyclic barrier used every iteration does not resubscribe every phase.
const hubLinger = 30 * time.Second

// lateMargin is how much before the client gives an arrival up Redis stops counting it: the reply
// still has to travel back.
const lateMargin = 50 * time.Millisecond

// The Inspector (k6 x barrier).

// ListTimeout bounds a List or a reset plan: they SCAN the whole key space of every master.
const ListTimeout = time.Minute
