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
//
//nolint:gochecknoglobals // the process's registry, shared by the VUs (each a runtime of its own) of one k6 process
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
	// watchers get a hint on every change, under mu: a change after watch
	// returned is delivered, in order.
	watchers map[*memoryWatcher]struct{}
	progress progressClock
	// phases is the barrier's rendezvous state.
	phases *memoryPhases
}

func newMemoryState(parties int) *memoryState {
	return &memoryState{
		joined:   map[string]struct{}{},
		failed:   map[string]string{},
		failures: map[string]int{},
		watchers: map[*memoryWatcher]struct{}{},
		phases:   newMemoryPhases(parties),
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
		s = newMemoryState(o.Parties)
		memoryRegistry.states[key] = s
	}
	return &memoryBackend{state: s}
}

// notifyLocked gives every watcher h; s.mu must be held.
func (s *memoryState) notifyLocked(h hint) {
	for w := range s.watchers {
		w.put(h)
	}
}

func (m *memoryBackend) record(_ context.Context, id, reason string) (Record, time.Time, error) {
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.joined[id]; ok {
		return Record{Previous: "joined"}, time.Time{}, nil
	}
	if prev, ok := s.failed[id]; ok {
		return Record{Previous: "failed:" + prev}, time.Time{}, nil
	}
	if reason == "" {
		s.joined[id] = struct{}{}
	} else {
		s.failed[id] = reason
		s.failures[reason]++
	}
	s.notifyLocked(hint{joined: len(s.joined), failed: len(s.failed), known: true})
	return Record{Counted: true}, time.Time{}, nil
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
	s.notifyLocked(hint{reset: true})
	return nil
}

func (m *memoryBackend) where() string { return "in-process" }

func (m *memoryBackend) progressClock() *progressClock { return &m.state.progress }

func (m *memoryBackend) watch(context.Context) (watcher, error) {
	w := &memoryWatcher{hintBox: newHintBox(), state: m.state}
	m.state.mu.Lock()
	m.state.watchers[w] = struct{}{}
	m.state.mu.Unlock()
	return w, nil
}

// memoryWatcher receives the hints of one in-process barrier.
type memoryWatcher struct {
	*hintBox
	state *memoryState
}

func (w *memoryWatcher) close() {
	w.state.mu.Lock()
	delete(w.state.watchers, w)
	w.state.mu.Unlock()
}
