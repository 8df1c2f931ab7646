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

	"github.com/redis/go-redis/v9"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
)

// phaseKeys names a barrier's rendezvous keys, beside keyLayout's (same prefix and scope). With
// the default prefix and run id run1:
//
//	K6_BARRIER_PHASE:{run1}         HASH phase, arrived, and the current phase's rule
//	K6_BARRIER_PHASE_SEEN:{run1}    HASH id -> last phase it arrived at (or failed in)
//	K6_BARRIER_PHASE_LEFT:{run1}    SET of ids that left
//	K6_BARRIER_PHASE_LOG:{run1}     LIST of the last 64 settled phases' records, newest first
//	K6_BARRIER_PHASE_OWNER:{run1}   HASH id -> the instance (k6 process) it arrived from
//	K6_BARRIER_PHASE_INSTANCES:{run1} ZSET instance -> when its lease ends (Redis time, ms)
//	K6_BARRIER_PHASE_RESET:{run1}   STRING the epoch the last reset deleted, for a minute (a tombstone)
//	K6_BARRIER_PHASE_RELEASE:{run1} pub/sub channel: each settled phase's record, or "reset <epoch>"
type phaseKeys struct {
	hash, seen, left, log string // the PHASE hash, the SEEN hash, the LEFT set, the LOG list
	tombstone             string // the PHASE_RESET string
	owners, instances     string // the PHASE_OWNER hash and the PHASE_INSTANCES sorted set
	channel               string
}

func newPhaseKeys(k keyLayout) phaseKeys {
	p, s := k.prefix, k.scope
	return phaseKeys{
		hash: p + "_PHASE:" + s, seen: p + "_PHASE_SEEN:" + s, left: p + "_PHASE_LEFT:" + s, log: p + "_PHASE_LOG:" + s,
		tombstone: p + "_PHASE_RESET:" + s, channel: p + "_PHASE_RELEASE:" + s,
		owners: p + "_PHASE_OWNER:" + s, instances: p + "_PHASE_INSTANCES:" + s,
	}
}

// list returns the keys in the order of the rendezvous scripts' KEYS (see lua/phase_lib.lua).
func (k phaseKeys) list() []string { return []string{k.hash, k.seen, k.left, k.log} }

// withTombstone returns list() and the tombstone (KEYS[5] of the scripts that tell a reset from a
// loss).
func (k phaseKeys) withTombstone() []string { return append(k.list(), k.tombstone) }

// arriveKeys are the arrive script's KEYS: withTombstone(), the owners and the instances.
func (k phaseKeys) arriveKeys() []string { return append(k.withTombstone(), k.owners, k.instances) }

// leaseKeys are the lease script's KEYS: list(), the owners and the instances.
func (k phaseKeys) leaseKeys() []string { return append(k.list(), k.owners, k.instances) }

// tombstoneTTL is how long a reset's tombstone names the epoch it deleted: far longer than a
// session's re-read tick, so every process that took part in that state tells the reset from a loss.
const tombstoneTTL = time.Minute

// redisPhases keeps a barrier's phases in Redis, for the process's session of the barrier: per
// pending phase, one broadcast channel and one deadline timer shared by every waiter of the
// process; the session's subscription and tick deliver the releases and the re-reads.
type redisPhases struct {
	s       *session
	be      *redisBackend
	keys    phaseKeys
	parties atomic.Int64 // the barrier's option parties, as its last Barrier value gave it

	flight   arrivalsInFlight
	instance string                         // this process's instance (see lease.go)
	arriving *batcher[arriveReq, arriveRep] // arrivals made at the same time share a script call

	mu sync.Mutex
	// epoch is the token of the rendezvous state this process took part in (empty before its first
	// arrival, and after a reset); lost, once set, is the error of every later arrival (see
	// lostState): the state vanished, and nothing this process remembers may answer an arrival.
	// deleted are the epochs resets deleted, as this process heard: an arrival counted in one of
	// them ends as reset. A reset and a loss are told apart by this one comparison of epochs.
	epoch   string
	lost    *LostStateError
	deleted map[string]bool
	// leasing is true while renewLease runs; leaseGen counts the arrivals adopted, each of which
	// (re)started the instance's lease (see keepLeaseLocked).
	leasing  bool
	leaseGen uint64
	// offset is the Redis server's clock minus this process's (offsetKnown once measured): an
	// arrival's deadline is sent in the server's time.
	offset      time.Duration
	offsetKnown bool
	pending     map[int64]*phaseWaiters
	recent      map[int64]phaseRecord // settled phases this process heard of (the last phaseLogSize)
}

func newRedisPhases(s *session, be *redisBackend) *redisPhases {
	r := &redisPhases{s: s, be: be, keys: newPhaseKeys(be.keys), deleted: map[string]bool{}, instance: newToken(),
		pending: map[int64]*phaseWaiters{}, recent: map[int64]phaseRecord{}}
	r.arriving = &batcher[arriveReq, arriveRep]{max: maxArriveBatch, senders: arriveSenders, send: r.arriveBatch,
		bound: arriveBound}
	return r
}

// phaseWaiters are the waiters of one process at one phase.
type phaseWaiters struct {
	n     int
	done  chan struct{} // closed when settled
	rec   phaseRecord
	err   error
	timer *time.Timer // the phase's deadline
	// lastErr is the last error of an expiry attempt, for waiters that time out meanwhile.
	lastErr error
}

// args is the ARGV head of the rendezvous scripts that write.
func (r *redisPhases) args() phaseArgs {
	return phaseArgs{Parties: int(r.parties.Load()), TTLms: r.be.ttlMs, Channel: r.keys.channel,
		Chunk: missingChunk, MaxMissing: MaxMissing, LogKeep: phaseLogSize}
}

func (r *redisPhases) flights() *arrivalsInFlight { return &r.flight }

func (r *redisPhases) hold(ctx context.Context) (func(), error) { return r.s.hold(ctx) }

// arrive runs the arrive script. A reply that the state this process knew was reset (its
// tombstone names it) ends the process's waiters of that state, and the arrival is sent once more
// for the new state.
func (r *redisPhases) arrive(ctx context.Context, id string, rule phaseRule) (arrival, error) {
	for attempt := 0; ; attempt++ {
		a, reset, err := r.arriveOnce(ctx, id, rule)
		if !reset || attempt > 0 {
			return a, err
		}
	}
}

// arriveReq is one arrival for the arrive script: its id, rule, and deadline (Redis time, µs; the
// client's until, its own), past which Redis refuses it.
type arriveReq struct {
	id         string
	rule       phaseRule
	deadlineUs int64
	until      time.Time
}

// arriveRep is the arrive script's reply to one arrival: status and its values, the epoch of the
// state, and the epoch the process knew when it sent it.
type arriveRep struct {
	status       string
	phase        int64
	value        any
	epoch, known string
}

// maxArriveBatch bounds the arrivals of one arrive script call, and arriveSenders the calls of one
// barrier under way at once from one process.
const (
	maxArriveBatch = 256
	arriveSenders  = 2
)

func (r *redisPhases) arriveOnce(ctx context.Context, id string, rule phaseRule) (arrival, bool, error) {
	r.mu.Lock()
	lost := r.lost
	r.mu.Unlock()
	if lost != nil {
		return arrival{}, false, lost
	}
	// The arrival carries the instant its caller gives it up (ctx's deadline), in the server's
	// time: past it, Redis refuses it, so that an arrival told it failed is never counted.
	req := arriveReq{id: id, rule: rule}
	if dl, ok := ctx.Deadline(); ok {
		offset, err := r.serverOffset(ctx)
		if err != nil {
			return arrival{}, false, r.be.wrap(ctx, err, "")
		}
		req.deadlineUs, req.until = dl.Add(offset-lateMargin).UnixMicro(), dl
	}
	rep, err := r.arriving.do(ctx, req)
	if err != nil {
		return arrival{}, false, r.be.wrap(ctx, err, "")
	}
	switch rep.status {
	case "late":
		return arrival{}, false, fmt.Errorf(
			"redis %s ran the arrival after its deadline (Redis stalled or overloaded): it was not counted",
			r.be.addr)
	case "lost":
		return arrival{}, false, r.lostState(rep.known, rep.value)
	case "reset":
		r.resetOf(rep.known)
		return arrival{}, true, errPhaseReset
	case "rule":
		return arrival{}, false, &RuleMismatchError{Fixed: fmt.Sprint(rep.value), Own: rule.fixed()}
	case "twice":
		if _, err := r.adopt(rep.epoch, -1, 0); err != nil {
			return arrival{}, false, err
		}
		return arrival{}, false, &ArrivedTwiceError{ID: id, Phase: rep.phase}
	case "released":
		rec, err := decodePhaseRecord(fmt.Sprint(rep.value))
		if err != nil {
			return arrival{}, false, fmt.Errorf("redis %s: %w", r.be.addr, err)
		}
		if _, err := r.adopt(rep.epoch, -1, 0); err != nil {
			return arrival{}, false, err
		}
		r.settled(rec)
		return arrival{phase: rep.phase, settled: &rec}, false, nil
	case "waiting":
		us, _ := strconv.ParseInt(fmt.Sprint(rep.value), 10, 64)
		remaining := time.Duration(us) * time.Microsecond
		w, err := r.adopt(rep.epoch, rep.phase, remaining)
		if err != nil {
			return arrival{}, false, err
		}
		return arrival{phase: rep.phase, remaining: remaining, waiters: w}, false, nil
	}
	return arrival{}, false, fmt.Errorf("redis %s: unexpected reply %q from the arrive script", r.be.addr, rep.status)
}

// arriveBound is how long one arrive script call may take: until the last of its arrivals' callers
// gives up (a retry replays; Redis refuses each arrival past its own deadline).
func arriveBound(reqs []arriveReq) time.Duration {
	d := batchTimeout
	for _, q := range reqs {
		if !q.until.IsZero() {
			d = max(d, time.Until(q.until))
		}
	}
	return d
}

// arriveBatch runs the arrive script for reqs: one call per rule among them (one, unless the
// script is misconfigured).
func (r *redisPhases) arriveBatch(ctx context.Context, reqs []arriveReq) ([]arriveRep, error) {
	out := make([]arriveRep, len(reqs))
	byRule := map[phaseRule][]int{}
	var rules []phaseRule
	for i, q := range reqs {
		if _, ok := byRule[q.rule]; !ok {
			rules = append(rules, q.rule)
		}
		byRule[q.rule] = append(byRule[q.rule], i)
	}
	for _, rule := range rules {
		idx := byRule[rule]
		group := make([]arriveReq, len(idx))
		for j, i := range idx {
			group[j] = reqs[i]
		}
		reps, err := r.arriveCall(ctx, rule, group)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = reps[j]
		}
	}
	return out, nil
}

// arriveCall runs the arrive script once for arrivals of one rule.
func (r *redisPhases) arriveCall(ctx context.Context, rule phaseRule, reqs []arriveReq) ([]arriveRep, error) {
	r.mu.Lock()
	known := r.epoch
	r.mu.Unlock()
	head := r.args()
	head.Parties = rule.parties
	args := head.argv(phaseArriveArgs{Quorum: rule.quorum, Pct100: rule.pct100, TimeoutUs: rule.timeoutUs,
		OnTimeout: string(rule.onTimeout), KnownEpoch: known, NewEpoch: newToken(), Rule: rule.fixed(),
		Instance: r.instance, LeaseMs: leaseTTL.Milliseconds(), Arrivals: reqs}.argv()...)
	res, err := phaseArriveScript.run(untilDone(ctx), r.be.client, r.be.keys, r.keys.arriveKeys(), args...).Slice()
	if err != nil {
		return nil, err
	}
	bad := fmt.Errorf("unexpected reply %v from the arrive script", res)
	if len(res) < 2 {
		return nil, bad
	}
	out := make([]arriveRep, len(reqs))
	status, _ := res[0].(string)
	if status != "ok" { // the whole call: reset, rule or lost
		for i := range out {
			out[i] = arriveRep{status: status, value: res[1], known: known}
		}
		return out, nil
	}
	if len(res) != 2+len(reqs) {
		return nil, bad
	}
	epoch, _ := res[1].(string)
	for i, v := range res[2:] {
		item, _ := v.([]any)
		if len(item) < 2 {
			return nil, bad
		}
		st, _ := item[0].(string)
		phase, _ := item[1].(int64)
		rep := arriveRep{status: st, phase: phase, epoch: epoch, known: known}
		if len(item) > 2 {
			rep.value = item[2]
		}
		out[i] = rep
	}
	return out, nil
}

// adopt records epoch, the state an arrival of this process was counted in, as the process's
// when it knew none, and, for a waiting arrival (phase >= 0), registers its waiter in the same
// critical section: a reset or a loss noticed after adopt ends it; one noticed before fails the
// adoption. Two arrivals of the process that started from no state may have created two states:
// then the first one adopted is the process's, and the other is a loss. An arrival counted in a
// state a reset deleted ends as reset.
func (r *redisPhases) adopt(epoch string, phase int64, remaining time.Duration) (*phaseWaiters, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.deleted[epoch]:
		return nil, errPhaseReset
	case r.lost != nil:
		return nil, r.lost
	case r.epoch == "":
		r.epoch = epoch
	case r.epoch != epoch:
		r.lostLocked(r.epoch, "it was replaced by another rendezvous state")
		return nil, r.lost
	}
	r.keepLeaseLocked()
	if phase < 0 {
		return nil, nil //nolint:nilnil // no phase asked (the epoch check alone): no waiters, no error
	}
	if rec, ok := r.recent[phase]; ok { // its release came before this reply
		w := &phaseWaiters{done: make(chan struct{}), rec: rec}
		close(w.done)
		return w, nil
	}
	w, ok := r.pending[phase]
	if !ok {
		w = &phaseWaiters{done: make(chan struct{})}
		r.pending[phase] = w
		w.timer = time.AfterFunc(remaining, func() { r.expire(phase) })
	}
	w.n++
	return w, nil
}

// serverOffset returns the Redis server's clock minus this process's, measured once (TIME).
func (r *redisPhases) serverOffset(ctx context.Context) (time.Duration, error) {
	r.mu.Lock()
	if r.offsetKnown {
		defer r.mu.Unlock()
		return r.offset, nil
	}
	r.mu.Unlock()
	t0 := time.Now()
	srv, err := r.be.client.Time(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("reading the server's time: %w", err)
	}
	rtt := time.Since(t0)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.offset, r.offsetKnown = srv.Sub(t0.Add(rtt/2)), true
	return r.offset, nil
}

// LostStateError is the error of an arrival, or of a waiter, whose rendezvous state vanished from
// Redis: its keys expired (a ttl shorter than the gap between two arrivals), Redis restarted
// without persistence, or a reset or an operator deleted them. Nothing this process remembers of
// the state answers an arrival any more; reset() starts a new rendezvous.
type LostStateError struct {
	// Addr is the Redis server's address, Key the rendezvous state's PHASE hash.
	Addr, Key string
	// TTL is the barrier's ttl, named as a likely cause.
	TTL time.Duration
	// How says what was found: the state no longer exists, or another one replaced it.
	How string
}

func (e *LostStateError) Error() string {
	return fmt.Sprintf(
		"the rendezvous state in redis %s (%s) was lost: %s; its keys expired (is the barrier's ttl of %s shorter than "+
			"the gap between two arrive() calls?), Redis restarted without persistence, or a reset() or a DEL removed them. "+
			"No arrival is answered from what this process remembers: every later arrive() of this process fails until reset()",
		e.Addr, e.Key, e.How, durfmt.Format(e.TTL))
}

// lostState makes the state of epoch known lost (got: the epoch Redis holds, or false) and fails
// the pending waiters.
func (r *redisPhases) lostState(known string, got any) error {
	how := "it no longer exists"
	if s, ok := got.(string); ok && s != "" {
		how = "it was replaced by another rendezvous state"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lostLocked(known, how)
	return r.lost
}

func (r *redisPhases) lostLocked(epoch, how string) {
	if r.lost == nil && epoch == r.epoch {
		r.lost = &LostStateError{
			Addr: r.be.addr, Key: r.keys.hash, TTL: time.Duration(r.be.ttlMs) * time.Millisecond, How: how,
		}
	}
	if r.lost == nil {
		return
	}
	for p, w := range r.pending {
		w.err = r.lost
		r.closeLocked(p, w)
	}
	r.recent = map[int64]phaseRecord{}
}

// message handles a message of the rendezvous channel: a settled phase's record, or a reset.
func (r *redisPhases) message(payload string) {
	if epoch, ok := strings.CutPrefix(payload, resetMessage+" "); ok {
		r.resetOf(epoch)
		return
	}
	if rec, err := decodePhaseRecord(payload); err == nil {
		r.settled(rec)
	}
}

// reread asks Redis for the records of the pending phases: one script call for all the waiters of
// the process.
func (r *redisPhases) reread() {
	r.mu.Lock()
	phases := make([]any, 0, len(r.pending))
	for p := range r.pending {
		phases = append(phases, p)
	}
	r.mu.Unlock()
	if len(phases) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), readBound)
	defer cancel()
	r.mu.Lock()
	known := r.epoch
	r.mu.Unlock()
	res, err := phaseReadScript.Run(ctx, r.be.client, r.keys.withTombstone(), phases...).Slice()
	if err != nil || len(res) < 3 {
		return
	}
	current, _ := res[0].(int64)
	if got, _ := res[1].(string); known != "" && got != known {
		if tomb, _ := res[2].(string); tomb == known {
			r.resetOf(known)
		} else {
			_ = r.lostState(known, res[1])
		}
		return
	}
	for i, p := range phases {
		if i+3 >= len(res) {
			break
		}
		phase, ok := p.(int64)
		if !ok {
			continue
		}
		if s, ok := res[i+3].(string); ok {
			if rec, err := decodePhaseRecord(s); err == nil {
				r.settled(rec)
			}
			continue
		}
		switch {
		case current < 0 || current < phase:
			r.resetWaiters() // the keys were deleted (a reset, before this process took part)
		case phase < current:
			r.failWaiters(phase, fmt.Errorf("redis %s: phase %d settled but its record is no longer in %s (over %d phases ago)",
				r.be.addr, phase, r.keys.log, phaseLogSize))
		}
	}
}

// settled hands rec to the waiters of its phase and remembers it.
func (r *redisPhases) settled(rec phaseRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recent[rec.phase] = rec
	delete(r.recent, rec.phase-phaseLogSize)
	if w, ok := r.pending[rec.phase]; ok {
		w.rec = rec
		r.closeLocked(rec.phase, w)
	}
}

// failWaiters ends the waiters of phase with err.
func (r *redisPhases) failWaiters(phase int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.pending[phase]; ok {
		w.err = err
		r.closeLocked(phase, w)
	}
}

func (r *redisPhases) closeLocked(phase int64, w *phaseWaiters) {
	if w.timer != nil {
		w.timer.Stop()
	}
	close(w.done)
	delete(r.pending, phase)
}

// resetOf ends every pending waiter when a reset deleted the state of epoch, the process's: a late
// notice of a reset this process already applied, or of a state it never took part in, changes
// nothing. Its own reset call and the reset's message both come here, in either order.
func (r *redisPhases) resetOf(epoch string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if epoch != "" {
		r.deleted[epoch] = true
	}
	if r.epoch == epoch || epoch == "" {
		r.resetWaitersLocked()
	}
}

// resetWaiters ends every pending waiter: the barrier was reset, whatever its state.
func (r *redisPhases) resetWaiters() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.epoch != "" {
		r.deleted[r.epoch] = true
	}
	r.resetWaitersLocked()
}

func (r *redisPhases) resetWaitersLocked() {
	for p, w := range r.pending {
		w.err = errPhaseReset
		r.closeLocked(p, w)
	}
	r.recent = map[int64]phaseRecord{}
	r.epoch, r.lost = "", nil
}

// await waits for the phase the arrival a registered its waiter at (see adopt).
func (r *redisPhases) await(ctx context.Context, a arrival) (phaseRecord, error) {
	w, phase := a.waiters, a.phase
	select {
	case <-w.done:
		if w.err != nil {
			return phaseRecord{}, w.err
		}
		return w.rec, nil
	case <-ctx.Done():
		r.mu.Lock()
		defer r.mu.Unlock()
		select {
		case <-w.done: // settled meanwhile
			if w.err == nil {
				return w.rec, nil
			}
		default:
			w.n--
			if w.n == 0 {
				w.timer.Stop()
				delete(r.pending, phase)
			}
		}
		if w.lastErr != nil {
			return phaseRecord{}, fmt.Errorf("%w (last attempt: %w)", ctx.Err(), w.lastErr)
		}
		return phaseRecord{}, ctx.Err()
	}
}

// expire settles phase by its timeout policy at its deadline, once per process, and retries while
// Redis fails and waiters are pending (each waiter's own bound ends its wait).
func (r *redisPhases) expire(phase int64) {
	r.mu.Lock()
	epoch := r.epoch
	r.mu.Unlock()
	args := r.args().argv(phaseExpireArgs{Phase: phase, Epoch: epoch}.argv()...)
	ctx, cancel := context.WithTimeout(context.Background(), readBound)
	res, err := phaseExpireScript.run(ctx, r.be.client, r.be.keys, r.keys.withTombstone(), args...).Slice()
	cancel()
	retry := func(after time.Duration, err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if w, ok := r.pending[phase]; ok {
			if err != nil {
				w.lastErr = r.be.wrap(context.Background(), err, "")
			}
			w.timer = time.AfterFunc(after, func() { r.expire(phase) })
		}
	}
	if err != nil || len(res) < 2 {
		if err == nil {
			err = fmt.Errorf("unexpected reply %v from the expire script", res)
		}
		retry(retryInterval, err)
		return
	}
	switch status, _ := res[0].(string); status {
	case "reset":
		r.resetOf(epoch)
	case "lost":
		_ = r.lostState(epoch, res[1])
	case "early":
		us, _ := strconv.ParseInt(fmt.Sprint(res[1]), 10, 64)
		retry(time.Duration(us)*time.Microsecond, nil)
	case "settled", "expired":
		s, ok := res[1].(string)
		if !ok {
			r.failWaiters(phase, fmt.Errorf(
				"redis %s: phase %d settled but its record is no longer in %s",
				r.be.addr, phase, r.keys.log))
			return
		}
		if rec, err := decodePhaseRecord(s); err == nil {
			r.settled(rec)
		}
	}
}

func (r *redisPhases) leave(ctx context.Context, id string) (LeaveRecord, error) {
	args := r.args().argv(id)
	res, err := phaseLeaveScript.run(ctx, r.be.client, r.be.keys, r.keys.list(), args...).Int64Slice()
	if err != nil {
		return LeaveRecord{}, r.be.wrap(ctx, err, "")
	}
	if len(res) != 3 {
		return LeaveRecord{}, fmt.Errorf("redis %s: unexpected reply %v from the leave script", r.be.addr, res)
	}
	return LeaveRecord{Counted: res[0] == 1, Phase: res[1], Withdrawn: res[2] == 1}, nil
}

func (r *redisPhases) fail(ctx context.Context, id, reason string) (bool, error) {
	args := r.args().argv(id, reason)
	n, err := phaseFailScript.run(ctx, r.be.client, r.be.keys, r.keys.list(), args...).Int64()
	if err != nil {
		return false, r.be.wrap(ctx, err, "")
	}
	return n == 1, nil
}

// reset does nothing: redisBackend.reset deletes the rendezvous with the rest of the barrier, in
// the same script call.
func (r *redisPhases) reset(context.Context) error { return nil }

func (r *redisPhases) arrivals(ctx context.Context) (int, error) {
	n, err := r.be.client.HGet(ctx, r.keys.hash, "arrived").Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
