-- counts: a barrier's counts in one round trip.
--
-- KEYS[1] joined SET, KEYS[2] failed HASH, KEYS[3] failures HASH, KEYS[4] meta HASH, KEYS[5] the
-- one-shot tombstone (a STRING: the epoch the last reset deleted, see reset.lua).
-- Returns {joined, failed, {reason, count, reason, count, ...}, parties, created, epoch, tombstone}:
-- the meta's fields and the tombstone, "" when there are none. A key of another type: "WRONGTYPE key
-- <key> ...".
local bad = check({ 'set', 'hash', 'hash', 'hash', 'string' })
if bad then
  return bad
end
local meta = redis.call('HMGET', KEYS[4], 'parties', 'created', 'epoch')
return { redis.call('SCARD', KEYS[1]), redis.call('HLEN', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  meta[1] or '', meta[2] or '', meta[3] or '', redis.call('GET', KEYS[5]) or '' }
