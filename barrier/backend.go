package barrier

import (
	"context"
	"time"
)

// backend stores one barrier's accounting. Implementations: memoryBackend
// (in-process) and redisBackend. All methods are safe for concurrent use.
type backend interface {
	// record accounts id as joined (reason "") or failed with reason,
	// unless id was accounted before.
	record(ctx context.Context, id, reason string) (Record, error)
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
}

// counts is a snapshot of a barrier's accounting.
type counts struct {
	joined   int
	failed   int
	failures map[string]int // per reason; nil when only totals are known
}

// watcher delivers hints that a barrier changed.
type watcher interface {
	// hints receives a hint after changes; several changes may be merged
	// into one hint.
	hints() <-chan hint
	// fallback is how often the waiter should re-read anyway, because hints
	// can be lost (0: never).
	fallback() time.Duration
	close()
}

// hint tells a waiter that the barrier changed. When known is true, joined
// and failed are the totals right after the change, so the waiter can judge
// without a read; otherwise it must re-read.
type hint struct {
	joined, failed int
	known          bool
}

// merge combines two hints that arrived before the waiter looked.
func (h hint) merge(o hint) hint {
	if !h.known || !o.known {
		return hint{}
	}
	return hint{joined: max(h.joined, o.joined), failed: max(h.failed, o.failed), known: true}
}

// hintBox is a one-slot mailbox of hints with a single sender: a newer hint
// merges into one not yet received, so the sender never blocks.
type hintBox chan hint

func newHintBox() hintBox { return make(hintBox, 1) }

func (b hintBox) put(h hint) {
	for {
		select {
		case b <- h:
			return
		default:
		}
		select {
		case old := <-b:
			h = old.merge(h)
		default:
		}
	}
}
