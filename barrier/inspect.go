package barrier

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Fields of a barrier's META hash (<prefix>_META:<scope>) that an Inspector reads, when present:
// the parties the barrier was created with, when it was created, and when it was released. Times
// are Unix milliseconds (RFC 3339 is accepted too).
const (
	MetaParties  = "parties"
	MetaCreated  = "created"
	MetaReleased = "released"
)

// metaKey is the META hash of a barrier.
func metaKey(k keyLayout) string { return k.prefix + "_META:" + k.scope }

// InspectOptions say how to judge a barrier that Inspect reads.
type InspectOptions struct {
	// Parties overrides the parties the barrier's META hash records; when 0, META's count is used,
	// and without one the barrier's parties are unknown (no outcome, no missing ids).
	Parties int
	// Quorum and MaxFailures judge the outcome as a wait with these options would (0: parties, and
	// no failure tolerated).
	Quorum      int
	MaxFailures int
	// Missing lists up to MaxMissing missing ids (a scan of 1..parties; List leaves it out).
	Missing bool
}

// Snapshot is what an Inspector read of one barrier.
type Snapshot struct {
	Ref
	// Found is false when none of the barrier's keys exists; the other fields are then empty.
	Found bool
	// Parties is the number of participants expected, 0 when unknown; PartiesFrom says where it
	// came from: "meta" (the barrier's META hash), "given" (InspectOptions.Parties) or "".
	Parties     int
	PartiesFrom string
	Quorum      int
	MaxFailures int
	Joined      int
	Failed      int
	Failures    map[string]int
	Accounted   int
	// Outcome is met, failed or pending, judged with Quorum and MaxFailures; "" when Parties is
	// unknown.
	Outcome Outcome
	// MissingCount is Parties - Accounted (at least 0), -1 when Parties is unknown; Missing lists the
	// first of them (ids 1..Parties) when InspectOptions.Missing.
	MissingCount int
	Missing      []int
	// Created and Released are the META hash's times, zero when it records none.
	Created  time.Time
	Released time.Time
	// Phase is the rendezvous's state (Arrive, Leave), nil when the barrier has none.
	Phase *PhaseState
	// Keys are the barrier's keys that exist, with their types and time to live.
	Keys []KeyState
}

// PhaseState is where a barrier used with Arrive stands.
type PhaseState struct {
	// Current is the phase now open (from 0); Arrived is how many wait at it.
	Current int64
	Arrived int
	// Needed is how many arrivals release it, by the rule its first arrival set (the last rule when
	// none arrived yet) of the parties still taking part; 0 when the parties are unknown (neither
	// recorded, given, nor in a settled phase's record).
	Needed int
	// Left is how many participants left for good (Leave).
	Left int
	// Last is how the last phase settled, nil when none did (or the log expired).
	Last *PhaseResult
}

// KeyState is one existing Redis key.
type KeyState struct {
	Key  string
	Type string
	// TTL is the time left before the key expires; -1 when it has no expiry.
	TTL time.Duration
}

// TTL is the time left before the first of the barrier's keys expires (-1: none expires, 0: no keys).
func (s Snapshot) TTL() time.Duration {
	ttl := time.Duration(0)
	for _, k := range s.Keys {
		switch {
		case k.TTL < 0:
			if ttl == 0 {
				ttl = -1
			}
		case ttl <= 0 || k.TTL < ttl:
			ttl = k.TTL
		}
	}
	return ttl
}

// Inspect reads one barrier: its counts, failures by reason, parties, outcome, missing ids and keys.
// A barrier none of whose keys exists is returned with Found false and no error.
func (in *Inspector) Inspect(ctx context.Context, ref Ref, opts InspectOptions) (Snapshot, error) {
	o, err := in.options(ref)
	if err != nil {
		return Snapshot{}, err
	}
	s, err := inspectorCall(ctx, in, CallTimeout, func(ctx context.Context) (Snapshot, error) { return in.inspect(ctx, o, opts) }, nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("barrier %s: %w", Ref{RunID: o.RunID, Name: o.Name}, err)
	}
	return s, nil
}

func (in *Inspector) inspect(ctx context.Context, o Options, opts InspectOptions) (Snapshot, error) {
	be := in.backend(o)
	k := be.keys
	s := Snapshot{Ref: Ref{RunID: o.RunID, Name: o.Name}, MissingCount: -1}
	pk := newPhaseKeys(k).keys
	main := []struct{ key, typ string }{{k.joined, "set"}, {k.failed, "hash"}, {k.failures, "hash"}, {metaKey(k), "hash"},
		{pk[0], "hash"}, {pk[1], "hash"}, {pk[2], "set"}, {pk[3], "list"}}
	hasPhase := false
	keys := make([]string, len(main))
	for i, m := range main {
		keys[i] = m.key
	}
	states, err := in.keyStates(ctx, keys)
	if err != nil {
		return s, err
	}
	for i, st := range states {
		if st.Type == "none" {
			continue
		}
		if st.Type != main[i].typ {
			return s, permanentError("redis " + in.addr + ": key " + st.Key + " holds a " + st.Type + ", not the " + main[i].typ +
				" the barrier keeps there: another program uses this key; use another run id or key prefix, or delete the key")
		}
		s.Found = true
		s.Keys = append(s.Keys, st)
		hasPhase = hasPhase || i >= 4
	}
	if !s.Found {
		return s, nil
	}
	c, err := be.counts(ctx)
	if err != nil {
		return s, err
	}
	s.Joined, s.Failed, s.Accounted, s.Failures = c.joined, c.failed, c.joined+c.failed, c.failures
	if s.Failures == nil {
		s.Failures = map[string]int{}
	}
	meta, err := in.client.HGetAll(ctx, metaKey(k)).Result()
	if err != nil {
		return s, be.wrap(ctx, err, "")
	}
	if err := s.readMeta(meta); err != nil {
		return s, fmt.Errorf("redis %s: key %s: %w", in.addr, metaKey(k), err)
	}
	if err := in.addCounters(ctx, k, &s); err != nil {
		return s, err
	}
	if opts.Parties > 0 {
		s.Parties, s.PartiesFrom = opts.Parties, "given"
	}
	if hasPhase {
		if s.Phase, err = in.phaseState(ctx, o, s.Parties); err != nil {
			return s, err
		}
	}
	if s.Parties == 0 {
		return s, nil
	}
	s.Quorum, s.MaxFailures = opts.Quorum, opts.MaxFailures
	if s.Quorum <= 0 || s.Quorum > s.Parties {
		s.Quorum = s.Parties
	}
	s.Outcome = decide(c, s.Parties, s.Quorum, s.MaxFailures)
	s.MissingCount = max(0, s.Parties-s.Accounted)
	if opts.Missing && s.MissingCount > 0 {
		s.Missing, err = be.missing(ctx, s.Parties, MaxMissing, s.MissingCount)
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// readMeta takes parties and the times from a META hash.
func (s *Snapshot) readMeta(meta map[string]string) error {
	if v, ok := meta[MetaParties]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxParties {
			return fmt.Errorf("field %s is %q, not a number of parties", MetaParties, truncate(v, 40))
		}
		s.Parties, s.PartiesFrom = n, "meta"
	}
	s.Created = parseMetaTime(meta[MetaCreated])
	s.Released = parseMetaTime(meta[MetaReleased])
	return nil
}

// parseMetaTime reads Unix milliseconds or RFC 3339; anything else is the zero time.
func parseMetaTime(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms)
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	return time.Time{}
}

// addCounters adds the existing per-reason counter keys of the barrier's reasons to s.Keys.
func (in *Inspector) addCounters(ctx context.Context, k keyLayout, s *Snapshot) error {
	reasons := make([]string, 0, len(s.Failures))
	for reason := range s.Failures {
		if ValidateReason(reason) == nil {
			reasons = append(reasons, reason)
		}
	}
	sort.Strings(reasons)
	keys := make([]string, len(reasons))
	for i, reason := range reasons {
		keys[i] = k.reasonCounter(reason)
	}
	states, err := in.keyStates(ctx, keys)
	if err != nil {
		return err
	}
	for _, st := range states {
		if st.Type != "none" {
			s.Keys = append(s.Keys, st)
		}
	}
	return nil
}

// keyStates reads the type and TTL of keys in one round trip (keys of one barrier share a slot).
func (in *Inspector) keyStates(ctx context.Context, keys []string) ([]KeyState, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	types := make([]*redis.StatusCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	_, err := in.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, key := range keys {
			types[i] = p.Type(ctx, key)
			ttls[i] = p.PTTL(ctx, key)
		}
		return nil
	})
	if err != nil {
		return nil, in.wrap(ctx, err)
	}
	out := make([]KeyState, len(keys))
	for i, key := range keys {
		ttl := ttls[i].Val()
		if ttl < 0 {
			ttl = -1
		}
		out[i] = KeyState{Key: key, Type: types[i].Val(), TTL: ttl}
	}
	return out, nil
}

// wrap adds the address to a Redis error and explains a missing or wrong password.
func (in *Inspector) wrap(ctx context.Context, err error) error {
	return (&redisBackend{client: in.client, addr: in.addr}).wrap(ctx, err, "")
}

// phaseState reads the rendezvous's state of the barrier o: the current phase, its arrivals and
// rule, who left, and the last settled phase's record. parties (0: unknown) are the barrier's; when
// unknown, those of the last record are used for Needed.
func (in *Inspector) phaseState(ctx context.Context, o Options, parties int) (*PhaseState, error) {
	keys := newPhaseKeys(newKeyLayout(o)).keys
	var hash *redis.MapStringStringCmd
	var left *redis.IntCmd
	var last *redis.StringCmd
	_, err := in.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		hash = p.HGetAll(ctx, keys[0])
		left = p.SCard(ctx, keys[2])
		last = p.LIndex(ctx, keys[3], 0)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, in.wrap(ctx, err)
	}
	h := hash.Val()
	num := func(field string) int64 {
		n, _ := strconv.ParseInt(h[field], 10, 64)
		return n
	}
	ps := &PhaseState{Current: num("phase"), Arrived: int(num("arrived")), Left: int(left.Val())}
	if v, err := last.Result(); err == nil {
		rec, err := decodePhaseRecord(v)
		if err != nil {
			return nil, fmt.Errorf("redis %s: key %s: %w", in.addr, keys[3], err)
		}
		r := rec.result(o.Name)
		ps.Last = &r
		if parties == 0 {
			parties = rec.active + rec.left
		}
	}
	if parties > 0 {
		rule := phaseRule{quorum: int(num("quorum")), pct100: int(num("pct"))}
		ps.Needed = rule.needed(max(0, parties-ps.Left))
	}
	return ps, nil
}
