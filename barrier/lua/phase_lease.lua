-- phase_lease: renews this process's instance lease, and makes the participants of every instance
-- whose lease expired (a k6 process killed, its host lost) leave, as phase_leave does: their
-- arrivals at the current phase are withdrawn, later phases need fewer, and the current phase is
-- settled when the others that take part are all there. With withdraw, this instance's own lease
-- ends now (its process ends gracefully) and its participants leave at once. After keytypes.lua and
-- phase_lib.lua.
--
-- A lease is judged only by a sweep that comes soon after the previous one (PHASE's `swept`, Redis
-- time): every live process sweeps once a tick (a second), so a gap of half a lease in which no
-- process's script ran means Redis itself could not serve (stalled, or a replica being promoted
-- after a failover), and every instance was cut off alike. Then no instance is to blame: each gets a
-- full lease from now, and one that is really gone leaves a lease later.
--
-- KEYS[5] OWNERS hash (id -> the instance it arrived from), KEYS[6] INSTANCES sorted set
-- (instance -> the Redis time, ms, its lease ends).
-- ARGV[7..]: instance, lease ms, withdraw ('1' or '0').
-- Returns {participants that left, 1 when this instance still holds a lease (else 0: it withdrew,
-- or its lease was gone: expired and removed by another process, or deleted by a reset)}.
local bad = check({ 'hash', 'hash', 'set', 'list', 'hash', 'zset' })
if bad then return bad end
local OWNERS, INSTANCES = KEYS[5], KEYS[6]
local instance, lease, withdraw = ARGV[7], tonumber(ARGV[8]), ARGV[9] == '1'
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = 0
if withdraw then
  redis.call('ZADD', INSTANCES, 'XX', 0, instance)
elseif redis.call('ZSCORE', INSTANCES, instance) then
  redis.call('ZADD', INSTANCES, 'XX', now_ms + lease, instance)
  held = 1
end
local expired = redis.call('ZRANGEBYSCORE', INSTANCES, '-inf', now_ms)
local exists = redis.call('EXISTS', PHASE) == 1
local swept = exists and tonumber(redis.call('HGET', PHASE, 'swept') or '') or nil
if exists then
  redis.call('HSET', PHASE, 'swept', now_ms)
end
if swept and now_ms - swept > lease / 2 then
  local gone = {}
  for _, i in ipairs(expired) do
    if withdraw and i == instance then
      gone[#gone + 1] = i
    else
      redis.call('ZADD', INSTANCES, 'XX', now_ms + lease, i)
    end
  end
  expired = gone
end
if #expired == 0 then
  return { 0, held }
end
redis.call('ZREM', INSTANCES, unpack(expired))
if not exists then
  return { 0, held }
end
local dead = {}
for _, i in ipairs(expired) do
  dead[i] = true
end
local phase, n = hnum('phase'), 0
local owners = redis.call('HGETALL', OWNERS)
for k = 1, #owners, 2 do
  local id, owner = owners[k], owners[k + 1]
  if dead[owner] then
    redis.call('HDEL', OWNERS, id)
    if redis.call('SADD', LEFT, id) == 1 then
      n = n + 1
      if tonumber(redis.call('HGET', SEEN, id) or '-1') == phase then
        redis.call('HINCRBY', PHASE, 'arrived', -1)
        redis.call('HSET', SEEN, id, phase - 1)
      end
    end
  end
end
if n > 0 and not due() then
  touch()
end
return { n, held }
