package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// enqueueScript adds a user to the queue unless already there (a reconnect
// keeps its place), records which connection holds the place and returns the
// 1-based position.
// KEYS: waiting, queueIndex, userIDs, seq. ARGV: userId, connId, now (ms).
//
//nolint:gochecknoglobals // a Redis script, loaded once (its SHA computed once)
var enqueueScript = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local seq = redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[1], seq, ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], '{"index":' .. seq .. ',"enqueuedAt":' .. ARGV[3] .. '}')
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return redis.call('ZRANK', KEYS[1], ARGV[1]) + 1
`)

// removeScript removes a user from the three keys if the given connection
// still holds the place (a newer connection of the same user keeps it).
// KEYS: waiting, queueIndex, userIDs. ARGV: userId, connId.
//
//nolint:gochecknoglobals // a Redis script, loaded once (its SHA computed once)
var removeScript = redis.NewScript(`
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`)

// promoteScript pops up to n users in queue order, removes them from the
// hashes and returns userId, connId pairs.
// KEYS: waiting, queueIndex, userIDs. ARGV: n.
//
//nolint:gochecknoglobals // a Redis script, loaded once (its SHA computed once)
var promoteScript = redis.NewScript(`
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[1])
local out = {}
for i = 1, #popped, 2 do
  local uid = popped[i]
  local conn = redis.call('HGET', KEYS[3], uid)
  redis.call('HDEL', KEYS[2], uid)
  redis.call('HDEL', KEYS[3], uid)
  out[#out + 1] = uid
  out[#out + 1] = conn or ''
end
return out
`)

// promotion is one user taken off a queue by the dispatcher.
type promotion struct {
	UserID string
	ConnID string
}

// queue holds the waiting queues of all events in Redis. Every write is one
// atomic Lua script.
type queue struct {
	rdb  *redis.Client
	keys keys
}

// enqueue adds userID to the queue of eventID for connection connID and
// returns the user's 1-based position.
func (q *queue) enqueue(ctx context.Context, eventID, userID, connID string) (int64, error) {
	ks := []string{q.keys.waiting(eventID), q.keys.queueIndex(eventID), q.keys.userIDs(eventID), q.keys.seq(eventID)}
	pos, err := enqueueScript.Run(ctx, q.rdb, ks, userID, connID, time.Now().UnixMilli()).Int64()
	if err != nil {
		return 0, fmt.Errorf("enqueue user %s for event %s: %w", userID, eventID, err)
	}
	return pos, nil
}

// position returns the 1-based position of userID, and false if the user is
// not in the queue.
func (q *queue) position(ctx context.Context, eventID, userID string) (int64, bool, error) {
	rank, err := q.rdb.ZRank(ctx, q.keys.waiting(eventID), userID).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("position of user %s in event %s: %w", userID, eventID, err)
	}
	return rank + 1, true, nil
}

// remove takes userID off the queue of eventID if connection connID still
// holds the place, and reports whether it did.
func (q *queue) remove(ctx context.Context, eventID, userID, connID string) (bool, error) {
	ks := []string{q.keys.waiting(eventID), q.keys.queueIndex(eventID), q.keys.userIDs(eventID)}
	n, err := removeScript.Run(ctx, q.rdb, ks, userID, connID).Int64()
	if err != nil {
		return false, fmt.Errorf("remove user %s from event %s: %w", userID, eventID, err)
	}
	return n == 1, nil
}

// promote pops up to n users of eventID in queue order.
func (q *queue) promote(ctx context.Context, eventID string, n int) ([]promotion, error) {
	if n <= 0 {
		return nil, nil
	}
	ks := []string{q.keys.waiting(eventID), q.keys.queueIndex(eventID), q.keys.userIDs(eventID)}
	vals, err := promoteScript.Run(ctx, q.rdb, ks, strconv.Itoa(n)).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("promote %d users of event %s: %w", n, eventID, err)
	}
	out := make([]promotion, 0, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		out = append(out, promotion{UserID: vals[i], ConnID: vals[i+1]})
	}
	return out, nil
}

// count returns the number of users waiting for eventID (ZCARD).
func (q *queue) count(ctx context.Context, eventID string) (int64, error) {
	n, err := q.rdb.ZCard(ctx, q.keys.waiting(eventID)).Result()
	if err != nil {
		return 0, fmt.Errorf("count waiting users of event %s: %w", eventID, err)
	}
	return n, nil
}

// setOpen marks eventID open (true) or closed (false).
func (q *queue) setOpen(ctx context.Context, eventID string, open bool) error {
	var err error
	if open {
		err = q.rdb.Set(ctx, q.keys.open(eventID), "1", 0).Err()
	} else {
		err = q.rdb.Del(ctx, q.keys.open(eventID)).Err()
	}
	if err != nil {
		return fmt.Errorf("set event %s open=%t: %w", eventID, open, err)
	}
	return nil
}

// isOpen reports whether eventID has been opened.
func (q *queue) isOpen(ctx context.Context, eventID string) (bool, error) {
	n, err := q.rdb.Exists(ctx, q.keys.open(eventID)).Result()
	if err != nil {
		return false, fmt.Errorf("read open flag of event %s: %w", eventID, err)
	}
	return n == 1, nil
}
