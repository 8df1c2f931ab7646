package barrier

import "github.com/redis/go-redis/v9"

// recordScript accounts one id, atomically, in one round trip.
//
// KEYS[1] joined SET, KEYS[2] failed HASH, KEYS[3] failures HASH, KEYS[4]
// meta HASH, KEYS[5] the reason's counter (only when failing).
// ARGV[1] id, ARGV[2] reason ("" to join), ARGV[3] ttl in ms, ARGV[4]
// channel, ARGV[5] parties.
// Returns {1, created} when counted, or {"joined" or "failed:<reason>",
// created} when the id was accounted before; created is the meta's creation
// time in ms (Redis TIME), 0 when there is none. When the meta records other
// parties it writes nothing and replies the error "BARRIER_MISMATCH parties
// <recorded>".
//
// The first counting write records the barrier's parameters in the meta
// (parties, and created), in the same round trip. Each counting write sets
// the TTL of the keys it wrote and publishes "<joined> <failed>" on the
// channel: PUBLISH to no subscriber is O(1), and a waiter judges from the
// payload without reading (see redisWatcher).
var recordScript = redis.NewScript(checkTypes + `
local id, reason, ttl, channel, parties = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local bad = check({'set', 'hash', 'hash', 'hash', 'string'})
if bad then
  return bad
end
local recorded = redis.call('HGET', KEYS[4], 'parties')
if recorded and recorded ~= parties then
  return redis.error_reply('BARRIER_MISMATCH parties ' .. recorded)
end
if KEYS[5] then
  local n = redis.call('GET', KEYS[5])
  if n and not string.match(n, '^%d+$') then
    return redis.error_reply('WRONGTYPE key ' .. KEYS[5] .. ' holds the string "' .. string.sub(n, 1, 40) ..
      '", not the count of failures the barrier keeps there: another program uses this key; use another runId or keyPrefix, or delete the key')
  end
end
local created = tonumber(redis.call('HGET', KEYS[4], 'created') or '0') or 0
local prev = redis.call('HGET', KEYS[2], id)
if prev then
  return {'failed:' .. prev, created}
end
if reason == '' then
  if redis.call('SADD', KEYS[1], id) == 0 then
    return {'joined', created}
  end
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  if redis.call('SISMEMBER', KEYS[1], id) == 1 then
    return {'joined', created}
  end
  redis.call('HSET', KEYS[2], id, reason)
  redis.call('HINCRBY', KEYS[3], reason, 1)
  redis.call('INCR', KEYS[5])
  for i = 2, 3 do
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
  redis.call('PEXPIRE', KEYS[5], ttl)
end
if not recorded then
  local t = redis.call('TIME')
  created = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', KEYS[4], 'parties', parties, 'created', created)
end
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('PUBLISH', channel, redis.call('SCARD', KEYS[1]) .. ' ' .. redis.call('HLEN', KEYS[2]))
return {1, created}
`)

// checkTypes defines check(types): before anything is written, it
// returns an error reply naming the first of KEYS whose type is not
// types[i] (a missing key is fine), or nil.
const checkTypes = `
local function check(types)
  for i, want in ipairs(types) do
    if KEYS[i] then
      local got = redis.call('TYPE', KEYS[i]).ok
      if got ~= 'none' and got ~= want then
        return redis.error_reply('WRONGTYPE key ' .. KEYS[i] .. ' holds a ' .. got .. ', not the ' .. want ..
          ' the barrier keeps there: another program uses this key; use another runId or keyPrefix, or delete the key')
      end
    end
  end
  return nil
end
`

// countsScript reads a barrier's counts in one round trip.
//
// KEYS[1] joined SET, KEYS[2] failed HASH, KEYS[3] failures HASH, KEYS[4]
// meta HASH.
// Returns {joined, failed, {reason, count, reason, count, ...}, parties,
// created}: the meta's fields, "" when there are none.
var countsScript = redis.NewScript(checkTypes + `
local bad = check({'set', 'hash', 'hash', 'hash'})
if bad then
  return bad
end
local meta = redis.call('HMGET', KEYS[4], 'parties', 'created')
return {redis.call('SCARD', KEYS[1]), redis.call('HLEN', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  meta[1] or '', meta[2] or ''}
`)

// missingScript lists ids in ARGV[1]..ARGV[2] that are in neither KEYS[1]
// (joined SET) nor KEYS[2] (failed HASH), at most ARGV[3] of them.
var missingScript = redis.NewScript(`
local out = {}
local limit = tonumber(ARGV[3])
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local id = tostring(i)
  if redis.call('SISMEMBER', KEYS[1], id) == 0 and redis.call('HEXISTS', KEYS[2], id) == 0 then
    out[#out + 1] = i
    if #out >= limit then
      break
    end
  end
end
return out
`)

// resetScript deletes a barrier's keys, whatever their types, and wakes
// its waiters.
//
// KEYS[1] joined, KEYS[2] failed, KEYS[3] failures, KEYS[4] meta, KEYS[5..]
// the counters of the reasons ARGV[2..] the caller read (see reasonsScript); ARGV[1]
// channel. When KEYS[3] names a reason the caller did not pass (a failure
// raced the reset), it deletes nothing and returns that reason so the
// caller retries.
var resetScript = redis.NewScript(`
local known = {}
for i = 2, #ARGV do
  known[ARGV[i]] = true
end
if redis.call('TYPE', KEYS[3]).ok == 'hash' then
  for _, reason in ipairs(redis.call('HKEYS', KEYS[3])) do
    if not known[reason] then
      return reason
    end
  end
end
redis.call('DEL', unpack(KEYS))
redis.call('PUBLISH', ARGV[1], 'reset')
return ''
`)

// reasonsScript lists the failure reasons a barrier holds: the fields of
// KEYS[2] (failures HASH) and the values of KEYS[1] (failed HASH), each
// when the key is a hash, so that reset finds every counter key even when
// one of them was overwritten.
var reasonsScript = redis.NewScript(`
local seen, out = {}, {}
local function add(list)
  for _, r in ipairs(list) do
    if not seen[r] then
      seen[r] = true
      out[#out + 1] = r
    end
  end
end
if redis.call('TYPE', KEYS[2]).ok == 'hash' then
  add(redis.call('HKEYS', KEYS[2]))
end
if redis.call('TYPE', KEYS[1]).ok == 'hash' then
  add(redis.call('HVALS', KEYS[1]))
end
return out
`)
