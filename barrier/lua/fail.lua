-- fail: accounts one id as failed with a reason, atomically, in one round trip. The id counts at
-- most once across join and fail.
--
-- KEYS[1] joined SET, KEYS[2] failed HASH, KEYS[3] failures HASH, KEYS[4] meta HASH, KEYS[5] the
-- reason's counter (a string holding a count, GET-able).
-- ARGV[1] ttl in ms, ARGV[2] channel, ARGV[3] parties, ARGV[4] id, ARGV[5] reason.
-- Returns {1, created} when counted, or {"joined" or "failed:<reason>", created} when the id was
-- accounted before; created is the meta's creation time in ms (Redis TIME). The first counting write
-- records the meta as join.lua's does. Errors as join.lua's.
local ttl, channel, parties, id, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local bad = check({ 'set', 'hash', 'hash', 'hash', 'string' })
if bad then
  return bad
end
local n = redis.call('GET', KEYS[5])
if n and not string.match(n, '^%d+$') then
  return redis.error_reply('WRONGTYPE key ' .. KEYS[5] .. ' holds the string "' .. string.sub(n, 1, 40) ..
    '", not the count of failures the barrier keeps there: another program uses this key; use another runId or keyPrefix, or delete the key')
end
local recorded, created, mismatch = read_meta(parties)
if mismatch then
  return mismatch
end
local prev = redis.call('HGET', KEYS[2], id)
if prev then
  return { 'failed:' .. prev, created }
end
if redis.call('SISMEMBER', KEYS[1], id) == 1 then
  return { 'joined', created }
end
redis.call('HSET', KEYS[2], id, reason)
redis.call('HINCRBY', KEYS[3], reason, 1)
redis.call('INCR', KEYS[5])
if not recorded then
  local t = redis.call('TIME')
  created = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', KEYS[4], 'parties', parties, 'created', created, 'epoch', TOKEN)
end
for i = 2, 5 do
  redis.call('PEXPIRE', KEYS[i], ttl)
end
redis.call('PUBLISH', channel, redis.call('SCARD', KEYS[1]) .. ' ' .. redis.call('HLEN', KEYS[2]))
return { 1, created }
