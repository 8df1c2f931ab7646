-- reset: deletes a barrier's keys, whatever their types, and tells its waiters, in one step. Every
-- reset takes this path, Barrier.Reset (every key of the barrier) and `k6 x barrier reset` (the keys
-- a SCAN found) alike (see reset.go), so a waiter sees both the same way.
--
-- KEYS: the keys to delete (one barrier's: one slot); the first ARGV[8] are counted in the reply, the
-- others (the writes' replies, the tombstone) are deleted uncounted.
-- ARGV: [1] the reset message; [2] the one-shot channel, or "" to publish nothing there; [3] the
-- rendezvous channel, or ""; [4] the position in KEYS of the failures HASH whose reasons must all be
-- among ARGV[9..] (0: no check); [5] the position in KEYS of the PHASE hash (0: none); [6] the
-- position in KEYS of the rendezvous's tombstone (0: none), which is set, after the deletion, to the
-- epoch deleted for [7] ms, so that a process that re-reads tells this reset from a loss; [8] how
-- many KEYS are counted; [9] the position in KEYS of the one-shot META hash (0: none) and [10] that
-- of the one-shot tombstone (0: none), set likewise to the META's epoch; [11..] the reasons whose
-- counters are among KEYS.
-- When the failures HASH names a reason not given (a failure raced the reset), it deletes nothing
-- and returns {reason, 0, ''}, so that the caller retries with it. Else it returns {"", counted keys
-- deleted, the epoch of the PHASE hash deleted ('' for none)}.
-- On the rendezvous channel, the message is followed by a space and the epoch of the PHASE hash it
-- deleted, when there was one given, so that a process that already took part in a newer state
-- ignores a late message; without one, the message alone ends every waiter.
local message, channel, phase_channel = ARGV[1], ARGV[2], ARGV[3]
local failures_at, phase_at, tomb_at, tomb_ms = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local counted, meta_at, meta_tomb_at = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
if failures_at > 0 and redis.call('TYPE', KEYS[failures_at]).ok == 'hash' then
  local known = {}
  for i = 11, #ARGV do
    known[ARGV[i]] = true
  end
  for _, reason in ipairs(redis.call('HKEYS', KEYS[failures_at])) do
    if not known[reason] then
      return { reason, 0, '' }
    end
  end
end
local phase_message, epoch = message, ''
if phase_at > 0 then
  if redis.call('TYPE', KEYS[phase_at]).ok == 'hash' then
    epoch = redis.call('HGET', KEYS[phase_at], 'epoch') or ''
  end
  phase_message = message .. ' ' .. epoch
end
local meta_epoch = ''
if meta_at > 0 and redis.call('TYPE', KEYS[meta_at]).ok == 'hash' then
  meta_epoch = redis.call('HGET', KEYS[meta_at], 'epoch') or ''
end
local n = 0
if counted > 0 then
  n = redis.call('DEL', unpack(KEYS, 1, counted))
end
if counted < #KEYS then
  redis.call('DEL', unpack(KEYS, counted + 1))
end
if tomb_at > 0 and epoch ~= '' then
  redis.call('SET', KEYS[tomb_at], epoch, 'PX', tomb_ms)
end
if meta_tomb_at > 0 and meta_epoch ~= '' then
  redis.call('SET', KEYS[meta_tomb_at], meta_epoch, 'PX', tomb_ms)
end
if channel ~= '' then
  redis.call('PUBLISH', channel, message)
end
if phase_channel ~= '' then
  redis.call('PUBLISH', phase_channel, phase_message)
end
return { '', n, epoch }
