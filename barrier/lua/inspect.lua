-- inspect: reads all of one barrier in one round trip, for the Inspector (k6 x barrier status,
-- list, watch): the type and time to live of each of its keys (refusing a key of another type), its
-- counts, failures by reason, META and phase state, its reasons' counter keys, and how many k6
-- instances hold a live lease on its rendezvous.
--
-- KEYS[1..8]: joined SET, failed HASH, failures HASH, meta HASH, phase HASH, phase-seen HASH,
-- phase-left SET, phase-log LIST; ARGV[1] the key prefix, ARGV[2] the scope (for the counters and the
-- PHASE_INSTANCES sorted set, which share the barrier's hash tag, so its slot).
-- Returns {types, pttls, joined, failed, failures, meta, phase, left, last, counters, hasLast,
-- instances}.
local want = {'set', 'hash', 'hash', 'hash', 'hash', 'hash', 'set', 'list'}
local types, ttls = {}, {}
for i = 1, 8 do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'none' and t ~= want[i] then
    return redis.error_reply('WRONGTYPE key ' .. KEYS[i] .. ' holds a ' .. t .. ', not the ' .. want[i] ..
      ' the barrier keeps there: another program uses this key; use another run id or key prefix, or delete the key')
  end
  types[i] = t
  if t == 'none' then ttls[i] = -2 else ttls[i] = redis.call('PTTL', KEYS[i]) end
end
local function when(i, f)
  if types[i] ~= 'none' then return f() end
  return nil
end
local joined = when(1, function() return redis.call('SCARD', KEYS[1]) end) or 0
local failed = when(2, function() return redis.call('HLEN', KEYS[2]) end) or 0
local failures = when(3, function() return redis.call('HGETALL', KEYS[3]) end) or {}
local meta = when(4, function() return redis.call('HGETALL', KEYS[4]) end) or {}
local phase = when(5, function() return redis.call('HGETALL', KEYS[5]) end) or {}
local left = when(7, function() return redis.call('SCARD', KEYS[7]) end) or 0
local last = when(8, function() return redis.call('LINDEX', KEYS[8], 0) end)
local counters = {}
for i = 1, #failures, 2 do
  local r = failures[i]
  if #r <= 32 and string.match(r, '^[a-z][a-z0-9_]*$') then
    local k = ARGV[1] .. '_' .. string.upper(r) .. '_FAIL:' .. ARGV[2]
    local t = redis.call('TYPE', k).ok
    if t ~= 'none' then
      counters[#counters + 1] = k
      counters[#counters + 1] = t
      counters[#counters + 1] = redis.call('PTTL', k)
    end
  end
end
local hasLast = 0
if last then hasLast = 1 else last = '' end
local instances = 0
local ikey = ARGV[1] .. '_PHASE_INSTANCES:' .. ARGV[2]
if redis.call('TYPE', ikey).ok == 'zset' then
  local t = redis.call('TIME')
  instances = redis.call('ZCOUNT', ikey, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), '+inf')
end
return {types, ttls, joined, failed, failures, meta, phase, left, last, counters, hasLast, instances}
