-- counts: a barrier's counts in one round trip.
--
-- KEYS[1] joined SET, KEYS[2] failed HASH, KEYS[3] failures HASH, KEYS[4] meta HASH.
-- Returns {joined, failed, {reason, count, reason, count, ...}, parties, created}: the meta's
-- fields, "" when there are none. A key of another type: "WRONGTYPE key <key> ...".
local bad = check({ 'set', 'hash', 'hash', 'hash' })
if bad then
  return bad
end
local meta = redis.call('HMGET', KEYS[4], 'parties', 'created')
return { redis.call('SCARD', KEYS[1]), redis.call('HLEN', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  meta[1] or '', meta[2] or '' }
