-- phase_fail: breaks the phase a participant is heading to (the one after its last arrival, else
-- the current one) when that is the current phase and the barrier has phases. After keytypes.lua
-- and phase_lib.lua.
--
-- ARGV[7..]: id, reason.
-- Returns 1 when it broke the phase, else 0.
if redis.call('EXISTS', PHASE) == 0 then
  return 0
end
local bad = check({ 'hash', 'hash', 'set', 'list' })
if bad then return bad end
local id, reason = ARGV[7], ARGV[8]
local phase = hnum('phase')
local heading = phase
local seen = tonumber(redis.call('HGET', SEEN, id) or '-1')
if seen >= 0 and seen ~= phase then
  heading = seen + 1
end
if heading ~= phase then
  return 0
end
settle('failed', reason, id)
redis.call('HSET', SEEN, id, phase)
return 1
