-- phase_leave: takes a participant out of later phases and withdraws its arrival at the current
-- one; the phase is settled when the others that take part are all there. After keytypes.lua and
-- phase_lib.lua.
--
-- ARGV[7]: id.
-- Returns {counted 0/1, phase, withdrawn 0/1}.
local bad = check({ 'hash', 'hash', 'set', 'list' })
if bad then return bad end
local id = ARGV[7]
local phase = hnum('phase')
if redis.call('SADD', LEFT, id) == 0 then
  return { 0, phase, 0 }
end
local withdrawn = 0
if tonumber(redis.call('HGET', SEEN, id) or '-1') == phase then
  withdrawn = 1
  redis.call('HINCRBY', PHASE, 'arrived', -1)
  redis.call('HSET', SEEN, id, phase - 1)
end
if not due() then
  touch()
end
return { 1, phase, withdrawn }
