-- phase_read: the current phase and the records of the asked phases that settled, for a process
-- that re-reads after a possibly lost message.
--
-- KEYS: the rendezvous keys (see phase_lib.lua), then the tombstone; ARGV[1..]: the phases asked.
-- Returns {current phase (-1: no phase state), epoch-or-false, the epoch the last reset deleted
-- (the tombstone) or false, record-or-false per asked phase}.
local PHASE, LOG, TOMBSTONE = KEYS[1], KEYS[4], KEYS[5]
local tomb = redis.call('GET', TOMBSTONE) or false
if redis.call('EXISTS', PHASE) == 0 then
  return { -1, false, tomb }
end
local current = tonumber(redis.call('HGET', PHASE, 'phase') or '0')
local log = redis.call('LRANGE', LOG, 0, -1)
local out = { current, redis.call('HGET', PHASE, 'epoch') or false, tomb }
for i = 1, #ARGV do
  local found = false
  local want = tonumber(ARGV[i])
  if want < current then
    for _, rec in ipairs(log) do
      if tonumber(string.match(rec, '^(%d+)|')) == want then
        found = rec
        break
      end
    end
  end
  out[#out + 1] = found
end
return out
