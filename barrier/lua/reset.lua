-- reset: deletes a barrier's keys, whatever their types, and wakes its waiters.
--
-- KEYS[1] joined, KEYS[2] failed, KEYS[3] failures, KEYS[4] meta, KEYS[5..] the counters of the
-- reasons ARGV[2..] the caller read (see reasons.lua); ARGV[1] channel. When KEYS[3] names a reason
-- the caller did not pass (a failure raced the reset), it deletes nothing and returns that reason so
-- that the caller retries with it; else "".
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
