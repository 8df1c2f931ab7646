-- phase_arrive: accounts arrivals at the current phase, in order: the arrivals one process made at
-- the same time (see batcher), one round trip for all. After keytypes.lua and phase_lib.lua.
-- It refuses an arrival that reaches Redis after its deadline (its caller gave it up: it must never
-- count), and every arrival of a process that knew the state under another epoch (the state
-- vanished: answering from what the process remembers would be a false release). A current phase
-- whose deadline passed (its waiters could not reach Redis to settle it) is settled by its rule
-- first, so that the arrival opens the next one. The first arrival of a state fixes its rule.
--
-- KEYS[5] is the tombstone: the epoch the last reset deleted; KEYS[6] the OWNERS hash and KEYS[7]
-- the INSTANCES sorted set (see phase_lease.lua): each arrival belongs to this process's instance,
-- whose lease it renews.
-- ARGV[7..]: quorum, pct, timeoutUs, ontimeout, known epoch (empty for none), new epoch (used when
-- the state does not exist), rule (parties, quorum, pct, timeoutUs, ontimeout, '|'-separated),
-- instance, lease ms, then for each arrival its id and deadline (Redis time, microseconds; 0 for
-- none).
-- Returns, for the whole call, {'reset', 0} (the known epoch was reset), {'rule', the rule fixed}
-- or {'lost', epoch-or-false}, writing nothing; else {'ok', epoch-or-false, reply...}, a reply per
-- arrival: {'twice', phase}, {'released', phase, record} (it settled the phase), {'waiting', phase,
-- remainingUs} or {'late', nowUs}.
local bad = check({ 'hash', 'hash', 'set', 'list' })
if bad then return bad end
local quorum, pct, timeout_us, ontimeout = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10]
local known, fresh, rule = ARGV[11], ARGV[12], ARGV[13]
local OWNERS, INSTANCES, instance, lease = KEYS[6], KEYS[7], ARGV[14], tonumber(ARGV[15])
local start = now_us()
local epoch = redis.call('HGET', PHASE, 'epoch')
if known ~= '' and epoch ~= known then
  if redis.call('GET', KEYS[5]) == known then
    return { 'reset', 0 }
  end
  return { 'lost', epoch or false }
end
if epoch then
  local fixed = redis.call('HGET', PHASE, 'rule')
  if fixed and fixed ~= rule then
    return { 'rule', fixed }
  end
end
local out = { 'ok', epoch or false }
for i = 16, #ARGV, 2 do
  local id, deadline = ARGV[i], tonumber(ARGV[i + 1])
  if deadline > 0 and start > deadline then
    out[#out + 1] = { 'late', string.format('%.0f', start) }
  else
    if not epoch then
      -- A new rendezvous: what is left of another one (whose PHASE hash vanished) must not count.
      epoch = fresh
      if redis.call('EXISTS', PHASE) == 0 then
        redis.call('DEL', SEEN, LOG)
      end
      redis.call('HSET', PHASE, 'epoch', epoch, 'rule', rule)
      out[2] = epoch
    end
    if hnum('arrived') > 0 and hnum('deadline') > 0 and start >= hnum('deadline') then
      settle(timeout_outcome(), '', '')
    end
    local phase = hnum('phase')
    local left = redis.call('SREM', LEFT, id) == 1
    if not left and tonumber(redis.call('HGET', SEEN, id) or '-1') == phase then
      out[#out + 1] = { 'twice', phase }
    else
      redis.call('HSET', SEEN, id, phase)
      redis.call('HSET', OWNERS, id, instance)
      local arrived = redis.call('HINCRBY', PHASE, 'arrived', 1)
      local now = now_us()
      if arrived == 1 then
        redis.call('HSET', PHASE, 'phase', phase, 'quorum', quorum, 'pct', pct, 'ontimeout', ontimeout,
          'deadline', string.format('%.0f', now + timeout_us))
      end
      local rec = due()
      if rec then
        out[#out + 1] = { 'released', phase, rec }
      else
        out[#out + 1] = { 'waiting', phase, string.format('%.0f', math.max(0, hnum('deadline') - now)) }
      end
    end
  end
end
if epoch then
  touch()
  redis.call('ZADD', INSTANCES, math.floor(start / 1000) + lease, instance)
  redis.call('PEXPIRE', OWNERS, ttl)
  redis.call('PEXPIRE', INSTANCES, ttl)
end
return out
