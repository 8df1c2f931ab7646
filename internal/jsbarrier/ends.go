package jsbarrier

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// eventTestEnd is k6's event.TestEnd (a global event, emitted once when the test's execution ended,
// teardown() included), whose package is internal to k6; the shim's internal/event has the same.
const eventTestEnd = 3

// ends keeps how each barrier's wait() and arrive() calls of this process settled, for one line per
// barrier at the end of the test. One per process.
type ends struct {
	mu       sync.Mutex
	barriers map[string]*barrierEnd
}

// barrierEnd is one barrier's account: the settles of its waits and arrivals by outcome, and the
// last of each.
type barrierEnd struct {
	waits, arrivals       map[barrier.Outcome]int
	lastWait, lastArrival string
}

func newEnds() *ends { return &ends{barriers: map[string]*barrierEnd{}} }

// record counts one settle of a wait() (kind "wait") or an arrive() of barrier name with outcome,
// line being its result's one line.
func (e *ends) record(name, kind string, outcome barrier.Outcome, line string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	be := e.barriers[name]
	if be == nil {
		be = &barrierEnd{waits: map[barrier.Outcome]int{}, arrivals: map[barrier.Outcome]int{}}
		e.barriers[name] = be
	}
	if kind == "wait" {
		be.waits[outcome]++
		be.lastWait = line
		return
	}
	be.arrivals[outcome]++
	be.lastArrival = line
}

// lines returns one line per barrier, by name: how its waits and arrivals of this process settled.
func (e *ends) lines() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	names := make([]string, 0, len(e.barriers))
	for name := range e.barriers {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, name := range names {
		be := e.barriers[name]
		var parts []string
		if len(be.waits) > 0 {
			parts = append(parts, fmt.Sprintf("wait(): %s; the last: %s", counted(be.waits), be.lastWait))
		}
		if len(be.arrivals) > 0 {
			parts = append(parts, fmt.Sprintf("arrive(): %s; the last: %s", counted(be.arrivals), be.lastArrival))
		}
		out = append(out, fmt.Sprintf("barrier %s at the end of the test: %s", name, strings.Join(parts, "; ")))
	}
	return out
}

// counted says outcomes as "3 met, 1 timeout", by outcome name.
func counted(m map[barrier.Outcome]int) string {
	keys := make([]string, 0, len(m))
	for o := range m {
		keys = append(keys, string(o))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[barrier.Outcome(k)], k)
	}
	return strings.Join(parts, ", ")
}

// report logs the lines at the end of the test: a barrier with a wait() not met, or an arrive()
// not released (other than one that k6 stopped, aborted), is a warning, the others are info.
func (e *ends) report(logger logrus.FieldLogger) {
	e.mu.Lock()
	bad := map[string]bool{}
	for name, be := range e.barriers {
		for o, n := range be.waits {
			bad[name] = bad[name] || (n > 0 && o != barrier.OutcomeMet)
		}
		for o, n := range be.arrivals {
			bad[name] = bad[name] || (n > 0 && o != barrier.OutcomeReleased && o != barrier.OutcomeAborted)
		}
	}
	e.mu.Unlock()
	for _, line := range e.lines() {
		name := strings.TrimPrefix(line, "barrier ")
		name = name[:strings.Index(name, " at the end of the test")]
		if bad[name] {
			logger.WithField("barrier", name).Warn(line)
		} else {
			logger.WithField("barrier", name).Info(line)
		}
	}
}

// watchTestEnd reports the process's barriers at k6's TestEnd event (a runtime without k6's events,
// as in unit tests, has none).
func (root *RootModule) watchTestEnd(mi *ModuleInstance) {
	global := mi.vu.Events().Global
	env := mi.vu.InitEnv()
	if global == nil || env == nil || env.TestPreInitState == nil || env.Logger == nil {
		return
	}
	logger := env.Logger
	_, events := global.Subscribe(eventTestEnd)
	go func() {
		for ev := range events {
			if ev.Type == eventTestEnd {
				root.ends.report(logger)
			}
			if ev.Done != nil {
				ev.Done()
			}
		}
	}()
}
