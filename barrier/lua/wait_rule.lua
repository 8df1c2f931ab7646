-- wait_rule: records the rule of a wait() in the barrier's meta, so that the Inspector (k6 x barrier
-- status, list, watch) judges the barrier as the script's wait does. The latest wait's rule stands.
--
-- KEYS[1] meta HASH. ARGV[1] ttl in ms, ARGV[2] quorum, ARGV[3] maxFailures.
-- Returns 1; a meta of another type: the error "WRONGTYPE key <key> ...".
local ttl, quorum, max_failures = ARGV[1], ARGV[2], ARGV[3]
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' and t ~= 'hash' then
  return redis.error_reply('WRONGTYPE key ' .. KEYS[1] .. ' is a ' .. t .. ', not a hash')
end
redis.call('HSET', KEYS[1], 'quorum', quorum, 'maxFailures', max_failures)
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
