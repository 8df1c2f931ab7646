-- run_end: records in the barrier's meta that one k6 instance's test ended (k6's TestEnd), as the
-- field "ended:<segment>" (the instance's execution segment, e.g. "0:1" or "1/2:1"). When the
-- ended segments cover 0..1, the whole run ended: `k6 x barrier watch` of a rendezvous stops there.
--
-- KEYS[1] meta HASH. ARGV[1] ttl in ms, ARGV[2] the segment.
-- Returns 1; a meta of another type: the error "WRONGTYPE key <key> ...".
local ttl, segment = ARGV[1], ARGV[2]
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' and t ~= 'hash' then
  return redis.error_reply('WRONGTYPE key ' .. KEYS[1] .. ' is a ' .. t .. ', not a hash')
end
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'ended:' .. segment, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
