package barrier

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// missingChunk is how many ids one missing-scan script call checks, so that
// a barrier of a million parties never blocks Redis for long.
const missingChunk = 10000

// redisBackend keeps a barrier in Redis. See keyLayout for the keys.
type redisBackend struct {
	client  redis.UniversalClient
	addr    string // for errors; never holds a password
	keys    keyLayout
	ttlMs   int64
	parties int
	hook    *failoverHook               // nil on a client of the caller's (NewWithClient)
	joins   *batcher[string, joinReply] // joins made at the same time share a round trip
}

// joinReply is what join.lua says of one id, with the meta's creation time.
type joinReply struct {
	rec     Record
	created time.Time
}

// maxJoinBatch bounds the ids of one join.lua call, so that one call never holds Redis long.
const maxJoinBatch = 256

// joinSenders is how many join.lua calls of one barrier may be under way at once (from one process).
const joinSenders = 4

func newRedisBackend(client redis.UniversalClient, addr string, o Options) *redisBackend {
	r := &redisBackend{client: client, addr: addr, keys: newKeyLayout(o), ttlMs: o.TTL.Milliseconds(), parties: o.Parties}
	r.joins = &batcher[string, joinReply]{max: maxJoinBatch, senders: joinSenders, send: r.joinBatch}
	return r
}

func (r *redisBackend) writeArgs() writeArgs {
	return writeArgs{TTLms: r.ttlMs, Channel: r.keys.channel, Parties: r.parties}
}

func (r *redisBackend) record(ctx context.Context, id, reason string) (Record, time.Time, error) {
	if reason == "" {
		rep, err := r.joins.do(ctx, id)
		if err != nil {
			return Record{}, time.Time{}, r.wrap(ctx, err, reason)
		}
		return rep.rec, rep.created, nil
	}
	keys := []string{r.keys.joined, r.keys.failed, r.keys.failures, r.keys.meta, r.keys.reasonCounter(reason)}
	args := failArgs{writeArgs: r.writeArgs(), ID: id, Reason: reason}
	res, err := failScript.run(ctx, r.client, r.keys, keys, args.argv()...).Slice()
	if err != nil {
		return Record{}, time.Time{}, r.wrap(ctx, err, reason)
	}
	if len(res) != 2 {
		return Record{}, time.Time{}, fmt.Errorf("redis %s: unexpected reply %v from the fail script", r.addr, res)
	}
	rec, ok := recordReply(res[0])
	if !ok {
		return Record{}, time.Time{}, fmt.Errorf("redis %s: unexpected reply %v from the fail script", r.addr, res)
	}
	created, _ := res[1].(int64)
	return rec, msTime(created), nil
}

// joinBatch runs join.lua for ids: one round trip.
func (r *redisBackend) joinBatch(ctx context.Context, ids []string) ([]joinReply, error) {
	keys := []string{r.keys.joined, r.keys.failed, r.keys.failures, r.keys.meta}
	res, err := joinScript.run(ctx, r.client, r.keys, keys, joinArgs{writeArgs: r.writeArgs(), IDs: ids}.argv()...).Slice()
	if err != nil {
		return nil, err
	}
	if len(res) != 1+len(ids) {
		return nil, fmt.Errorf("unexpected reply %v from the join script", res)
	}
	created, _ := res[0].(int64)
	out := make([]joinReply, len(ids))
	for i, v := range res[1:] {
		rec, ok := recordReply(v)
		if !ok {
			return nil, fmt.Errorf("unexpected reply %v from the join script", res)
		}
		out[i] = joinReply{rec: rec, created: msTime(created)}
	}
	return out, nil
}

// recordReply reads join.lua's or fail.lua's reply for one id: 1 when counted, else what was
// recorded before.
func recordReply(v any) (Record, bool) {
	switch v := v.(type) {
	case int64:
		return Record{Counted: true}, true
	case string:
		return Record{Previous: v}, true
	}
	return Record{}, false
}

// msTime converts ms since the epoch; 0 is the zero time.
func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func (r *redisBackend) counts(ctx context.Context) (counts, error) {
	keys := []string{r.keys.joined, r.keys.failed, r.keys.failures, r.keys.meta, r.keys.tombstone}
	res, err := countsScript.Run(ctx, r.client, keys).Slice()
	if err != nil {
		return counts{}, r.wrap(ctx, err, "")
	}
	if len(res) != 7 {
		return counts{}, fmt.Errorf("redis %s: unexpected reply %v from the counts script", r.addr, res)
	}
	joined, _ := res[0].(int64)
	failed, _ := res[1].(int64)
	pairs, _ := res[2].([]interface{})
	c := counts{joined: int(joined), failed: int(failed), failures: make(map[string]int, len(pairs)/2)}
	for i := 0; i+1 < len(pairs); i += 2 {
		reason, _ := pairs[i].(string)
		n, _ := strconv.Atoi(fmt.Sprint(pairs[i+1]))
		c.failures[reason] = n
	}
	if recorded, _ := res[3].(string); r.parties > 0 && recorded != "" && recorded != strconv.Itoa(r.parties) {
		return counts{}, r.mismatch(recorded)
	}
	if created, err := strconv.ParseInt(fmt.Sprint(res[4]), 10, 64); err == nil {
		c.created = msTime(created)
	}
	c.epoch, _ = res[5].(string)
	c.tombstone, _ = res[6].(string)
	return c, nil
}

// mismatch is the error of a barrier whose meta records other parties.
func (r *redisBackend) mismatch(recorded string) error {
	return permanentError(fmt.Sprintf("parties %d here but %s recorded in %s by another instance: "+
		"all instances must use the same parties (or the key is left from an earlier run with this runId: "+
		"use a new runId per run, or call reset() in setup())", r.parties, recorded, r.keys.meta))
}

func (r *redisBackend) missing(ctx context.Context, parties, limit, want int) ([]int, error) {
	var out []int
	keys := []string{r.keys.joined, r.keys.failed}
	for from := 1; from <= parties && len(out) < limit && len(out) < want; from += missingChunk {
		to := min(parties, from+missingChunk-1)
		args := missingArgs{From: from, To: to, Limit: min(limit, want) - len(out)}
		ids, err := missingScript.Run(ctx, r.client, keys, args.argv()...).Int64Slice()
		if err != nil {
			return nil, r.wrap(ctx, err, "")
		}
		for _, id := range ids {
			out = append(out, int(id))
		}
	}
	return out, nil
}

// reset deletes every key of the barrier, its one-shot state and its rendezvous alike (resetKeys),
// and ends this process's waiters of the rendezvous state it deleted.
func (r *redisBackend) reset(ctx context.Context) error {
	phase := newPhaseKeys(r.keys)
	keys := append([]string{r.keys.joined, r.keys.failed, r.keys.meta}, phase.list()...)
	_, epoch, err := resetKeys(ctx, r.client, r.keys, append(keys, phase.owners, phase.instances))
	if err != nil {
		return r.wrap(ctx, err, "")
	}
	if epoch != "" {
		sessionFor(r, r.parties).phases.resetOf(epoch) // or its notice did already
	}
	return nil
}

func (r *redisBackend) where() string { return "redis " + r.addr }

// down returns, while commands fail for want of a master (Redis down, or a failover in progress),
// an error saying so and since when; else nil.
func (r *redisBackend) down() error {
	if err := r.hook.down(); err != nil {
		return fmt.Errorf("redis %s: %w", r.addr, err)
	}
	return nil
}

// watch registers a wait with the process's session of the barrier (one subscription for all).
func (r *redisBackend) watch(ctx context.Context) (watcher, error) {
	return sessionFor(r, r.parties).watch(ctx, false)
}

// progressClock is the session's: one progress line per interval for all the process's waits.
func (r *redisBackend) progressClock() *progressClock { return &sessionFor(r, r.parties).progress }

// parseHint reads a "<joined> <failed>" payload, or "reset"; anything else
// asks for a re-read.
func parseHint(payload string) hint {
	if payload == resetMessage {
		return hint{reset: true}
	}
	j, f, ok := strings.Cut(payload, " ")
	if !ok {
		return hint{}
	}
	joined, err1 := strconv.Atoi(j)
	failed, err2 := strconv.Atoi(f)
	if err1 != nil || err2 != nil {
		return hint{}
	}
	return hint{joined: joined, failed: failed, known: true}
}

// wrap adds the server address to a Redis error, and names the key when one
// of the barrier's keys holds the wrong type. reason is the failure reason
// of the call, if any (its counter key is checked too).
func (r *redisBackend) wrap(ctx context.Context, err error, reason string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redis %s: %w", r.addr, err)
	}
	if msg := err.Error(); strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "unauthenticated") {
		// A command with many arguments from an unauthenticated client gets "ERR Protocol error:
		// unauthenticated multibulk length" instead of NOAUTH: both mean the same.
		return permanentError("redis " + r.addr + ": NOAUTH authentication required: the server needs a password: " +
			"give it in the URL, redis://:password@host:port (or redis://user:password@host:port)")
	}
	if msg := err.Error(); strings.Contains(msg, "NOPERM") || strings.Contains(msg, "can't run this command") {
		return permanentError("redis " + r.addr + ": " + noPerm(msg))
	}
	if recorded, ok := strings.CutPrefix(err.Error(), "BARRIER_MISMATCH parties "); ok {
		return r.mismatch(recorded)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "WRONGTYPE key ") { // from a script's check: names the key
		return permanentError("redis " + r.addr + ": " + strings.TrimPrefix(msg, "WRONGTYPE "))
	}
	if strings.Contains(err.Error(), "WRONGTYPE") {
		if key, typ := r.wrongTypeKey(ctx, reason); key != "" {
			return permanentError(
				"redis " + r.addr + ": key " + key + " holds a " + typ + ", not what the barrier stores there: " +
					"another program uses this key; use another runId or keyPrefix, or delete the key: " + err.Error())
		}
	}
	return fmt.Errorf("redis %s: %w", r.addr, err)
}

// aclCategories are the ACL categories of the commands the barrier runs that a restricted Redis
// user most often lacks.
//
//nolint:gochecknoglobals // a constant table
var aclCategories = map[string]string{
	"publish": "@pubsub", "subscribe": "@pubsub", "unsubscribe": "@pubsub", "pubsub": "@pubsub",
	"evalsha": "@scripting", "eval": "@scripting", "script": "@scripting",
}

// noPerm says which permission a Redis user lacks, from the server's words msg: a command refused
// (NOPERM ... the 'subscribe' command), or a command of a barrier script (the server does not say
// which: every script that writes PUBLISHes).
func noPerm(msg string) string {
	const fix = ": grant it to the user of the URL, e.g. ACL SETUSER <user> +%s (the barrier's scripts read and " +
		"write its keys, @read and @write, and PUBLISH its changes, @pubsub); the server said: %s"
	if _, rest, ok := strings.Cut(msg, "run the '"); ok {
		cmd, _, _ := strings.Cut(rest, "'")
		cat, known := aclCategories[strings.ToLower(cmd)]
		if !known {
			cat = "<the category of " + strings.ToUpper(cmd) + ": ACL CAT>"
		}
		return fmt.Sprintf("NOPERM: the Redis user may not run %s, which needs %s"+fix, strings.ToUpper(cmd), cat, cat, msg)
	}
	return fmt.Sprintf("NOPERM: the Redis user may not run a command of the barrier's script, most likely PUBLISH, "+
		"which needs @pubsub (what the script wrote before it stays written)"+fix, "@pubsub", msg)
}

// wrongTypeKey returns the first barrier key holding an unexpected type.
func (r *redisBackend) wrongTypeKey(ctx context.Context, reason string) (key, typ string) {
	want := []struct{ key, typ string }{
		{r.keys.joined, "set"}, {r.keys.failed, "hash"}, {r.keys.failures, "hash"}, {r.keys.meta, "hash"},
	}
	if reason != "" {
		want = append(want, struct{ key, typ string }{r.keys.reasonCounter(reason), "string"})
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for _, w := range want {
		got, err := r.client.Type(ctx, w.key).Result()
		if err == nil && got != "none" && got != w.typ {
			return w.key, got
		}
	}
	return "", ""
}

// permanentError is a Redis error that no retry fixes (a missing password, a
// key of the wrong type): a wait ends with it at once.
type permanentError string

func (e permanentError) Error() string { return string(e) }

// configError is an error of the connection's configuration that no retry fixes, with its cause: a
// server certificate that does not verify, or a connection refused before the server ever answered
// this process (a wrong address, a Redis not started; not a failover).
type configError struct{ error }

func (e configError) Unwrap() error { return e.error }
