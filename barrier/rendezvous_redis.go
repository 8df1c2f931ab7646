package barrier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
//	K6_BARRIER_PHASE_RELEASE:{run1} pub/sub channel: each settled phase's record, or "reset"
type phaseKeys struct {
	hash, seen, left, log string // the PHASE hash, the SEEN hash, the LEFT set, the LOG list
	channel               string
}

func newPhaseKeys(k keyLayout) phaseKeys {
	p, s := k.prefix, k.scope
	return phaseKeys{
		hash: p + "_PHASE:" + s, seen: p + "_PHASE_SEEN:" + s, left: p + "_PHASE_LEFT:" + s, log: p + "_PHASE_LOG:" + s,
		channel: p + "_PHASE_RELEASE:" + s,
	}
}

// list returns the keys in the order of the rendezvous scripts' KEYS (see lua/phase_lib.lua).
func (k phaseKeys) list() []string { return []string{k.hash, k.seen, k.left, k.log} }

// redisPhaseRegistry shares one redisPhases (one hub: one subscription) per Redis client and
// barrier scope in the process.
//
//nolint:gochecknoglobals // the process's registry, shared by the VUs (each a runtime of its own) of one k6 process
var redisPhaseRegistry = struct {
	sync.Mutex
	hubs map[redisPhaseKey]*redisPhases
}{hubs: map[redisPhaseKey]*redisPhases{}}

type redisPhaseKey struct {
	client  redis.UniversalClient
	channel string
}

// redisPhasesFor returns the process's phase backend of the barrier be stores.
func redisPhasesFor(be *redisBackend, parties int) *redisPhases {
	keys := newPhaseKeys(be.keys)
	k := redisPhaseKey{client: be.client, channel: keys.channel}
	redisPhaseRegistry.Lock()
	defer redisPhaseRegistry.Unlock()
	r, ok := redisPhaseRegistry.hubs[k]
	if !ok {
		r = &redisPhases{be: be, keys: keys, pending: map[int64]*phaseWaiters{}, recent: map[int64]phaseRecord{}}
		redisPhaseRegistry.hubs[k] = r
	}
	r.parties.Store(int64(parties))
	return r
}

// redisPhases keeps a barrier's phases in Redis, and is the process's hub for them: one
// subscription to the phase channel and, per pending phase, one broadcast channel, one deadline
// timer and one re-read, shared by every waiter of the process. Redis work per phase therefore
// grows with the number of processes, not of waiters.
type redisPhases struct {
	be      *redisBackend
	keys    phaseKeys
	parties atomic.Int64 // the barrier's option parties, as its last Barrier value gave it

	flight arrivalsInFlight

	mu sync.Mutex
	// epoch is the token of the rendezvous state this process took part in (empty before its first
	// arrival, and after a reset); lost, once set, is the error of every later arrival (see
	// lostState): the state vanished, and nothing this process remembers may answer an arrival.
	epoch string
	lost  *LostStateError
	// resetting counts this process's resets under way: the state a re-read finds gone meanwhile
	// is theirs to delete, not lost. resets counts the resets seen (resetWaiters), and resetEpoch
	// is the epoch the last one deleted, so that its notice and its own call apply it once.
	resetting  int
	resets     int
	resetEpoch string
	// offset is the Redis server's clock minus this process's (offsetKnown once measured): an
	// arrival's deadline is sent in the server's time.
	offset      time.Duration
	offsetKnown bool
	sub         *phaseSub // nil while not subscribed
	pending     map[int64]*phaseWaiters
	recent      map[int64]phaseRecord // settled phases this process heard of (the last phaseLogSize)
	idle        time.Time             // since when no waiter is pending
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

// phaseSub is one subscription of the hub.
type phaseSub struct {
	ps     *redis.PubSub
	ready  chan struct{} // closed at the first confirmation
	done   chan struct{}
	ctx    context.Context // the receive loop's; cancelled when the subscription closes
	cancel context.CancelFunc
}

// args is the ARGV head of the rendezvous scripts that write.
func (r *redisPhases) args() phaseArgs {
	return phaseArgs{Parties: int(r.parties.Load()), TTLms: r.be.ttlMs, Channel: r.keys.channel,
		Chunk: missingChunk, MaxMissing: MaxMissing, LogKeep: phaseLogSize}
}

func (r *redisPhases) flights() *arrivalsInFlight { return &r.flight }

func (r *redisPhases) arrive(ctx context.Context, id string, rule phaseRule) (arrival, error) {
	if err := r.subscribe(ctx); err != nil {
		return arrival{}, err
	}
	r.mu.Lock()
	known, lost, resets := r.epoch, r.lost, r.resets
	r.mu.Unlock()
	if lost != nil {
		return arrival{}, lost
	}
	// The arrival carries its deadline, in the server's time: past it (the client gave it up),
	// Redis refuses it, so that an arrival that settled at the client as failed is never counted.
	var deadlineUs int64
	if dl, ok := ctx.Deadline(); ok {
		offset, err := r.serverOffset(ctx)
		if err != nil {
			return arrival{}, r.be.wrap(ctx, err, "")
		}
		deadlineUs = dl.Add(offset - lateMargin).UnixMicro()
	}
	args := r.args().argv(phaseArriveArgs{ID: id, Quorum: rule.quorum, Pct100: rule.pct100, TimeoutUs: rule.timeoutUs,
		OnTimeout: string(rule.onTimeout), KnownEpoch: known, NewEpoch: newEpoch(), DeadlineUs: deadlineUs}.argv()...)
	res, err := detached(ctx, func(ctx context.Context) ([]any, error) {
		return phaseArriveScript.Run(ctx, r.be.client, r.keys.list(), args...).Slice()
	}, nil)
	if err != nil {
		return arrival{}, r.be.wrap(ctx, err, "")
	}
	if len(res) < 2 {
		return arrival{}, fmt.Errorf("redis %s: unexpected reply %v from the arrive script", r.be.addr, res)
	}
	status, _ := res[0].(string)
	phase, _ := res[1].(int64)
	switch status {
	case "late":
		return arrival{}, fmt.Errorf(
			"redis %s ran the arrival after its deadline (Redis stalled or overloaded): it was not counted",
			r.be.addr)
	case "lost":
		return arrival{}, r.lostState(known, res[1])
	}
	// {'twice', phase, epoch}; {'released' or 'waiting', phase, record or remaining, epoch}.
	if want := map[string]int{"twice": 3, "released": 4, "waiting": 4}[status]; want == 0 || len(res) != want {
		return arrival{}, fmt.Errorf("redis %s: unexpected reply %v from the arrive script", r.be.addr, res)
	}
	if err := r.adopt(known, fmt.Sprint(res[len(res)-1]), resets); err != nil {
		return arrival{}, err
	}
	switch status {
	case "twice":
		return arrival{}, &ArrivedTwiceError{ID: id, Phase: phase}
	case "released":
		rec, err := decodePhaseRecord(fmt.Sprint(res[2]))
		if err != nil {
			return arrival{}, fmt.Errorf("redis %s: %w", r.be.addr, err)
		}
		r.settled(rec)
		return arrival{phase: phase, settled: &rec}, nil
	case "waiting":
		us, _ := strconv.ParseInt(fmt.Sprint(res[2]), 10, 64)
		return arrival{phase: phase, remaining: time.Duration(us) * time.Microsecond}, nil
	}
	return arrival{}, fmt.Errorf("redis %s: unexpected reply %v from the arrive script", r.be.addr, res)
}

// newEpoch returns a token for a new rendezvous state.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// adopt records epoch, the state an arrival of this process was counted in, when the process
// knew none (known is empty). Two arrivals of the process that started from no state may have created
// two: then the first one adopted is the process's, and the other is a loss. An arrival whose
// reply comes after a reset of this process (resets: the count when it was sent) was counted in
// the state the reset deleted: it ends as reset, and adopts nothing.
func (r *redisPhases) adopt(known, epoch string, resets int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.resets != resets:
		return errPhaseReset
	case r.lost != nil:
		return r.lost
	case r.epoch == "" && known == "":
		r.epoch = epoch
	case r.epoch != epoch:
		r.lostLocked(r.epoch, "it was replaced by another rendezvous state")
		return r.lost
	}
	return nil
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
	srv, err := detached(ctx, func(ctx context.Context) (time.Time, error) { return r.be.client.Time(ctx).Result() }, nil)
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

// subscribe makes sure the hub is subscribed (confirmed by the server), so that a release
// published after this returns reaches it.
func (r *redisPhases) subscribe(ctx context.Context) error {
	r.mu.Lock()
	s := r.sub
	if s == nil {
		// The subscription serves every waiter of the process and outlives this call: it runs on a
		// context of its own, cancelled when it closes.
		sctx, scancel := context.WithCancel(context.WithoutCancel(ctx))
		s = &phaseSub{
			ps:    r.be.client.Subscribe(sctx, r.keys.channel),
			ready: make(chan struct{}), done: make(chan struct{}),
			ctx: sctx, cancel: scancel,
		}
		r.sub = s
		if len(r.pending) == 0 {
			r.idle = time.Now()
		}
		go r.receive(s)
		go r.tick(s)
	}
	r.mu.Unlock()
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redis %s: subscribing to %s: %w", r.be.addr, r.keys.channel, ctx.Err())
	}
}

// receive reads the subscription until it is closed. go-redis reconnects and resubscribes after a
// connection loss; each confirmation triggers a re-read, since messages may have been lost.
func (r *redisPhases) receive(s *phaseSub) {
	first := true
	receiveLoop(s.ctx, s.ps, s.done, func(msg any) {
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				if first {
					first = false
					close(s.ready)
				} else {
					go r.reread()
				}
			}
		case *redis.Message:
			if m.Payload == resetMessage { // k6 x barrier reset: whatever the state
				r.resetWaiters()
				return
			}
			if epoch, ok := strings.CutPrefix(m.Payload, resetMessage+" "); ok {
				r.resetWaitersOf(epoch)
				return
			}
			if rec, err := decodePhaseRecord(m.Payload); err == nil {
				r.settled(rec)
			}
		}
	})
}

// tick re-reads every FallbackInterval while waiters are pending (a lost message delays a release
// by at most that), and closes the subscription after hubLinger without waiters.
func (r *redisPhases) tick(s *phaseSub) {
	t := time.NewTicker(FallbackInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		r.mu.Lock()
		n := len(r.pending)
		if n == 0 && !r.idle.IsZero() && time.Since(r.idle) > hubLinger {
			r.sub = nil
			s.cancel()
			close(s.done)
			_ = s.ps.Close()
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		if n > 0 {
			r.reread()
		}
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
	res, err := detached(ctx, func(ctx context.Context) ([]any, error) {
		return phaseReadScript.Run(ctx, r.be.client, r.keys.list(), phases...).Slice()
	}, nil)
	if err != nil || len(res) < 2 {
		return
	}
	current, _ := res[0].(int64)
	r.mu.Lock()
	known := r.epoch
	r.mu.Unlock()
	if got, _ := res[1].(string); known != "" && got != known {
		if got == "" && !r.resetGrace(known) {
			return // a reset: its message, published with the deletion, ended the waiters
		}
		_ = r.lostState(known, res[1])
		return
	}
	for i, p := range phases {
		if i+2 >= len(res) {
			break
		}
		phase, ok := p.(int64)
		if !ok {
			continue
		}
		if s, ok := res[i+2].(string); ok {
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
	if len(r.pending) == 0 {
		r.idle = time.Now()
	}
}

// resetWaitersOf ends every pending waiter when the state reset was of epoch (or this process
// knows none): a late message of a reset this process already saw must not end the waiters of the
// state that came after it.
func (r *redisPhases) resetWaitersOf(epoch string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.epoch == "" && r.resets > 0 && epoch == r.resetEpoch:
		// Applied already: a reset's own call and its notice both come here, in either order.
	case r.epoch == epoch || r.epoch == "":
		r.resetWaitersLocked(epoch)
	}
}

// resetGrace waits resetNoticeGrace and reports whether the state of epoch known is still this
// process's and none of its own resets is under way: false when a reset's notice came meanwhile
// (see resetWaiters), or this process is resetting the barrier itself.
func (r *redisPhases) resetGrace(known string) bool {
	time.Sleep(resetNoticeGrace)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.epoch == known && r.resetting == 0
}

// resetWaiters ends every pending waiter: the barrier was reset, whatever its state.
func (r *redisPhases) resetWaiters() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resetWaitersLocked(r.epoch)
}

// resetWaitersLocked ends every pending waiter, the reset having deleted the state of epoch.
func (r *redisPhases) resetWaitersLocked(epoch string) {
	for p, w := range r.pending {
		w.err = errPhaseReset
		r.closeLocked(p, w)
	}
	r.recent = map[int64]phaseRecord{}
	r.resetEpoch = epoch
	r.epoch, r.lost = "", nil
	r.resets++
}

func (r *redisPhases) await(ctx context.Context, phase int64, remaining time.Duration) (phaseRecord, error) {
	r.mu.Lock()
	if rec, ok := r.recent[phase]; ok {
		r.mu.Unlock()
		return rec, nil
	}
	w, ok := r.pending[phase]
	if !ok {
		w = &phaseWaiters{done: make(chan struct{})}
		r.pending[phase] = w
		w.timer = time.AfterFunc(remaining, func() { r.expire(phase) })
	}
	w.n++
	r.mu.Unlock()

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
				if len(r.pending) == 0 {
					r.idle = time.Now()
				}
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
	res, err := detached(ctx, func(ctx context.Context) ([]any, error) {
		return phaseExpireScript.Run(ctx, r.be.client, r.keys.list(), args...).Slice()
	}, nil)
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
	res, err := detached(ctx, func(ctx context.Context) ([]int64, error) {
		return phaseLeaveScript.Run(ctx, r.be.client, r.keys.list(), args...).Int64Slice()
	}, nil)
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
	n, err := detached(ctx, func(ctx context.Context) (int64, error) {
		return phaseFailScript.Run(ctx, r.be.client, r.keys.list(), args...).Int64()
	}, nil)
	if err != nil {
		return false, r.be.wrap(ctx, err, "")
	}
	return n == 1, nil
}

func (r *redisPhases) reset(ctx context.Context) error {
	r.mu.Lock()
	r.resetting++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.resetting--
		r.mu.Unlock()
	}()
	args := resetArgs{PhaseChannel: r.keys.channel, PhaseAt: 1}
	res, err := resetScript.Run(ctx, r.be.client, r.keys.list(), args.argv()...).Slice()
	if err != nil {
		return r.be.wrap(ctx, err, "")
	}
	if len(res) != 3 {
		return fmt.Errorf("redis %s: unexpected reply %v from the reset script", r.be.addr, res)
	}
	epoch, _ := res[2].(string)
	r.resetWaitersOf(epoch) // or its notice did already
	return nil
}

func (r *redisPhases) arrivals(ctx context.Context) (int, error) {
	n, err := r.be.client.HGet(ctx, r.keys.hash, "arrived").Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
