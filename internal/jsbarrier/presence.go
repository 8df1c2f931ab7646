package jsbarrier

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"go.k6.io/k6/v2/lib"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// A rendezvous ends when the test ends: a phase never waits for a VU that k6 will not run again.
// k6 tells an extension when each of its VU's iterations starts (the per-VU IterStart event of
// modules.VU.Events().Local) and the VU's context ends with each iteration, but k6 does not say
// when it deactivates a VU. It starts the next iteration of a VU that goes on at once; a VU that k6
// stops (a ramp-down, the end of a duration, its iterations done, the end of its scenario) ends
// its last iteration and starts none. So a participant whose VU's iteration ended and that started
// no other within leaveGrace (plus the test's minIterationDuration, the pause k6 may take between
// two iterations) leaves the barrier's phases (barrier.Leave): later phases need one fewer, across
// every instance. Its next arrive() counts it again. This is LoadRunner's rule, "release when all
// running Vusers arrive".
//
// The end of an iteration is its context's end (context.AfterFunc on the context the VU has when
// the iteration starts), not k6's IterEnd event: k6 waits for every IterEnd subscriber with the
// VU's context, and logs a warning for each VU it stops hard when that context ended first.

// leaveGrace is how long after an iteration's end a VU that starts no other leaves.
const leaveGrace = 500 * time.Millisecond

// eventIterStart is k6's event.IterStart, whose package is internal to k6 (the value is part of
// its event API; the shim's internal/event has the same).
const eventIterStart = 4

// presence is one VU's participation in rendezvous: the participants it arrived as, that leave
// when k6 stops running the VU.
type presence struct {
	grace  time.Duration
	logger logrus.FieldLogger // nil: silent

	mu      sync.Mutex
	joined  map[*barrier.Barrier]map[string]string // core -> id -> barrier name
	gen     uint64                                 // iterations started, as watched
	timer   *time.Timer
	leaving chan struct{} // closed when the leaves under way are done
}

func newPresence(grace time.Duration, logger logrus.FieldLogger) *presence {
	done := make(chan struct{})
	close(done)
	return &presence{grace: grace, logger: logger, joined: map[*barrier.Barrier]map[string]string{}, leaving: done}
}

// presenceOf returns the VU's presence, watching its iterations from its first arrive() on (state
// is the VU's, read on its event loop).
func (mi *ModuleInstance) presenceOf(state *lib.State) *presence {
	if mi.presence != nil {
		return mi.presence
	}
	var logger logrus.FieldLogger
	if state.Logger != nil {
		logger = state.Logger
	}
	p := newPresence(leaveGrace+state.Options.MinIterationDuration.TimeDuration(), logger)
	mi.presence = p
	local := mi.vu.Events().Local
	if local == nil { // a runtime without k6's events: nothing tells iterations apart
		return p
	}
	p.iterStarted(mi.vu.Context()) // the iteration under way: this arrive() is in it
	_, events := local.Subscribe(eventIterStart)
	vu := mi.vu
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
	return p
}

// arrived records that the VU takes part in core's phases as id. It returns a channel closed once
// no leave of the VU is under way, for the arrival to wait on (a leave after it would withdraw
// it).
func (p *presence) arrived(core *barrier.Barrier, name, id string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.joined[core] == nil {
		p.joined[core] = map[string]string{}
	}
	p.joined[core][id] = name
	return p.leaving
}

// iterStarted: the VU runs an iteration, whose context is ctx; a pending leave is called off, and
// the end of ctx is the iteration's end.
func (p *presence) iterStarted(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.gen++
	gen := p.gen
	context.AfterFunc(ctx, func() { p.iterEnded(gen) })
}

// iterEnded: the VU's iteration gen ended; unless it starts another within the grace, it leaves.
// The end of an iteration after which another one started already changes nothing.
func (p *presence) iterEnded(gen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen || len(p.joined) == 0 {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(p.grace, p.leaveAll)
}

// leaveAll takes every participant of the VU out of its barriers' later phases.
func (p *presence) leaveAll() {
	p.mu.Lock()
	joined := p.joined
	p.joined = map[*barrier.Barrier]map[string]string{}
	p.timer = nil
	done := make(chan struct{})
	p.leaving = done
	p.mu.Unlock()
	defer close(done)
	for core, ids := range joined {
		for id, name := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), barrier.CallTimeout)
			rec, err := core.Leave(ctx, id)
			cancel()
			if p.logger == nil {
				continue
			}
			l := p.logger.WithField("barrier", name)
			switch {
			case err != nil:
				l.Warnf("participant %s could not leave after its VU stopped: %v", id, err)
			case rec.Counted:
				l.Debugf("participant %s left at phase %d: its VU ended its iteration and k6 started no other within %s", id,
					rec.Phase, p.grace)
			}
		}
	}
}
