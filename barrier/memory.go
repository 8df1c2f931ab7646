package barrier

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// memoryRegistry holds the in-process barriers by key prefix and name, so
// that every Barrier of one process with the same name shares one state. It
// lives as long as the process: one process is one run, so runId does not
// split it (a runId made at init, e.g. from Date.now(), differs between the
// VUs of one process and would silently give each VU a barrier of its own).
var memoryRegistry = struct {
	sync.Mutex
	states map[string]*memoryState
}{states: map[string]*memoryState{}}

// memoryState is one in-process barrier's accounting.
type memoryState struct {
	mu       sync.Mutex
	joined   map[string]struct{}
	failed   map[string]string // id -> reason
	failures map[string]int    // reason -> count
	changed  chan struct{}     // closed and replaced on every change
}

func newMemoryState() *memoryState {
	return &memoryState{
		joined:   map[string]struct{}{},
		failed:   map[string]string{},
		failures: map[string]int{},
		changed:  make(chan struct{}),
	}
}

// memoryBackend is the in-process backend.
type memoryBackend struct {
	state *memoryState
}

func newMemoryBackend(o Options) *memoryBackend {
	key := o.KeyPrefix + "\x00" + o.Name
	memoryRegistry.Lock()
	defer memoryRegistry.Unlock()
	s, ok := memoryRegistry.states[key]
	if !ok {
		s = newMemoryState()
		memoryRegistry.states[key] = s
	}
	return &memoryBackend{state: s}
}

// notifyLocked wakes every watcher; s.mu must be held.
func (s *memoryState) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (m *memoryBackend) record(_ context.Context, id, reason string) (Record, error) {
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.joined[id]; ok {
		return Record{Previous: "joined"}, nil
	}
	if prev, ok := s.failed[id]; ok {
		return Record{Previous: "failed:" + prev}, nil
	}
	if reason == "" {
		s.joined[id] = struct{}{}
	} else {
		s.failed[id] = reason
		s.failures[reason]++
	}
	s.notifyLocked()
	return Record{Counted: true}, nil
}

func (m *memoryBackend) counts(context.Context) (counts, error) {
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	f := make(map[string]int, len(s.failures))
	for reason, n := range s.failures {
		f[reason] = n
	}
	return counts{joined: len(s.joined), failed: len(s.failed), failures: f}, nil
}

func (m *memoryBackend) missing(_ context.Context, parties, limit, want int) ([]int, error) {
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for i := 1; i <= parties && len(out) < limit && len(out) < want; i++ {
		id := strconv.Itoa(i)
		if _, ok := s.joined[id]; ok {
			continue
		}
		if _, ok := s.failed[id]; ok {
			continue
		}
		out = append(out, i)
	}
	return out, nil
}

func (m *memoryBackend) reset(context.Context) error {
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joined = map[string]struct{}{}
	s.failed = map[string]string{}
	s.failures = map[string]int{}
	s.notifyLocked()
	return nil
}

func (m *memoryBackend) where() string { return "in-process" }

func (m *memoryBackend) watch(context.Context) (watcher, error) {
	w := &memoryWatcher{box: newHintBox(), done: make(chan struct{})}
	s := m.state
	s.mu.Lock()
	ch := s.changed
	s.mu.Unlock()
	go w.run(s, ch)
	return w, nil
}

// memoryWatcher turns the state's change channel into hints.
type memoryWatcher struct {
	box       hintBox
	done      chan struct{}
	closeOnce sync.Once
}

func (w *memoryWatcher) run(s *memoryState, ch chan struct{}) {
	for {
		select {
		case <-ch:
		case <-w.done:
			return
		}
		s.mu.Lock()
		ch = s.changed
		s.mu.Unlock()
		w.box.put(hint{}) // re-read: a mutex read is cheap
	}
}

func (w *memoryWatcher) hints() <-chan hint      { return w.box }
func (w *memoryWatcher) fallback() time.Duration { return 0 }
func (w *memoryWatcher) close()                  { w.closeOnce.Do(func() { close(w.done) }) }
