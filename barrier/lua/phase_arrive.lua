-- phase_arrive: accounts an arrival at the current phase. After keytypes.lua and phase_lib.lua.
-- It refuses an arrival that reaches Redis after its deadline (the client gave it up: it must never
-- count), and one of a process that knew the state under another epoch (the state vanished:
-- answering from what the process remembers would be a false release). A current phase whose
-- deadline passed (its waiters could not reach Redis to settle it) is settled by its rule first, so
-- that this arrival opens the next one.
--
-- ARGV[7..]: id, quorum, pct, timeoutUs, ontimeout, known epoch (empty for none), new epoch (used
-- when the state does not exist), deadline (Redis time, microseconds; 0 for none), rule (parties,
-- quorum, pct, timeoutUs, ontimeout, '|'-separated: the state's first arrival fixes it).
-- KEYS[5] is the tombstone: the epoch the last reset deleted.
-- Returns {'twice', phase, epoch}, {'released', phase, record, epoch} (this arrival settled the
-- phase), {'waiting', phase, remainingUs, epoch}, {'late', nowUs}, {'reset', 0} (the known epoch
-- was reset: nothing was written), {'rule', the rule fixed} (another rule: nothing was written) or
-- {'lost', epoch-or-false}.
local bad = check({ 'hash', 'hash', 'set', 'list' })
if bad then return bad end
local id, quorum, pct, timeout_us, ontimeout = ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]), ARGV[11]
local known, fresh, deadline, rule = ARGV[12], ARGV[13], tonumber(ARGV[14]), ARGV[15]
local start = now_us()
if deadline > 0 and start > deadline then
  return { 'late', string.format('%.0f', start) }
end
local epoch = redis.call('HGET', PHASE, 'epoch')
if known ~= '' and epoch ~= known then
  if redis.call('GET', KEYS[5]) == known then
    return { 'reset', 0 }
  end
  return { 'lost', epoch or false }
end
if not epoch then
  -- A new rendezvous: what is left of another one (whose PHASE hash vanished) must not count.
  epoch = fresh
  if redis.call('EXISTS', PHASE) == 0 then
    redis.call('DEL', SEEN, LOG)
  end
  redis.call('HSET', PHASE, 'epoch', epoch, 'rule', rule)
end
local fixed = redis.call('HGET', PHASE, 'rule')
if fixed and fixed ~= rule then
  return { 'rule', fixed }
end
if hnum('arrived') > 0 and hnum('deadline') > 0 and start >= hnum('deadline') then
  settle(timeout_outcome(), '', '')
end
local phase = hnum('phase')
local left = redis.call('SREM', LEFT, id) == 1
if not left and tonumber(redis.call('HGET', SEEN, id) or '-1') == phase then
  return { 'twice', phase, epoch }
end
redis.call('HSET', SEEN, id, phase)
local arrived = redis.call('HINCRBY', PHASE, 'arrived', 1)
local now = now_us()
if arrived == 1 then
  redis.call('HSET', PHASE, 'phase', phase, 'quorum', quorum, 'pct', pct, 'ontimeout', ontimeout,
    'deadline', string.format('%.0f', now + timeout_us))
end
local rec = due()
if rec then
  return { 'released', phase, rec, epoch }
end
touch()
return { 'waiting', phase, string.format('%.0f', math.max(0, hnum('deadline') - now)), epoch }
