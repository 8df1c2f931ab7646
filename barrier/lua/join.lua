-- join: accounts many ids as joined, atomically, in one round trip (the joins that arrived while
-- the previous call was under way: see batcher). Each id counts at most once across join and fail.
--
-- KEYS[1] joined SET, KEYS[2] failed HASH, KEYS[3] failures HASH, KEYS[4] meta HASH.
-- ARGV[1] ttl in ms, ARGV[2] channel, ARGV[3] parties, ARGV[4..] the ids.
-- Returns {created, reply for ARGV[4], reply for ARGV[5], ...}: a reply is 1 when the id was counted
-- now, else what was recorded before, "joined" or "failed:<reason>"; created is the meta's creation
-- time in ms (Redis TIME). When the meta records other parties it writes nothing and replies the
-- error "BARRIER_MISMATCH parties <recorded>"; a key of another type: "WRONGTYPE key <key> ...".
--
-- The first counting write records the barrier's parameters in the meta (parties, created), and
-- its epoch: the call's token (once_head.lua), which names this state for good (see counts.lua). A call
-- that counted sets the TTL of the keys it wrote and publishes "<joined> <failed>" on the channel
-- once: PUBLISH to no subscriber is O(1), and a waiter judges from the payload without reading.
local ttl, channel, parties = ARGV[1], ARGV[2], ARGV[3]
local bad = check({ 'set', 'hash', 'hash', 'hash' })
if bad then
  return bad
end
local recorded, created, mismatch = read_meta(parties)
if mismatch then
  return mismatch
end
local out, counted = { 0 }, false
for i = 4, #ARGV do
  local id = ARGV[i]
  local prev = redis.call('HGET', KEYS[2], id)
  if prev then
    out[#out + 1] = 'failed:' .. prev
  elseif redis.call('SADD', KEYS[1], id) == 0 then
    out[#out + 1] = 'joined'
  else
    out[#out + 1] = 1
    counted = true
  end
end
if counted then
  redis.call('PEXPIRE', KEYS[1], ttl)
  if not recorded then
    local t = redis.call('TIME')
    created = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('HSET', KEYS[4], 'parties', parties, 'created', created, 'epoch', TOKEN)
  end
  redis.call('PEXPIRE', KEYS[4], ttl)
  redis.call('PUBLISH', channel, redis.call('SCARD', KEYS[1]) .. ' ' .. redis.call('HLEN', KEYS[2]))
end
out[1] = created
return out
