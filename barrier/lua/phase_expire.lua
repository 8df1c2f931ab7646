-- phase_expire: settles a phase by its timeout rule when its deadline passed. After keytypes.lua
-- and phase_lib.lua.
--
-- ARGV[7..]: phase, epoch.
-- KEYS[5] is the tombstone: the epoch the last reset deleted.
-- Returns {'reset', 0} when a reset deleted the state of epoch, {'lost', epoch-or-false} when the state is not the one of epoch, {'settled',
-- record-or-false} when the phase is no longer current (its record from the LOG, false when the LOG
-- lost it), {'early', remainingUs} before the deadline, or {'expired', record}.
local bad = check({ 'hash', 'hash', 'set', 'list' })
if bad then return bad end
local phase, want_epoch = tonumber(ARGV[7]), ARGV[8]
local epoch = redis.call('HGET', PHASE, 'epoch')
if epoch ~= want_epoch then
  if redis.call('GET', KEYS[5]) == want_epoch then
    return { 'reset', 0 }
  end
  return { 'lost', epoch or false }
end
if hnum('phase') ~= phase or hnum('arrived') == 0 then
  for _, rec in ipairs(redis.call('LRANGE', LOG, 0, -1)) do
    if tonumber(string.match(rec, '^(%d+)|')) == phase then
      return { 'settled', rec }
    end
  end
  return { 'settled', false }
end
local remaining = hnum('deadline') - now_us()
if remaining > 0 then
  return { 'early', string.format('%.0f', remaining) }
end
return { 'expired', settle(timeout_outcome(), '', '') }
