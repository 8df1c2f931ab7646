package barrier

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
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
	// Quorum and MaxFailures judge the outcome as a wait with these options would. Both 0: the rule
	// of the barrier's latest wait() (recorded in its META hash), else parties and no failure
	// tolerated.
	Quorum      int
	MaxFailures int
	// Missing lists up to MaxMissing missing ids (a scan of 1..parties; List leaves it out).
	Missing bool
	// Timeout bounds the whole call: 0 means CallTimeout for Inspect, ListTimeout for List.
	Timeout time.Duration
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
	// RunEnded is whether every k6 instance of the run recorded the end of its test in the META
	// hash (RecordRunEnd): nothing will arrive or join any more.
	RunEnded bool
	// Phase is the rendezvous's state (Arrive, Leave), nil when the barrier has none.
	Phase *PhaseState
	// Keys are the barrier's keys that exist, with their types and time to live.
	Keys []KeyState
	// Error says why a barrier that List found could not be read (a key of another type under its
	// name, for one); its other fields are then empty.
	Error string
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
	// Left is how many participants left for good (Leave, or their k6 instance ended).
	Left int
	// Instances is how many k6 instances (processes) hold a live lease: they took part and run.
	Instances int
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
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = CallTimeout
	}
	s, err := inspectorCall(ctx, in, timeout, func(ctx context.Context) (Snapshot, error) {
		return in.inspect(ctx, o, opts)
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("barrier %s: %w", Ref{RunID: o.RunID, Name: o.Name}, err)
	}
	return s, nil
}

func (in *Inspector) inspect(ctx context.Context, o Options, opts InspectOptions) (Snapshot, error) {
	be := in.backend(o)
	s := Snapshot{Ref: Ref{RunID: o.RunID, Name: o.Name}, MissingCount: -1}
	cmd := newInspectCmd(ctx, o)
	if err := in.client.Process(ctx, cmd); err != nil && isNoScript(err) {
		cmd = newInspectCmd(ctx, o).eval(ctx)
		_ = in.client.Process(ctx, cmd)
	}
	if err := in.fromReply(ctx, o, opts, cmd, &s); err != nil || !s.Found {
		return s, err
	}
	if opts.Missing && s.MissingCount > 0 {
		var err error
		s.Missing, err = be.missing(ctx, s.Parties, MaxMissing, s.MissingCount)
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// inspectScript reads all of one barrier in one round trip: the type and time to live of each of
// its keys (refusing a key of another type), its counts, failures by reason, META and phase
// state, and its reasons' counter keys.
//
// KEYS[1..8]: joined SET, failed HASH, failures HASH, meta HASH, phase HASH, phase-seen HASH,
// phase-left SET, phase-log LIST; ARGV[1] the key prefix, ARGV[2] the scope (for the counters,
// which share the barrier's hash tag, so its slot).
// Returns {types, pttls, joined, failed, failures, meta, phase, left, last, counters, hasLast,
// instances}. See lua/inspect.lua.
//
//nolint:gochecknoglobals // a Redis script, loaded once (its SHA computed once)
var (
	inspectScriptSource = luaSource("inspect.lua")
	inspectScript       = redis.NewScript(inspectScriptSource)
)

// inspectCmd is the EVALSHA (or EVAL) of inspectScript for one barrier.
type inspectCmd struct {
	*redis.Cmd
	keys []string
	args []any
}

func newInspectCmd(ctx context.Context, o Options) inspectCmd {
	k := newKeyLayout(o)
	keys := append([]string{k.joined, k.failed, k.failures, metaKey(k)}, newPhaseKeys(k).list()...)
	args := make([]any, 0, 3+len(keys)+2)
	args = append(args, "evalsha", inspectScript.Hash(), len(keys))
	for _, key := range keys {
		args = append(args, key)
	}
	args = append(args, k.prefix, k.scope)
	return inspectCmd{Cmd: redis.NewCmd(ctx, args...), keys: keys, args: []any{k.prefix, k.scope}}
}

// eval is the same call with the script's source, for a Redis that does not have it yet.
func (c inspectCmd) eval(ctx context.Context) inspectCmd {
	args := make([]any, 0, 3+len(c.keys)+len(c.args))
	args = append(args, "eval", inspectScriptSource, len(c.keys))
	for _, key := range c.keys {
		args = append(args, key)
	}
	args = append(args, c.args...)
	return inspectCmd{Cmd: redis.NewCmd(ctx, args...), keys: c.keys, args: c.args}
}

func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }

// fromReply fills s from an inspectScript reply.
func (in *Inspector) fromReply(ctx context.Context, o Options, opts InspectOptions, cmd inspectCmd, s *Snapshot) error {
	be := in.backend(o)
	res, err := cmd.Slice()
	if err != nil {
		return be.wrap(ctx, err, "")
	}
	bad := func() error { return fmt.Errorf("redis %s: unexpected reply %v from the inspect script", in.addr, res) }
	if len(res) != 12 {
		return bad()
	}
	types, _ := res[0].([]any)
	ttls, _ := res[1].([]any)
	if len(types) != len(cmd.keys) || len(ttls) != len(cmd.keys) {
		return bad()
	}
	hasPhase := false
	for i, t := range types {
		typ, _ := t.(string)
		if typ == "none" {
			continue
		}
		s.Found = true
		s.Keys = append(s.Keys, KeyState{Key: cmd.keys[i], Type: typ, TTL: pttl(ttls[i])})
		hasPhase = hasPhase || i >= 4
	}
	if !s.Found {
		return nil
	}
	joined, _ := res[2].(int64)
	failed, _ := res[3].(int64)
	c := counts{joined: int(joined), failed: int(failed), failures: map[string]int{}}
	for k, v := range pairs(res[4]) {
		n, _ := strconv.Atoi(v)
		c.failures[k] = n
	}
	s.Joined, s.Failed, s.Accounted, s.Failures = c.joined, c.failed, c.joined+c.failed, c.failures
	meta := pairs(res[5])
	if err := s.readMeta(meta); err != nil {
		return fmt.Errorf("redis %s: key %s: %w", in.addr, cmd.keys[3], err)
	}
	counters, _ := res[9].([]any)
	var cs []KeyState
	for i := 0; i+2 < len(counters); i += 3 {
		key, _ := counters[i].(string)
		typ, _ := counters[i+1].(string)
		cs = append(cs, KeyState{Key: key, Type: typ, TTL: pttl(counters[i+2])})
	}
	sort.Slice(cs, func(i, j int) bool { return strings.ToLower(cs[i].Key) < strings.ToLower(cs[j].Key) })
	s.Keys = append(s.Keys, cs...)
	if opts.Parties > 0 {
		s.Parties, s.PartiesFrom = opts.Parties, "given"
	}
	if hasPhase {
		left, _ := res[7].(int64)
		last, _ := res[8].(string)
		hasLast, _ := res[10].(int64)
		if s.Phase, err = in.phaseFrom(o, pairs(res[6]), int(left), last, hasLast == 1, s.Parties); err != nil {
			return err
		}
		instances, _ := res[11].(int64)
		s.Phase.Instances = int(instances)
	}
	if s.Parties == 0 {
		return nil
	}
	s.Quorum, s.MaxFailures = opts.Quorum, opts.MaxFailures
	if q, m, ok := waitRule(meta); ok && opts.Quorum == 0 && opts.MaxFailures == 0 {
		s.Quorum, s.MaxFailures = q, min(m, s.Parties) // the rule of the script's wait (waitrule.go)
	}
	if s.Quorum <= 0 || s.Quorum > s.Parties {
		s.Quorum = s.Parties
	}
	s.Outcome = decide(c, s.Parties, s.Quorum, s.MaxFailures)
	s.MissingCount = max(0, s.Parties-s.Accounted)
	return nil
}

// pttl converts a PTTL reply: -1 (no expiry) stays -1.
func pttl(v any) time.Duration {
	ms, _ := v.(int64)
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// pairs converts a flat HGETALL reply to a map.
func pairs(v any) map[string]string {
	list, _ := v.([]any)
	m := make(map[string]string, len(list)/2)
	for i := 0; i+1 < len(list); i += 2 {
		k, _ := list[i].(string)
		m[k] = fmt.Sprint(list[i+1])
	}
	return m
}

// readMeta takes parties and the times from a META hash.
func (s *Snapshot) readMeta(meta map[string]string) error {
	if v, ok := meta[MetaParties]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || ValidateParties(n) != nil {
			return fmt.Errorf("field %s is %q, not a number of parties", MetaParties, truncate(v, 40))
		}
		s.Parties, s.PartiesFrom = n, "meta"
	}
	s.Created = parseMetaTime(meta[MetaCreated])
	s.Released = parseMetaTime(meta[MetaReleased])
	s.RunEnded = runEnded(meta)
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

// wrap adds the address to a Redis error and explains a missing or wrong password.
func (in *Inspector) wrap(ctx context.Context, err error) error {
	return (&redisBackend{client: in.client, addr: in.addr}).wrap(ctx, err, "")
}

// phaseFrom builds the rendezvous's state of the barrier o from its phase hash h, the number of
// participants that left, and the last settled phase's record (when hasLast). parties (0: unknown)
// are the barrier's; when unknown, those of the last record are used for Needed.
func (in *Inspector) phaseFrom(
	o Options, h map[string]string, left int, last string, hasLast bool, parties int,
) (*PhaseState, error) {
	num := func(field string) int64 {
		n, _ := strconv.ParseInt(h[field], 10, 64)
		return n
	}
	ps := &PhaseState{Current: num("phase"), Arrived: int(num("arrived")), Left: left}
	if hasLast {
		rec, err := decodePhaseRecord(last)
		if err != nil {
			return nil, fmt.Errorf("redis %s: key %s: %w", in.addr, newPhaseKeys(newKeyLayout(o)).log, err)
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
