package jseventsource

import (
	"sync"

	"github.com/xk6-barrier/xk6-barrier/sse"
)

// minQueuedBytes is the least byte budget of a stream (see queueBudget): 1 MiB, thousands of
// small events, enough to keep a VU busy while the stream reads on.
const minQueuedBytes = 1 << 20

// eventOverhead is what an event costs beyond its strings, counted against the budget: the Go
// event and its share of the batch, and the JS object made of it.
const eventOverhead = 128

// queueBudget returns how many bytes of events a stream may hold read but not yet handed to the
// script: max(1 MiB, 2 × maxEventSize) (maxEventSize < 1: the default, 1 MiB; so 2 MiB by default). A VU that handles
// events slower than they arrive fills it; the stream then stops reading, and the server is slowed
// by TCP's (HTTP/1.1) or HTTP/2's flow control, instead of the events piling up in memory. Twice
// the largest event lets one event be decoded while another waits for the script.
func queueBudget(maxEventSize int) int {
	if maxEventSize < 1 {
		maxEventSize = sse.DefaultMaxEventSize
	}
	return max(minQueuedBytes, 2*maxEventSize)
}

// batchBytes is what a batch counts against the budget: its strings and eventOverhead per event.
func batchBytes(b sse.Batch) int {
	n := 0
	for _, e := range b.Events {
		n += len(e.Data) + len(e.LastEventID) + len(e.Type) + eventOverhead
	}
	return n
}

// byteBudget bounds the bytes of the batches queued for the script. One goroutine (the stream's)
// acquires; any may release.
type byteBudget struct {
	mu    sync.Mutex
	limit int
	used  int
	freed chan struct{} // holds a token once bytes were released since the last wait
}

func newByteBudget(limit int) *byteBudget {
	return &byteBudget{limit: limit, freed: make(chan struct{}, 1)}
}

// acquire takes n bytes of the budget, waiting until they are free, or until done is closed (then
// it reports false and takes nothing). A batch larger than the whole budget waits until nothing
// else is queued, and then takes the whole budget. It returns what it took, for release.
func (b *byteBudget) acquire(n int, done <-chan struct{}) (int, bool) {
	n = min(n, b.limit)
	for {
		b.mu.Lock()
		if b.used+n <= b.limit {
			b.used += n
			b.mu.Unlock()
			return n, true
		}
		b.mu.Unlock()
		select {
		case <-b.freed:
		case <-done:
			return 0, false
		}
	}
}

// release gives back n bytes taken by acquire.
func (b *byteBudget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	select {
	case b.freed <- struct{}{}:
	default:
	}
}
