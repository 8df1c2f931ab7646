package jsbarrier

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"go.k6.io/k6/v2/lib"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// A participant takes part in its rendezvous for as long as k6 runs its VU, and leaves
// (barrier.Leave: later phases need one fewer, across every instance) when k6 stops running it.
// What k6 tells an extension, and so what decides, with no clock involved:
//
//   - Each iteration's start: k6's per-VU IterStart event, after k6 set the VU's context to the
//     iteration's, a child of the VU's run context; the iteration ends with that context.
//   - A VU's run context ending while the VU waits in arrive(): k6 deactivated the VU (a hard stop,
//     the end of a duration plus gracefulStop, a hard ramp-down, the test's end). An iteration never
//     ends on its own while a promise of it is pending, so this is certain: it leaves at once.
//   - Between two iterations a VU is idle, and k6 says nothing to it when it deactivates it (a
//     graceful ramp-down, its iterations done, the end of a duration). But k6 counts the VUs it
//     runs (lib.ExecutionState.GetCurrentlyActiveVUsCount): for the closed-model executors
//     (constant-vus, ramping-vus, per-vu-iterations, shared-iterations) from the VU's activation to
//     its deactivation, for the arrival-rate ones while the VU runs an iteration. So when k6's count
//     is no more than the VUs of this process inside an iteration, no VU k6 runs is idle: every idle
//     participant was deactivated, and leaves. While the count is higher, some idle VU still runs
//     (its next iteration is on its way, however late a loaded machine starts it) and none leaves.
//   - Under constant-arrival-rate and ramping-arrival-rate, a VU waits between iterations for its
//     next start and still takes part: a rendezvous there is a gate of its parties' arrivals. Its
//     participants leave when k6's account of their scenario says it is over (its ScenarioState's
//     progress reached 1: k6 starts no more iterations), or, as everywhere, when k6 ends the VU's
//     context while it waits in arrive().
//
// A participant that left counts again at its next arrive().

// schedulerPoll is how often the process reads k6's count of active VUs while a participant is
// idle. It bounds how late a leave follows k6's deactivation; it never makes a leave happen early.
const schedulerPoll = 20 * time.Millisecond

// eventIterStart is k6's event.IterStart, whose package is internal to k6 (the value is part of
// its event API; the shim's internal/event has the same).
const eventIterStart = 4

// Executor types whose VUs wait between iterations while still active (lib.ScenarioState.Executor).
const (
	executorConstantArrivalRate = "constant-arrival-rate"
	executorRampingArrivalRate  = "ramping-arrival-rate"
)

// scheduler is k6's account of this process's VUs as the rendezvous reads it: how many run an
// iteration now, which participants are idle, and k6's ExecutionState. One per process.
type scheduler struct {
	poll time.Duration

	mu        sync.Mutex
	iterating int64                  // VUs of this process inside an iteration
	idle      map[*presence]struct{} // participants whose VU is between two iterations
	es        *lib.ExecutionState    // from the first iteration's context
	watching  bool                   // watch runs
}

func newScheduler(poll time.Duration) *scheduler {
	return &scheduler{poll: poll, idle: map[*presence]struct{}{}}
}

// presence is one VU's participation in rendezvous: the participants it arrived as, that leave when
// k6 stops running the VU.
type presence struct {
	s      *scheduler
	logger logrus.FieldLogger // nil: silent

	// guarded by s.mu
	joined    map[*barrier.Barrier]map[string]string // core -> id -> barrier name
	gen       uint64                                 // iterations started, as watched
	iterating bool
	waiting   int                // arrive() calls under way
	scenario  *lib.ScenarioState // of the VU's latest iteration
	leaving   chan struct{}      // closed when the leaves under way are done
}

func newPresence(s *scheduler) *presence {
	done := make(chan struct{})
	close(done)
	return &presence{s: s, joined: map[*barrier.Barrier]map[string]string{}, leaving: done}
}

// watchIterations follows the VU's iterations through k6's per-VU IterStart event (a runtime
// without k6's events, as in unit tests, has none to follow).
func (mi *ModuleInstance) watchIterations() {
	local := mi.vu.Events().Local
	if local == nil {
		return
	}
	_, events := local.Subscribe(eventIterStart)
	vu, p := mi.vu, mi.presence
	go func() {
		for e := range events {
			if e.Type == eventIterStart {
				// k6 set the VU's context to the new iteration's before it emitted the event, and
				// waits for Done: reading it here is ordered after that write.
				p.iterStarted(vu.Context())
			}
			if e.Done != nil {
				e.Done()
			}
		}
	}()
}

// iterStarted: the VU runs an iteration, whose context is ctx (a child of the VU's run context,
// carrying k6's ExecutionState and ScenarioState); the end of ctx is the iteration's end.
func (p *presence) iterStarted(ctx context.Context) {
	s := p.s
	s.mu.Lock()
	if !p.iterating {
		p.iterating = true
		s.iterating++
	}
	delete(s.idle, p)
	p.gen++
	gen := p.gen
	p.scenario = lib.GetScenarioState(ctx)
	if s.es == nil {
		s.es = lib.GetExecutionState(ctx)
	}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { p.iterEnded(gen) })
}

// iterEnded: the VU's iteration gen ended (the end of an iteration after which another one started
// already changes nothing). A participant becomes idle, unless an arrive() of it is under way:
// then k6 ended the VU's run context, and arriveEnded makes it leave.
func (p *presence) iterEnded(gen uint64) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != p.gen || !p.iterating {
		return
	}
	p.iterating = false
	s.iterating--
	if len(p.joined) == 0 || p.waiting > 0 {
		return
	}
	s.idle[p] = struct{}{}
	if !s.watching {
		s.watching = true
		go s.watch()
	}
}

// arriving records that the VU takes part in core's phases as id, and that an arrive() of it is
// under way. It returns a channel closed once no leave of the VU is under way, for the arrival to
// wait on (a leave after it would withdraw it).
func (p *presence) arriving(core *barrier.Barrier, name, id string, logger logrus.FieldLogger) <-chan struct{} {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if p.logger == nil && logger != nil {
		p.logger = logger
	}
	if p.joined[core] == nil {
		p.joined[core] = map[string]string{}
	}
	p.joined[core][id] = name
	p.waiting++
	return p.leaving
}

// arriveEnded: an arrive() of the VU settled; ctxEnded says whether the VU's context had ended by
// then: k6 deactivated the VU while it waited (or the test ended), and it leaves at once.
func (p *presence) arriveEnded(ctxEnded bool) {
	p.s.mu.Lock()
	p.waiting--
	leave := ctxEnded && p.waiting == 0
	p.s.mu.Unlock()
	if leave {
		p.leaveAll("k6 ended its VU's context while it waited in arrive()")
	}
}

// watch reads k6's account while a participant is idle, and makes those that k6 no longer runs
// leave (see the top of this file).
func (s *scheduler) watch() {
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for range tick.C {
		s.mu.Lock()
		if len(s.idle) == 0 {
			s.watching = false
			s.mu.Unlock()
			return
		}
		// No VU that k6 counts as active is idle: every idle VU of a closed-model executor was
		// deactivated.
		noneIdleRuns := s.es != nil && s.es.GetCurrentlyActiveVUsCount() <= s.iterating
		var gone []*presence
		for p := range s.idle {
			if arrivalRate(p.scenario) {
				if scenarioOver(p.scenario) {
					gone = append(gone, p)
				}
				continue
			}
			if noneIdleRuns {
				gone = append(gone, p)
			}
		}
		for _, p := range gone {
			delete(s.idle, p)
		}
		s.mu.Unlock()
		for _, p := range gone {
			p.leaveAll("k6 stopped running its VU")
		}
	}
}

// arrivalRate says whether ss is a scenario of an arrival-rate executor.
func arrivalRate(ss *lib.ScenarioState) bool {
	return ss != nil && (ss.Executor == executorConstantArrivalRate || ss.Executor == executorRampingArrivalRate)
}

// scenarioOver says whether k6's progress of the scenario ss reached its end (k6 starts no more
// iterations of it).
func scenarioOver(ss *lib.ScenarioState) bool {
	if ss == nil || ss.ProgressFn == nil {
		return false
	}
	progress, _ := ss.ProgressFn()
	return progress >= 1
}

// leaveAll takes every participant of the VU out of its barriers' later phases; why says why.
func (p *presence) leaveAll(why string) {
	p.s.mu.Lock()
	joined := p.joined
	p.joined = map[*barrier.Barrier]map[string]string{}
	done := make(chan struct{})
	p.leaving = done
	logger := p.logger
	p.s.mu.Unlock()
	defer close(done)
	for core, ids := range joined {
		for id, name := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), barrier.CallTimeout)
			rec, err := core.Leave(ctx, id)
			cancel()
			if logger == nil {
				continue
			}
			l := logger.WithField("barrier", name)
			switch {
			case err != nil:
				l.Warnf("participant %s could not leave after its VU stopped: %v", id, err)
			case rec.Counted:
				l.Debugf("participant %s left at phase %d: %s", id, rec.Phase, why)
			}
		}
	}
}
