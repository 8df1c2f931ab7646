package barrier

import (
	"context"
	"sync"
	"time"
)

// backend stores one barrier's accounting. Implementations: memoryBackend
// (in-process) and redisBackend. All methods are safe for concurrent use.
type backend interface {
	// record accounts id as joined (reason "") or failed with reason,
	// unless id was accounted before. created is when the barrier's state
	// was first written (zero when unknown).
	record(ctx context.Context, id, reason string) (rec Record, created time.Time, err error)
	// counts reads the current counts in one step (one Redis round trip).
	counts(ctx context.Context) (counts, error)
	// missing returns up to limit ids in 1..parties never accounted for,
	// ascending; it may stop once it found want of them.
	missing(ctx context.Context, parties, limit, want int) ([]int, error)
	// reset deletes the barrier's state and wakes its waiters.
	reset(ctx context.Context) error
	// where names the backend for messages: "redis <addr>" or "in-process".
	where() string
	// watch starts delivering change hints. It is ready when it returns: a
	// change after that is delivered.
	watch(ctx context.Context) (watcher, error)
	// progressClock paces the progress lines of the barrier's waits in this process.
	progressClock() *progressClock
}

// counts is a snapshot of a barrier's accounting.
type counts struct {
	joined   int
	failed   int
	failures map[string]int // per reason; nil when only totals are known
	// created is when the barrier's state was first written (Redis TIME);
	// zero when unknown (in-process, or no meta).
	created time.Time
	// epoch names the state counted (Redis: set by its first counting write; "" before it, and
	// in-process, where no state is lost); tombstone is the epoch the last reset deleted ("" when
	// none is known). A wait that counted one epoch and reads another, or none, lost its state
	// unless the tombstone names the epoch it counted.
	epoch, tombstone string
}

// watcher delivers hints that a barrier changed, in order.
type watcher interface {
	// ready receives a value when hints are waiting to be taken.
	ready() <-chan struct{}
	// take returns the hints delivered since the last take, oldest first.
	take() []hint
	close()
}

// hint tells a waiter that the barrier changed. When known is true, joined
// and failed are the totals right after the change (one atomic write), so
// the waiter can judge without a read: a hint that settles the wait is a
// release that was decided, and is delivered even when a reset follows at
// once. reset tells that reset() ended the round: the counts start again
// from zero. A hint with neither asks for a re-read.
type hint struct {
	joined, failed int
	known          bool
	reset          bool
}

// mergeable reports whether two successive hints can become one: two known
// counts of one round (counts only grow within a round, so the later one
// holds the earlier), or two of a kind otherwise. A reset is never merged
// into counts, so that each round's last counts reach the waiter.
func (h hint) mergeable(o hint) bool {
	return h.reset == o.reset && h.known == o.known
}

// merge combines two mergeable hints that arrived before the waiter looked.
func (h hint) merge(o hint) hint {
	if !h.known {
		return o
	}
	return hint{joined: max(h.joined, o.joined), failed: max(h.failed, o.failed), known: true}
}

// hintBox is a queue of hints with one sender that never blocks: successive
// mergeable hints become one, so it stays short (it grows only by resets and
// resubscriptions between two takes).
type hintBox struct {
	mu     sync.Mutex
	queue  []hint
	signal chan struct{}
}

func newHintBox() *hintBox { return &hintBox{signal: make(chan struct{}, 1)} }

func (b *hintBox) put(h hint) {
	b.mu.Lock()
	if n := len(b.queue); n > 0 && b.queue[n-1].mergeable(h) {
		b.queue[n-1] = b.queue[n-1].merge(h)
	} else {
		b.queue = append(b.queue, h)
	}
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

func (b *hintBox) ready() <-chan struct{} { return b.signal }

func (b *hintBox) take() []hint {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue
	b.queue = nil
	return q
}
