package barrier

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// session is one process's link to one barrier in Redis, shared by every wait() and arrive() of
// the process: one Pub/Sub connection subscribed to the barrier's two channels (the one-shot
// RELEASE channel and the rendezvous PHASE_RELEASE channel), and one re-read tick. Redis work for
// waiting therefore grows with the number of processes, not of waiters.
//
// A caller holds the session while it waits (hold); the subscription is made by the session for the
// first holder, outside any lock and bounded by that holder's deadline, and is closed by the tick once nobody
// held it for hubLinger. Holding and closing take the same lock, so a holder always has a live
// subscription.
type session struct {
	client   redis.UniversalClient
	addr     string // for errors; never holds a password
	channels []string
	once     *redisBackend
	phases   *redisPhases

	mu      sync.Mutex
	holders int
	idle    time.Time     // since when nobody holds the session
	sub     *subscription // nil while not subscribed
	dialing *dialAttempt  // the subscribe under way; nil when none is
	// waits are the registered waits: true for those that hear of the rendezvous's messages too
	// (the Inspector's Watch).
	waits map[*hintBox]bool
	// progress paces the progress lines of the process's waits of the barrier.
	progress progressClock
}

// subscription is the session's Pub/Sub connection while it is open.
type subscription struct {
	ps   *redis.PubSub
	done chan struct{}
	ctx  context.Context // the receive loop's; cancelled when the subscription closes
	stop context.CancelFunc
}

// sessionRegistry holds the process's sessions, one per Redis client and barrier scope.
//
//nolint:gochecknoglobals // the process's sessions, shared by the VUs (each a runtime of its own) of one k6 process
var sessionRegistry = struct {
	sync.Mutex
	m map[sessionKey]*session
}{m: map[sessionKey]*session{}}

type sessionKey struct {
	client  redis.UniversalClient
	channel string
}

// sessionFor returns the process's session of the barrier be stores.
func sessionFor(be *redisBackend, parties int) *session {
	k := sessionKey{client: be.client, channel: be.keys.channel}
	sessionRegistry.Lock()
	defer sessionRegistry.Unlock()
	s, ok := sessionRegistry.m[k]
	if !ok {
		s = &session{client: be.client, addr: be.addr, once: be, waits: map[*hintBox]bool{}}
		s.phases = newRedisPhases(s, be)
		s.channels = []string{be.keys.channel, s.phases.keys.channel}
		sessionRegistry.m[k] = s
	}
	s.phases.parties.Store(int64(parties))
	return s
}

// hold makes sure the session is subscribed (confirmed by the server, so that a message published
// after hold returns reaches it) and counts the caller as a holder until it calls release. The
// subscribe is the session's (connect), not the caller's: every caller, the one that started it
// included, waits for it no longer than its own context.
func (s *session) hold(ctx context.Context) (release func(), err error) {
	for {
		s.mu.Lock()
		if s.sub != nil {
			s.holders++
			s.mu.Unlock()
			return s.release, nil
		}
		if s.dialing == nil {
			s.dialing = &dialAttempt{done: make(chan struct{})}
			go s.connect(ctx, s.dialing)
		}
		d := s.dialing
		s.mu.Unlock()
		select {
		case <-d.done:
			if d.err != nil {
				return nil, d.err
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("redis %s: subscribing to %s: %w", s.addr, strings.Join(s.channels, ", "), ctx.Err())
		}
	}
}

// dialAttempt is a subscribe under way: done closes when it ended, err then says why it failed.
type dialAttempt struct {
	done chan struct{}
	err  error
}

// connect subscribes for the session, bounded by the deadline of the caller that asked (by
// CallTimeout when it has none), not by its cancellation: the client heeds deadlines at every
// step (dial, handshake, SUBSCRIBE, the confirmations) but not a cancellation, which the waiters
// heed themselves (hold). It starts the receive loop and the tick once subscribed.
func (s *session) connect(ctx context.Context, d *dialAttempt) {
	ctx = context.WithoutCancel(ctx)
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(CallTimeout)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	sub, err := s.dial(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dialing, d.err = nil, err
	close(d.done)
	if err != nil {
		return
	}
	s.sub, s.idle = sub, time.Now() // closed after hubLinger if no caller holds it by then
	go s.receive(sub)
	go s.tick(sub)
}

func (s *session) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holders--; s.holders == 0 {
		s.idle = time.Now()
	}
}

func (s *session) dial(ctx context.Context) (*subscription, error) {
	ps := s.client.Subscribe(ctx, s.channels...) // its dial and handshake are bounded by ctx's deadline
	for n := 0; n < len(s.channels); {
		msg, err := ps.Receive(ctx)
		if err != nil {
			_ = ps.Close()
			return nil, s.once.wrap(ctx, s.once.hook.noteDown(
				fmt.Errorf("subscribing to %s: %w", strings.Join(s.channels, ", "), err)), "")
		}
		if m, ok := msg.(*redis.Subscription); ok && m.Kind == "subscribe" {
			n++
		}
	}
	sctx, stop := context.WithCancel(context.Background())
	return &subscription{ps: ps, done: make(chan struct{}), ctx: sctx, stop: stop}, nil
}

// close ends the subscription and its receive loop and tick.
func (sub *subscription) close() {
	close(sub.done)
	sub.stop()
	_ = sub.ps.Close()
}

// receive reads the subscription until it closes, and hands each message to the waits or the
// rendezvous. After an error (a lost connection: go-redis reconnects and subscribes again on the
// next receive) it waits from 50 ms, doubling up to 1 s; each new confirmation asks everyone for a
// re-read, since messages may have been lost meanwhile.
func (s *session) receive(sub *subscription) {
	backoff := 50 * time.Millisecond
	for {
		msg, err := sub.ps.Receive(sub.ctx)
		select {
		case <-sub.done:
			return
		default:
		}
		if err != nil {
			select {
			case <-time.After(backoff):
			case <-sub.done:
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == s.channels[0] { // resubscribed: re-read
				s.hintWaits(hint{}, false)
				go s.phases.reread()
			}
		case *redis.Message:
			if m.Channel == s.channels[0] {
				s.hintWaits(parseHint(m.Payload), false)
			} else {
				s.hintWaits(hint{}, true)
				s.phases.message(m.Payload)
			}
		}
	}
}

// tick re-reads every FallbackInterval while someone holds the session (a lost message delays a
// release by at most that), and closes the subscription after hubLinger without holders.
func (s *session) tick(sub *subscription) {
	t := time.NewTicker(FallbackInterval)
	defer t.Stop()
	for {
		select {
		case <-sub.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		holders, waits := s.holders, len(s.waits)
		if holders == 0 && time.Since(s.idle) > hubLinger {
			s.sub = nil
			sub.close()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if waits > 0 {
			s.hintWaits(hint{}, false)
		}
		if holders > 0 {
			s.phases.reread()
		}
	}
}

// hintWaits hands h to every wait of the process (phaseOnly: to those that hear the rendezvous).
func (s *session) hintWaits(h hint, phaseOnly bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for b, all := range s.waits {
		if all || !phaseOnly {
			b.put(h)
		}
	}
}

// watch registers a wait: it receives the one-shot channel's hints until it closes, and with all a
// re-read hint for every rendezvous message too.
func (s *session) watch(ctx context.Context, all bool) (watcher, error) {
	release, err := s.hold(ctx)
	if err != nil {
		return nil, err
	}
	w := &sessionWatcher{hintBox: newHintBox(), s: s, release: release}
	s.mu.Lock()
	s.waits[w.hintBox] = all
	s.mu.Unlock()
	return w, nil
}

// sessionWatcher is one wait's registration with its session.
type sessionWatcher struct {
	*hintBox
	s         *session
	release   func()
	closeOnce sync.Once
}

func (w *sessionWatcher) close() {
	w.closeOnce.Do(func() {
		w.s.mu.Lock()
		delete(w.s.waits, w.hintBox)
		w.s.mu.Unlock()
		w.release()
	})
}
