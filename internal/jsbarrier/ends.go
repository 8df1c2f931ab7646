package jsbarrier

import (
	"context"
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
	// cores are the barriers this process used, by name, and segment its execution segment
	// ("0:1": the whole test), for the record of the run's end (RecordRunEnd).
	cores   map[string]*barrier.Barrier
	segment string
}

// barrierEnd is one barrier's account: the settles of its waits and arrivals by outcome, and the
// last of each.
type barrierEnd struct {
	waits, arrivals       map[barrier.Outcome]int
	lastWait, lastArrival string
}

func newEnds() *ends {
	return &ends{barriers: map[string]*barrierEnd{}, cores: map[string]*barrier.Barrier{}, segment: "0:1"}
}

// used notes that this process uses core, running execution segment segment.
func (e *ends) used(core *barrier.Barrier, segment string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.cores[core.Options().Name]; !ok {
		e.cores[core.Options().Name] = core
	}
	e.segment = segment
}

// testEnded is what this process does at k6's TestEnd event (the end of the test, exec.test.abort(),
// a threshold's abort, SIGTERM or Ctrl+C: k6 emits TestEnd once its scheduler stopped, whatever
// stopped it): it withdraws its participants from the rendezvous of every Redis barrier it used, so
// that the other k6 instances' phases need them no more at once, not when the process's lease
// expires; records its run's end; and logs one line per barrier.
func (e *ends) testEnded(logger logrus.FieldLogger) {
	e.withdraw(logger)
	e.recordRunEnd(logger)
	e.report(logger)
}

// usedCores returns the barriers this process used, and its execution segment.
func (e *ends) usedCores() ([]*barrier.Barrier, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cores := make([]*barrier.Barrier, 0, len(e.cores))
	for _, c := range e.cores {
		cores = append(cores, c)
	}
	return cores, e.segment
}

// withdraw makes the participants of this process leave every Redis barrier it used
// (barrier.Withdraw).
func (e *ends) withdraw(logger logrus.FieldLogger) {
	cores, _ := e.usedCores()
	for _, c := range cores {
		ctx, cancel := context.WithTimeout(context.Background(), barrier.CallTimeout)
		_, err := c.Withdraw(ctx)
		cancel()
		if err != nil {
			logger.WithField("barrier", c.Options().Name).Warnf(
				"%v (the other k6 instances see its participants leave when its lease expires)", err)
		}
	}
}

// recordRunEnd records in each Redis barrier this process used that its test ended, so that
// `k6 x barrier watch` of a rendezvous ends with the run (barrier.RecordRunEnd).
func (e *ends) recordRunEnd(logger logrus.FieldLogger) {
	cores, segment := e.usedCores()
	for _, c := range cores {
		ctx, cancel := context.WithTimeout(context.Background(), barrier.CallTimeout)
		err := c.RecordRunEnd(ctx, segment)
		cancel()
		if err != nil {
			logger.WithField("barrier", c.Options().Name).Warnf("%v (k6 x barrier watch will not see the run end)", err)
		}
	}
}

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

// line is one barrier's line at the end of the test.
type line struct{ name, text string }

// lines returns one line per barrier, by name: how its waits and arrivals of this process settled.
func (e *ends) lines() []line {
	e.mu.Lock()
	defer e.mu.Unlock()
	names := make([]string, 0, len(e.barriers))
	for name := range e.barriers {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]line, 0, len(names))
	for _, name := range names {
		be := e.barriers[name]
		var parts []string
		if len(be.waits) > 0 {
			parts = append(parts, fmt.Sprintf("wait(): %s; the last: %s", counted(be.waits), be.lastWait))
		}
		if len(be.arrivals) > 0 {
			parts = append(parts, fmt.Sprintf("arrive(): %s; the last: %s", counted(be.arrivals), be.lastArrival))
		}
		out = append(out, line{name, fmt.Sprintf("barrier %s at the end of the test: %s", name, strings.Join(parts, "; "))})
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
	for _, l := range e.lines() {
		if bad[l.name] {
			logger.WithField("barrier", l.name).Warn(l.text)
		} else {
			logger.WithField("barrier", l.name).Info(l.text)
		}
	}
}

// watchTestEnd ends the process's part in its barriers at k6's TestEnd event (testEnded; a runtime
// without k6's events, as in unit tests, has none).
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
				root.ends.testEnded(logger)
			}
			if ev.Done != nil {
				ev.Done()
			}
		}
	}()
}
