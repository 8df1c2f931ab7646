package barrier

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// memoryPhasesFor returns the process's phase state of the barrier o names, kept beside its
// one-shot state (memoryRegistry).
func memoryPhasesFor(o Options) *memoryPhases {
	m := newMemoryBackend(o).state.phases
	m.mu.Lock()
	if !m.used { // else the first arrival fixed them
		m.parties = o.Parties
	}
	m.mu.Unlock()
	return m
}

// memoryPhases is the in-process phase state: the same rules as the Redis scripts, under a mutex.
// Every waiter of a phase waits on the phase's done channel; settling closes it, which releases
// them all at once.
type memoryPhases struct {
	parties int
	flight  arrivalsInFlight

	mu       sync.Mutex
	used     bool // some participant arrived since the last reset
	phase    int64
	arrived  int
	seen     map[string]int64 // id -> last phase it arrived at (or failed in)
	left     map[string]struct{}
	rule     phaseRule
	fixed    string // the rule (see phaseRule.fixed) the first arrival since the last reset fixed
	deadline *time.Timer
	timers   int64         // counts the deadline timers started: expire settles only for the current one
	done     chan struct{} // of the current phase
	log      map[int64]phaseRecord
	resets   chan struct{} // closed and replaced by reset
}

func newMemoryPhases(parties int) *memoryPhases {
	return &memoryPhases{
		parties: parties,
		seen:    map[string]int64{},
		left:    map[string]struct{}{},
		done:    make(chan struct{}),
		log:     map[int64]phaseRecord{},
		resets:  make(chan struct{}),
	}
}

func (m *memoryPhases) active() int { return max(0, m.parties-len(m.left)) }

func (m *memoryPhases) arrive(_ context.Context, id string, rule phaseRule) (arrival, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.seen[id]; ok && p == m.phase && m.arrivedAt(id) {
		return arrival{}, &ArrivedTwiceError{ID: id, Phase: m.phase}
	}
	if own := rule.fixed(); !m.used {
		m.fixed, m.parties = own, rule.parties
	} else if own != m.fixed {
		return arrival{}, &RuleMismatchError{Fixed: m.fixed, Own: own}
	}
	m.used = true
	delete(m.left, id)
	m.seen[id] = m.phase
	m.arrived++
	if m.arrived == 1 {
		m.rule = rule
		if m.deadline != nil { // of an arrival that left: its deadline is not this phase's any more
			m.deadline.Stop()
		}
		m.timers++
		timer := m.timers
		m.deadline = time.AfterFunc(time.Duration(rule.timeoutUs)*time.Microsecond, func() { m.expire(timer) })
	}
	a := arrival{phase: m.phase, remaining: time.Duration(m.rule.timeoutUs) * time.Microsecond, resets: m.resets}
	if rec, ok := m.dueLocked(); ok {
		a.settled = &rec
	}
	return a, nil
}

// arrivedAt reports whether id's arrival at the current phase counts (seen marks failures too).
func (m *memoryPhases) arrivedAt(id string) bool {
	_, isLeft := m.left[id]
	return !isLeft
}

// dueLocked settles the current phase when its quorum arrived.
func (m *memoryPhases) dueLocked() (phaseRecord, bool) {
	if m.arrived == 0 || m.arrived < m.rule.needed(m.active()) {
		return phaseRecord{}, false
	}
	return m.settleLocked(OutcomeReleased, "", ""), true
}

// settleLocked ends the current phase with outcome, releases its waiters and opens the next.
func (m *memoryPhases) settleLocked(outcome Outcome, reason, failedBy string) phaseRecord {
	active := m.active()
	rec := phaseRecord{
		phase: m.phase, outcome: outcome, arrived: m.arrived, needed: m.rule.needed(active), active: active,
		left: len(m.left), releasedAt: time.Now(), reason: reason, failedBy: failedBy,
	}
	rec.missingCount = max(0, active-m.arrived)
	if outcome != OutcomeReleased || rec.missingCount > 0 {
		m.fillMissingLocked(&rec)
	}
	if m.deadline != nil {
		m.deadline.Stop()
		m.deadline = nil
	}
	m.log[m.phase] = rec
	delete(m.log, m.phase-phaseLogSize)
	close(m.done)
	m.done = make(chan struct{})
	m.phase++
	m.arrived = 0
	return rec
}

// fillMissingLocked lists the ids among 1..parties (the first missingChunk) that take part and did
// not arrive at the current phase; the failing participant is named as such, not missing.
func (m *memoryPhases) fillMissingLocked(rec *phaseRecord) {
	if rec.failedBy != "" {
		if p, ok := m.seen[rec.failedBy]; !ok || p != m.phase || !m.arrivedAt(rec.failedBy) {
			if _, isLeft := m.left[rec.failedBy]; !isLeft {
				rec.missingCount = max(0, rec.missingCount-1)
			}
		}
	}
	for i := 1; i <= min(m.parties, missingChunk) && len(rec.missing) < MaxMissing; i++ {
		id := strconv.Itoa(i)
		if id == rec.failedBy {
			continue
		}
		if _, isLeft := m.left[id]; isLeft {
			continue
		}
		if p, ok := m.seen[id]; ok && p == m.phase {
			continue
		}
		rec.missing = append(rec.missing, i)
	}
}

// expire settles the current phase by its timeout policy at its deadline, when timer is still the
// phase's deadline timer: one replaced (its arrival left, another came first) settles nothing,
// even if it fired before it was stopped.
func (m *memoryPhases) expire(timer int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.timers != timer || m.deadline == nil || m.arrived == 0 {
		return
	}
	outcome := OutcomeTimeout
	if m.rule.onTimeout == TimeoutRelease {
		outcome = OutcomeReleasedOnTimeout
	}
	m.settleLocked(outcome, "", "")
}

// hold has nothing to ready in-process.
func (m *memoryPhases) hold(context.Context) (func(), error) { return func() {}, nil }

func (m *memoryPhases) await(ctx context.Context, a arrival) (phaseRecord, error) {
	phase := a.phase
	m.mu.Lock()
	if rec, ok := m.log[phase]; ok {
		m.mu.Unlock()
		return rec, nil
	}
	if phase != m.phase || a.resets != m.resets { // a reset came since the arrival
		m.mu.Unlock()
		return phaseRecord{}, errPhaseReset
	}
	done := m.done
	m.mu.Unlock()
	select {
	case <-done:
	case <-a.resets:
		return phaseRecord{}, errPhaseReset
	case <-ctx.Done():
		return phaseRecord{}, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rec, ok := m.log[phase]; ok {
		return rec, nil
	}
	return phaseRecord{}, errPhaseReset
}

func (m *memoryPhases) leave(_ context.Context, id string) (LeaveRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, isLeft := m.left[id]; isLeft {
		return LeaveRecord{Phase: m.phase}, nil
	}
	rec := LeaveRecord{Counted: true, Phase: m.phase}
	if p, ok := m.seen[id]; ok && p == m.phase {
		rec.Withdrawn = true
		m.arrived--
		m.seen[id] = m.phase - 1
	}
	m.left[id] = struct{}{}
	m.dueLocked()
	return rec, nil
}

func (m *memoryPhases) fail(_ context.Context, id, reason string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.used {
		return false, nil
	}
	heading := m.phase
	if p, ok := m.seen[id]; ok && p != m.phase {
		heading = p + 1
	}
	if heading != m.phase {
		return false, nil // a failure of a phase that already settled
	}
	m.settleLocked(OutcomeFailed, reason, id)
	m.seen[id] = m.phase - 1
	return true, nil
}

func (m *memoryPhases) reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deadline != nil {
		m.deadline.Stop()
		m.deadline = nil
	}
	close(m.resets)
	m.used, m.phase, m.arrived = false, 0, 0
	m.seen, m.left, m.log = map[string]int64{}, map[string]struct{}{}, map[int64]phaseRecord{}
	m.done, m.resets = make(chan struct{}), make(chan struct{})
	return nil
}

func (m *memoryPhases) arrivals(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.arrived, nil
}

func (m *memoryPhases) flights() *arrivalsInFlight { return &m.flight }
