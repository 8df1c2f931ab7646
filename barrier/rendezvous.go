package barrier

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
)

// The rendezvous is the cyclic use of a barrier: every participant Arrives at the current phase and
// waits; when the phase's rule holds, every waiter of the phase is released at once, and the barrier
// opens the next phase by itself. A participant that is done for good Leaves: later phases need one
// fewer. Fail breaks the phase the failing participant is heading to, for all its waiters at once.
//
// Its state is separate from the one-shot accounting (Join, Wait): in Redis, under the same prefix
// and scope (see phaseKeys), in-process, beside the barrier's state of the same name.

// Outcomes of an Arrive. OutcomeReleased and OutcomeReleasedOnTimeout return a nil error;
// OutcomeFailed, OutcomeTimeout and OutcomeAborted come in a *PhaseError.
const (
	OutcomeReleased          Outcome = "released"
	OutcomeReleasedOnTimeout Outcome = "released-on-timeout"
)

// DefaultArriveTimeout is an arrival's timeout unless given: the phase's hard stop, counted from its
// first arrival.
const DefaultArriveTimeout = time.Minute

// phaseLogSize is how many settled phases the state remembers, so that a waiter that missed a
// release message still finds its phase's record.
const phaseLogSize = 64

// OnTimeout is what happens to a phase whose deadline passes before its rule holds.
type OnTimeout string

// Timeout policies.
const (
	// TimeoutReject rejects the phase's waiters with outcome timeout (the default).
	TimeoutReject OnTimeout = "reject"
	// TimeoutRelease releases the waiters that arrived, with outcome released-on-timeout
	// (LoadRunner's rendezvous timeout policy).
	TimeoutRelease OnTimeout = "release"
)

// ArriveOptions configure one Arrive. The first arrival of a phase sets the phase's rule (quorum,
// timeout, onTimeout): give every Arrive of a barrier the same options.
type ArriveOptions struct {
	// Timeout is the phase's hard stop, counted from its first arrival. 0 means
	// DefaultArriveTimeout; at most MaxDuration.
	Timeout time.Duration
	// Quorum is how many arrivals release a phase; 0 means all parties still taking part (parties
	// minus those that left). Capped at the parties still taking part.
	Quorum int
	// QuorumPercent, when > 0, is the quorum as a percentage (0 < p <= 100) of the parties still
	// taking part, rounded up; it excludes Quorum.
	QuorumPercent float64
	// OnTimeout is the phase's timeout policy; "" means TimeoutReject.
	OnTimeout OnTimeout
	// Progress, when > 0 and OnProgress is set, calls OnProgress at that interval while the
	// arrival waits, with a one-line summary of its phase (how many arrived). One waiter per
	// process and phase reports, so that a thousand waiting VUs write one line, not a thousand.
	Progress time.Duration
	// OnProgress receives the progress lines; it runs on a goroutine of the arrival.
	OnProgress func(string)
}

// phaseRule is a phase's release rule, as the backends keep it.
type phaseRule struct {
	parties   int   // the barrier's parties, before those that left
	quorum    int   // 0: all active parties
	pct100    int   // quorum in hundredths of a percent of the active parties; 0: unused
	timeoutUs int64 // from the phase's first arrival
	onTimeout OnTimeout
}

// needed is how many arrivals release a phase with active parties taking part: at least 1.
func (r phaseRule) needed(active int) int {
	n := active
	switch {
	case r.pct100 > 0:
		n = (active*r.pct100 + 9999) / 10000
	case r.quorum > 0:
		n = min(r.quorum, active)
	}
	return max(1, n)
}

// fixed is the rule as the rendezvous's first arrival fixes it: parties|quorum|pct100|timeoutUs|onTimeout.
func (r phaseRule) fixed() string {
	return fmt.Sprintf("%d|%d|%d|%d|%s", r.parties, r.quorum, r.pct100, r.timeoutUs, r.onTimeout)
}

// describeRule says a fixed rule in words, e.g. "parties 10, quorum all, timeout 1m, onTimeout reject".
func describeRule(fixed string) string {
	f := strings.Split(fixed, "|")
	if len(f) != 5 {
		return fmt.Sprintf("%q", fixed)
	}
	quorum := "all"
	if pct, _ := strconv.Atoi(f[2]); pct > 0 {
		quorum = strconv.FormatFloat(float64(pct)/100, 'f', -1, 64) + "%"
	} else if f[1] != "0" {
		quorum = f[1]
	}
	us, _ := strconv.ParseInt(f[3], 10, 64)
	return fmt.Sprintf("parties %s, quorum %s, timeout %s, onTimeout %s",
		f[0], quorum, durfmt.Format(time.Duration(us)*time.Microsecond), f[4])
}

// RuleMismatchError is the error of an Arrive whose rule (parties, quorum, timeout, onTimeout)
// differs from the one the rendezvous's first arrival fixed.
type RuleMismatchError struct {
	Name string
	// Fixed is the rule fixed, Own this arrival's (see phaseRule.fixed).
	Fixed, Own string
}

func (e *RuleMismatchError) Error() string {
	return fmt.Sprintf("barrier %s: arrive: the rendezvous's rule was fixed by its first arrival as %s, "+
		"but this arrive() has %s: give every arrive() of a barrier, in every scenario and instance, the same "+
		"parties and options (or call reset() between two uses)", e.Name, describeRule(e.Fixed), describeRule(e.Own))
}

// resolve validates o against the barrier's options and returns the phase rule.
func (o ArriveOptions) resolve(b Options) (phaseRule, error) {
	if o.Timeout == 0 {
		o.Timeout = DefaultArriveTimeout
	}
	if o.OnTimeout == "" {
		o.OnTimeout = TimeoutReject
	}
	switch {
	case o.Timeout < time.Millisecond || o.Timeout > MaxDuration:
		return phaseRule{}, fmt.Errorf("barrier %s: arrive option timeout must be at least 1ms and at most %s, got %s",
			b.Name, durfmt.Format(MaxDuration), durfmt.Format(o.Timeout))
	case o.Quorum != 0 && ValidateQuorum(o.Quorum, b.Parties) != nil:
		return phaseRule{}, fmt.Errorf("barrier %s: arrive option %w", b.Name, ValidateQuorum(o.Quorum, b.Parties))
	case o.QuorumPercent < 0 || o.QuorumPercent > 100 || (o.QuorumPercent > 0 && o.QuorumPercent < 0.01):
		return phaseRule{},
			fmt.Errorf("barrier %s: arrive option quorum as a percentage must be more than 0%% and at most 100%%, got %g%%",
				b.Name, o.QuorumPercent)
	case o.QuorumPercent > 0 && o.Quorum > 0:
		return phaseRule{}, fmt.Errorf("barrier %s: arrive option quorum is either a count or a percentage, not both", b.Name)
	case o.Progress < 0 || o.Progress > MaxDuration:
		return phaseRule{}, fmt.Errorf("barrier %s: arrive option progress must be at most %s, got %s", b.Name,
			durfmt.Format(MaxDuration), durfmt.Format(o.Progress))
	case o.OnTimeout != TimeoutReject && o.OnTimeout != TimeoutRelease:
		return phaseRule{}, fmt.Errorf("barrier %s: arrive option onTimeout must be 'reject' or 'release', got %q", b.Name,
			string(o.OnTimeout))
	}
	return phaseRule{
		parties:   b.Parties,
		quorum:    o.Quorum,
		pct100:    int(o.QuorumPercent*100 + 0.5),
		timeoutUs: o.Timeout.Microseconds(),
		onTimeout: o.OnTimeout,
	}, nil
}

// phaseRecord is how one phase settled, as every waiter of the phase learns it.
type phaseRecord struct {
	phase        int64
	outcome      Outcome // released, released-on-timeout, failed or timeout
	arrived      int
	needed       int
	active       int // parties still taking part
	left         int
	releasedAt   time.Time // the settle instant (the backend's clock)
	missingCount int
	missing      []int
	reason       string // failed: the failure reason
	failedBy     string // failed: the participant that failed
}

// decodePhaseRecord parses a phase record's wire form, as the Lua scripts publish it and keep it in
// the phase log: phase|outcome|arrived|needed|active|left|releasedAtUs|missingCount|missing,...|reason|failedBy
// (failedBy last: an id may hold '|').
func decodePhaseRecord(s string) (phaseRecord, error) {
	f := strings.SplitN(s, "|", 11)
	if len(f) != 11 {
		return phaseRecord{}, fmt.Errorf("malformed phase record %q", truncate(s, 80))
	}
	var r phaseRecord
	var nums [7]int64
	for i, idx := range []int{0, 2, 3, 4, 5, 6, 7} {
		n, err := strconv.ParseInt(f[idx], 10, 64)
		if err != nil {
			return phaseRecord{}, fmt.Errorf("malformed phase record %q", truncate(s, 80))
		}
		nums[i] = n
	}
	r.phase, r.arrived, r.needed, r.active, r.left = nums[0], int(nums[1]), int(nums[2]), int(nums[3]), int(nums[4])
	r.releasedAt, r.missingCount = time.UnixMicro(nums[5]), int(nums[6])
	r.outcome = Outcome(f[1])
	if f[8] != "" {
		for _, m := range strings.Split(f[8], ",") {
			if id, err := strconv.Atoi(m); err == nil {
				r.missing = append(r.missing, id)
			}
		}
	}
	r.reason, r.failedBy = f[9], f[10]
	return r, nil
}

// arrival is what a backend's arrive tells: the phase the participant arrived at, and either the
// phase's record (this arrival settled it) or the time left until the phase's deadline.
type arrival struct {
	phase     int64
	settled   *phaseRecord
	remaining time.Duration
	waiters   *phaseWaiters // Redis: the process's waiters of the phase, this arrival among them
	resets    chan struct{} // in-process: closed by the first reset after the arrival
}

// LeaveRecord tells what a Leave did.
type LeaveRecord struct {
	// Counted is false when the participant had left before (and had not arrived since).
	Counted bool
	// Phase is the phase current when it left.
	Phase int64
	// Withdrawn is true when the participant had arrived at that phase: its arrival no longer
	// counts.
	Withdrawn bool
}

// phaseBackend keeps a barrier's phases. Implementations: memoryPhases, redisPhases.
type phaseBackend interface {
	// arrive accounts id at the current phase under rule, and settles the phase when it completes.
	// Arriving twice at one phase is an *ArrivedTwiceError.
	arrive(ctx context.Context, id string, rule phaseRule) (arrival, error)
	// await blocks until the phase of a (an arrival not settled by itself) settles and returns its
	// record. a.remaining is the time until the phase's deadline: then the backend settles the phase
	// by its timeout policy.
	await(ctx context.Context, a arrival) (phaseRecord, error)
	// hold readies what the arrivals of the process wait with (Redis: the session's subscription)
	// and keeps it until release is called.
	hold(ctx context.Context) (release func(), err error)
	// leave takes id out of later phases, withdrawing its arrival at the current one.
	leave(ctx context.Context, id string) (LeaveRecord, error)
	// fail breaks the phase id is heading to, when that is the current phase and the barrier has
	// phases at all; it reports whether it broke one.
	fail(ctx context.Context, id, reason string) (bool, error)
	// reset deletes the phase state; waiters get an error.
	reset(ctx context.Context) error
	// arrivals is how many participants wait at the current phase.
	arrivals(ctx context.Context) (int, error)
	// flights are the arrivals of this process under way.
	flights() *arrivalsInFlight
}

// arrivalsInFlight are the arrivals of one process at one barrier that have not settled at the
// client: one participant has at most one, on every backend (a second concurrent arrive() of one
// id is an *ArrivedTwiceError, whatever the backend's timing).
type arrivalsInFlight struct {
	mu sync.Mutex
	m  map[string]*flight
	// progress paces the arrivals' progress lines: one per interval for the process.
	progress progressClock
}

// flight is one arrival under way: phase is set, and known closed, once the backend counted it
// (phase -1 when it failed).
type flight struct {
	phase atomic.Int64
	known chan struct{}
	once  sync.Once
}

func (f *flight) counted(phase int64) {
	f.once.Do(func() { f.phase.Store(phase); close(f.known) })
}

// start registers an arrival of id, or returns the one under way.
func (a *arrivalsInFlight) start(id string) (f *flight, first bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if f, ok := a.m[id]; ok {
		return f, false
	}
	if a.m == nil {
		a.m = map[string]*flight{}
	}
	f = &flight{known: make(chan struct{})}
	f.phase.Store(-1)
	a.m[id] = f
	return f, true
}

// end removes id's arrival f.
func (a *arrivalsInFlight) end(id string, f *flight) {
	f.counted(-1)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m[id] == f {
		delete(a.m, id)
	}
}

// ArrivedTwiceError is the error of an Arrive of a participant that already arrived at the current
// phase.
type ArrivedTwiceError struct {
	Name  string
	ID    string
	Phase int64
}

func (e *ArrivedTwiceError) Error() string {
	if e.Phase < 0 {
		return fmt.Sprintf("barrier %s: arrive: participant %s already has an arrive() under way: "+
			"each participant arrives once per phase "+
			"(give each VU its own id, and arrive again only after this phase's arrive() settled)", e.Name, e.ID)
	}
	return fmt.Sprintf("barrier %s: arrive: participant %s already arrived at phase %d: "+
		"each participant arrives once per phase "+
		"(give each VU its own id, and arrive again only after this phase's arrive() settled)", e.Name, e.ID, e.Phase)
}

// errPhaseReset is the error of a waiter whose barrier was reset.
var errPhaseReset = errors.New("the barrier was reset while this arrival waited")

// PhaseResult is how one Arrive settled.
type PhaseResult struct {
	Outcome Outcome
	Name    string
	Phase   int64
	// Arrived is how many arrived at the phase when it settled; Quorum how many it needed; Parties
	// how many still took part (the barrier's parties minus Left).
	Arrived, Quorum, Parties, Left int
	// Waited is how long this Arrive took.
	Waited time.Duration
	// ReleasedAt is when the phase settled (the Redis server's clock, or this process's).
	ReleasedAt time.Time
	// MissingCount is how many of the parties taking part had not arrived; Missing lists up to
	// MaxMissing of their ids among 1..parties (the first 10,000) when the phase did not settle
	// by its quorum.
	MissingCount int
	Missing      []int
	// Reason and FailedBy say which failure broke a failed phase.
	Reason, FailedBy string
	// ReadError is set when the phase's outcome could not be read (Redis failing) before the
	// timeout.
	ReadError string
	// Lost is set, with outcome failed, when the rendezvous state vanished from Redis (see
	// LostStateError): what was lost and why it may have been.
	Lost string
}

// String is the one-line summary, e.g.
// "barrier default: phase 3 released after 1.2s: arrived 1000/1000, left 0".
func (r PhaseResult) String() string {
	var b strings.Builder
	if r.Phase < 0 { // ended before its phase was known
		fmt.Fprintf(&b, "barrier %s: arrival %s after %s", r.Name, r.Outcome, roundDuration(r.Waited))
	} else {
		fmt.Fprintf(&b, "barrier %s: phase %d %s after %s", r.Name, r.Phase, r.Outcome, roundDuration(r.Waited))
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, " (%s, by participant %s)", r.Reason, truncate(r.FailedBy, 40))
	}
	if r.Lost != "" {
		b.WriteString(": " + r.Lost)
		return b.String()
	}
	if r.Outcome == OutcomeAborted {
		if r.ReadError != "" {
			b.WriteString(": " + r.ReadError)
		}
		return b.String()
	}
	if r.ReadError != "" {
		b.WriteString(": the phase's outcome could not be read: ")
		b.WriteString(r.ReadError)
		return b.String()
	}
	b.WriteString(": ")
	b.WriteString(r.CountsText())
	return b.String()
}

// PhaseError is the error of an Arrive whose phase was not released: outcome failed, timeout or
// aborted. Its Error is the Result's one line.
type PhaseError struct {
	Result PhaseResult
	// Cause is the context's error for outcome aborted, else nil.
	Cause error
}

func (e *PhaseError) Error() string {
	if e.Cause != nil {
		return e.Result.String() + " (" + e.Cause.Error() + ")"
	}
	return e.Result.String()
}

// Unwrap returns Cause.
func (e *PhaseError) Unwrap() error { return e.Cause }

// Arrive accounts participant id at the barrier's current phase and waits until the phase settles:
// released (nil error) when its quorum arrived, or released-on-timeout at its deadline with
// onTimeout release; a *PhaseError when a failure broke it, at its deadline (timeout), or when ctx
// ends (aborted: the participant then leaves, see Leave). Any other error is a backend error or a
// bad option. Every Redis call is bounded: Arrive returns within the phase's timeout plus
// settleGrace whatever Redis does.
func (b *Barrier) Arrive(ctx context.Context, id string, o ArriveOptions) (PhaseResult, error) {
	return prepared(b.PrepareArrive(id, o))(ctx)
}

// PrepareArrive checks the arguments of an Arrive, as Arrive does, and returns the Arrive to run,
// which does not check them again (see PrepareJoin).
func (b *Barrier) PrepareArrive(id string, o ArriveOptions) (func(context.Context) (PhaseResult, error), error) {
	if err := ValidateID(id, b.opts.Parties); err != nil {
		return nil, fmt.Errorf("barrier %s: arrive: %w", b.opts.Name, err)
	}
	rule, err := o.resolve(b.opts)
	if err != nil {
		return nil, err
	}
	if timeout := time.Duration(rule.timeoutUs) * time.Microsecond; timeout > b.opts.TTL {
		return nil, fmt.Errorf("barrier %s: arrive option timeout %s is longer than the barrier's ttl %s: the phase's keys "+
			"would expire while it waits; give the Barrier a ttl of at least the timeout plus the longest gap "+
			"between two arrive() calls (default %s)",
			b.opts.Name, durfmt.Format(timeout), durfmt.Format(b.opts.TTL), durfmt.Format(DefaultTTL))
	}
	return func(ctx context.Context) (PhaseResult, error) {
		if o.Progress > 0 && o.OnProgress != nil {
			return b.arriveReporting(ctx, id, rule, o.Progress, o.OnProgress)
		}
		return b.arrive(ctx, id, rule)
	}, nil
}

// arriveReporting is arrive, reporting how the phase fills while it waits, when the process's
// progress clock of the barrier gives it the turn (one arrival of the process per interval).
func (b *Barrier) arriveReporting(ctx context.Context, id string, rule phaseRule, interval time.Duration,
	report func(string)) (PhaseResult, error) {
	pb := b.phases()
	flights := pb.flights()
	turn, leave := flights.progress.register(interval)
	done := make(chan struct{})
	go func() {
		start := time.Now()
		for {
			select {
			case <-done:
				return
			case <-turn:
			}
			flights.mu.Lock()
			f := flights.m[id]
			flights.mu.Unlock()
			phase := int64(-1)
			if f != nil {
				phase = f.phase.Load()
			}
			if phase < 0 { // not counted yet
				continue
			}
			n, err := boundCall(ctx, b, pb.arrivals)
			line := fmt.Sprintf("barrier %s: phase %d waiting for %s: ", b.opts.Name, phase,
				durfmt.Format(time.Since(start).Round(time.Second)))
			if err != nil {
				line += "the count could not be read: " + err.Error()
			} else {
				line += fmt.Sprintf("arrived %d of %d parties (those that left not counted)", n, b.opts.Parties)
			}
			report(line)
		}
	}()
	defer func() { close(done); leave() }()
	return b.arrive(ctx, id, rule)
}

// arrive is Arrive with its arguments checked.
func (b *Barrier) arrive(ctx context.Context, id string, rule phaseRule) (PhaseResult, error) {
	start := time.Now()
	pb := b.phases()
	fl, first := pb.flights().start(id)
	if !first {
		select {
		case <-fl.known:
		case <-ctx.Done():
		}
		return PhaseResult{}, &ArrivedTwiceError{Name: b.opts.Name, ID: id, Phase: fl.phase.Load()}
	}
	defer pb.flights().end(id, fl)
	hard := time.Duration(rule.timeoutUs)*time.Microsecond + settleGrace
	hctx, cancel := context.WithTimeout(ctx, hard)
	defer cancel()
	release, err := pb.hold(hctx)
	if err == nil {
		defer release()
	}
	var a arrival
	if err == nil {
		a, err = pb.arrive(hctx, id, rule)
	}
	if err == nil {
		fl.counted(a.phase)
	}
	if err != nil {
		var twice *ArrivedTwiceError
		var lost *LostStateError
		var mismatch *RuleMismatchError
		switch {
		case errors.As(err, &mismatch):
			mismatch.Name = b.opts.Name
			return PhaseResult{}, mismatch
		case errors.As(err, &lost):
			return b.phaseLost(lost, -1, start)
		case errors.As(err, &twice):
			twice.Name = b.opts.Name
			return PhaseResult{}, twice
		case ctx.Err() != nil:
			return b.phaseAborted(ctx, pb, id, -1, start)
		case expired(hctx):
			err = fmt.Errorf("%s: no answer within %s: %w", b.be.where(), hard, err)
		}
		return PhaseResult{}, fmt.Errorf("barrier %s: arrive %s: %w", b.opts.Name, id, err)
	}
	rec := a.settled
	var lost *LostStateError
	if rec == nil {
		r, err := pb.await(hctx, a)
		switch {
		case err == nil:
			rec = &r
		case ctx.Err() != nil:
			return b.phaseAborted(ctx, pb, id, a.phase, start)
		case errors.Is(err, errPhaseReset):
			return PhaseResult{}, fmt.Errorf("barrier %s: arrive %s at phase %d: %w", b.opts.Name, id, a.phase, err)
		case errors.As(err, &lost):
			return b.phaseLost(lost, a.phase, start)
		default:
			res := PhaseResult{Outcome: OutcomeTimeout, Name: b.opts.Name, Phase: a.phase, Waited: time.Since(start)}
			if expired(hctx) {
				res.ReadError = fmt.Sprintf("%s: no answer: %v", b.be.where(), err)
			} else {
				res.ReadError = err.Error()
			}
			return res, &PhaseError{Result: res}
		}
	}
	res := b.phaseResult(*rec, start)
	if rec.outcome == OutcomeReleased || rec.outcome == OutcomeReleasedOnTimeout {
		return res, nil
	}
	return res, &PhaseError{Result: res}
}

// phaseLost settles an Arrive whose rendezvous state vanished: outcome failed, saying what was
// lost and why it may have been; no count is given, since none is known.
func (b *Barrier) phaseLost(lost *LostStateError, phase int64, start time.Time) (PhaseResult, error) {
	res := PhaseResult{Outcome: OutcomeFailed, Name: b.opts.Name, Phase: phase, Waited: time.Since(start),
		Lost: lost.Error()}
	return res, &PhaseError{Result: res}
}

// phaseResult builds a PhaseResult from the record of the phase.
func (b *Barrier) phaseResult(rec phaseRecord, start time.Time) PhaseResult {
	r := rec.result(b.opts.Name)
	r.Waited = time.Since(start)
	return r
}

// result is the PhaseResult of the barrier name's phase rec (no Waited).
func (rec phaseRecord) result(name string) PhaseResult {
	return PhaseResult{
		Outcome: rec.outcome, Name: name, Phase: rec.phase,
		Arrived: rec.arrived, Quorum: rec.needed, Parties: rec.active, Left: rec.left,
		ReleasedAt:   rec.releasedAt,
		MissingCount: rec.missingCount, Missing: rec.missing, Reason: rec.reason, FailedBy: rec.failedBy,
	}
}

// phaseAborted settles an Arrive whose context ended: the participant leaves (its arrival is
// withdrawn, later phases need one fewer), within settleGrace, so that a VU stopped by k6 leaves no
// phase stuck.
func (b *Barrier) phaseAborted(ctx context.Context, pb phaseBackend, id string, phase int64,
	start time.Time) (PhaseResult, error) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleGrace)
	defer cancel()
	res := PhaseResult{Outcome: OutcomeAborted, Name: b.opts.Name, Phase: phase, Waited: time.Since(start)}
	rec, err := pb.leave(lctx, id)
	switch {
	case err != nil:
		res.ReadError = "leaving after the abort: " + err.Error()
	case phase < 0:
		// Aborted while its arrival was under way (recorded or not): the phase it left is the one.
		res.Phase = rec.Phase
	}
	return res, &PhaseError{Result: res, Cause: ctx.Err()}
}

// Leave takes participant id out of the barrier's later phases (Java Phaser's
// arriveAndDeregister): they need one fewer. An arrival of id at the current phase is withdrawn;
// the phase is released when the others that take part are all there. A participant that arrives
// again later takes part again.
func (b *Barrier) Leave(ctx context.Context, id string) (LeaveRecord, error) {
	return prepared(b.PrepareLeave(id))(ctx)
}

// PrepareLeave checks the argument of a Leave, as Leave does, and returns the Leave to run (see
// PrepareJoin).
func (b *Barrier) PrepareLeave(id string) (func(context.Context) (LeaveRecord, error), error) {
	if err := ValidateID(id, b.opts.Parties); err != nil {
		return nil, fmt.Errorf("barrier %s: leave: %w", b.opts.Name, err)
	}
	return func(ctx context.Context) (LeaveRecord, error) {
		pb := b.phases()
		rec, err := boundCall(ctx, b, func(ctx context.Context) (LeaveRecord, error) { return pb.leave(ctx, id) })
		if err != nil {
			return LeaveRecord{}, fmt.Errorf("barrier %s: leave %s: %w", b.opts.Name, id, err)
		}
		return rec, nil
	}, nil
}

// failPhase is Fail's part in the rendezvous: when the barrier has phases (some participant
// arrived since the last reset), it breaks the phase participant id is heading to (the one after
// its last arrival, or the current one), for all its waiters at once. A one-shot barrier (never
// arrived at) is left as it is.
func (b *Barrier) failPhase(ctx context.Context, id, reason string) error {
	pb := b.phases()
	_, err := boundCall(ctx, b, func(ctx context.Context) (bool, error) { return pb.fail(ctx, id, reason) })
	if err != nil {
		return fmt.Errorf("barrier %s: fail %s (%s): breaking the current phase: %w", b.opts.Name, id, reason, err)
	}
	return nil
}

// resetPhases is Reset's part in the rendezvous.
func (b *Barrier) resetPhases(ctx context.Context) error {
	pb := b.phases()
	_, err := boundCall(ctx, b, func(ctx context.Context) (struct{}, error) { return struct{}{}, pb.reset(ctx) })
	return err
}

// Withdraw ends this process's part in the barrier's rendezvous at once, as a graceful end does
// (the end of the test, an abort, SIGTERM): every participant that arrived from this process leaves
// (see Leave), so the other k6 processes' phases need them no more. Without it, they leave when
// this process's instance lease expires, a few seconds after the process stopped renewing it (a
// process killed); the process renews it until Withdraw, whether or not anyone waits. It returns
// how many left; in-process, there is nobody else to tell.
func (b *Barrier) Withdraw(ctx context.Context) (int, error) {
	be, ok := b.be.(*redisBackend)
	if !ok {
		return 0, nil
	}
	n, err := boundCall(ctx, b, func(ctx context.Context) (int, error) {
		left, _, err := sessionFor(be, b.opts.Parties).phases.lease(ctx, true)
		return left, err
	})
	if err != nil {
		return 0, fmt.Errorf("barrier %s: withdraw: %w", b.opts.Name, err)
	}
	return n, nil
}

// Arrived returns how many participants have arrived at the barrier's current phase and wait for
// its release (0 when the barrier has no phase yet). It only reads.
func (b *Barrier) Arrived(ctx context.Context) (int, error) {
	pb := b.phases()
	n, err := boundCall(ctx, b, pb.arrivals)
	if err != nil {
		return 0, fmt.Errorf("barrier %s: arrived: %w", b.opts.Name, err)
	}
	return n, nil
}

// phases returns the barrier's phase backend: the process's one for this barrier (shared by every
// Barrier value of it, so that the waiters of a process share one subscription).
func (b *Barrier) phases() phaseBackend {
	switch be := b.be.(type) {
	case *redisBackend:
		return sessionFor(be, b.opts.Parties).phases
	default:
		return memoryPhasesFor(b.opts)
	}
}
