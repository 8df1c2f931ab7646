package barrier

import "github.com/redis/go-redis/v9"

// The rendezvous scripts share KEYS: KEYS[1] the PHASE hash, KEYS[2] the PHASE_SEEN hash, KEYS[3]
// the PHASE_LEFT set, KEYS[4] the PHASE_LOG list (see phaseKeys). Every script that settles a phase
// appends its record to the log, publishes it on the phase channel (one message releases every
// waiter of every process), opens the next phase and sets the TTL of the keys: one atomic round
// trip.
//
// The PHASE hash holds: epoch (a token the arrival that created the state chose: state that
// vanished and was created again has another, see lostState), phase (the current phase, from 0),
// arrived (arrivals at it), and the rule its first arrival set: quorum (0: all), pct (hundredths
// of a percent; 0: unused), ontimeout, deadline (Redis time, microseconds).
var phaseLib = luaSource(withKeyTypes) + `
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function hnum(field)
  return tonumber(redis.call('HGET', KEYS[1], field) or '0') or 0
end

local function needed(active)
  local n = active
  local pct, quorum = hnum('pct'), hnum('quorum')
  if pct > 0 then
    n = math.floor((active * pct + 9999) / 10000)
  elseif quorum > 0 then
    n = math.min(quorum, active)
  end
  if n < 1 then n = 1 end
  return n
end

local function touch(ttl)
  for i = 1, 4 do
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end

-- settle ends the current phase with outcome and returns its record.
local function settle(parties, outcome, reason, failed_by, channel, ttl, chunk, maxmissing)
  local phase, arrived = hnum('phase'), hnum('arrived')
  local left = redis.call('SCARD', KEYS[3])
  local active = math.max(0, parties - left)
  local need = needed(active)
  local missing_count = math.max(0, active - arrived)
  local missing = {}
  if outcome ~= 'released' or missing_count > 0 then
    if failed_by ~= '' and redis.call('SISMEMBER', KEYS[3], failed_by) == 0 and
       tonumber(redis.call('HGET', KEYS[2], failed_by) or '-1') ~= phase then
      missing_count = math.max(0, missing_count - 1)
    end
    for i = 1, math.min(parties, chunk) do
      if #missing >= maxmissing then break end
      local id = tostring(i)
      if id ~= failed_by and redis.call('SISMEMBER', KEYS[3], id) == 0 and
         tonumber(redis.call('HGET', KEYS[2], id) or '-1') ~= phase then
        missing[#missing + 1] = id
      end
    end
  end
  local rec = table.concat({phase, outcome, arrived, need, active, left, string.format('%.0f', now_us()),
    missing_count, table.concat(missing, ','), reason, failed_by}, '|')
  redis.call('LPUSH', KEYS[4], rec)
  redis.call('LTRIM', KEYS[4], 0, ` + "63" + `)
  redis.call('HSET', KEYS[1], 'phase', phase + 1, 'arrived', 0, 'deadline', 0)
  touch(ttl)
  redis.call('PUBLISH', channel, rec)
  return rec
end

-- due settles the current phase when its quorum arrived.
local function due(parties, channel, ttl, chunk, maxmissing)
  local arrived = hnum('arrived')
  if arrived == 0 then return nil end
  local active = math.max(0, parties - redis.call('SCARD', KEYS[3]))
  if arrived < needed(active) then return nil end
  return settle(parties, 'released', '', '', channel, ttl, chunk, maxmissing)
end
`

// phaseArriveScript accounts an arrival. It refuses an arrival that reaches Redis after its
// deadline (the client gave it up: it must never count), and one of a process that knew the state
// under another epoch (the state vanished: answering from what the process remembers would be a
// false release). A current phase whose deadline passed (its waiters could not reach Redis to
// settle it) is settled by its policy first, so that this arrival opens the next one.
//
// ARGV: id, parties, quorum, pct, timeoutUs, ontimeout, ttl ms, channel, chunk, maxmissing,
// known epoch (empty for none), new epoch (used when the state does not exist), deadline (Redis
// time, microseconds; 0 for none).
// Returns {'twice', phase, epoch}, {'released', phase, record, epoch} (this arrival settled the
// phase), {'waiting', phase, remainingUs, epoch}, {'late', nowUs} or {'lost', epoch-or-false}.
var phaseArriveScript = redis.NewScript(phaseLib + `
local bad = check({'hash', 'hash', 'set', 'list'})
if bad then return bad end
local id, parties = ARGV[1], tonumber(ARGV[2])
local ttl, channel, chunk, maxmissing = ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
local known, fresh, deadline = ARGV[11], ARGV[12], tonumber(ARGV[13])
local start = now_us()
if deadline > 0 and start > deadline then
  return {'late', string.format('%.0f', start)}
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if known ~= '' and epoch ~= known then
  return {'lost', epoch or false}
end
if not epoch then
  -- A new rendezvous: what is left of another one (whose PHASE hash vanished) must not count.
  epoch = fresh
  if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('DEL', KEYS[2], KEYS[4])
  end
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
if hnum('arrived') > 0 and hnum('deadline') > 0 and start >= hnum('deadline') then
  local outcome = 'timeout'
  if redis.call('HGET', KEYS[1], 'ontimeout') == 'release' then
    outcome = 'released-on-timeout'
  end
  settle(parties, outcome, '', '', channel, ttl, chunk, maxmissing)
end
local phase = hnum('phase')
local left = redis.call('SREM', KEYS[3], id) == 1
if not left and tonumber(redis.call('HGET', KEYS[2], id) or '-1') == phase then
  return {'twice', phase, epoch}
end
redis.call('HSET', KEYS[2], id, phase)
local arrived = redis.call('HINCRBY', KEYS[1], 'arrived', 1)
local now = now_us()
if arrived == 1 then
  redis.call('HSET', KEYS[1], 'phase', phase, 'quorum', ARGV[3], 'pct', ARGV[4], 'ontimeout', ARGV[6],
    'deadline', string.format('%.0f', now + tonumber(ARGV[5])))
end
local rec = due(parties, channel, ttl, chunk, maxmissing)
if rec then
  return {'released', phase, rec, epoch}
end
touch(ttl)
return {'waiting', phase, string.format('%.0f', math.max(0, hnum('deadline') - now)), epoch}
`)

// phaseExpireScript settles phase ARGV[1] by its timeout policy when its deadline passed.
//
// ARGV: phase, parties, ttl ms, channel, chunk, maxmissing, epoch.
// Returns {'lost', epoch-or-false} when the state is not the one of epoch, {'settled',
// record-or-false} when the phase is no longer current (its record from the log, false when the
// log lost it), {'early', remainingUs} before the deadline, or {'expired', record}.
var phaseExpireScript = redis.NewScript(phaseLib + `
local bad = check({'hash', 'hash', 'set', 'list'})
if bad then return bad end
local phase, parties = tonumber(ARGV[1]), tonumber(ARGV[2])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch ~= ARGV[7] then
  return {'lost', epoch or false}
end
if hnum('phase') ~= phase or hnum('arrived') == 0 then
  for _, rec in ipairs(redis.call('LRANGE', KEYS[4], 0, -1)) do
    if tonumber(string.match(rec, '^(%d+)|')) == phase then
      return {'settled', rec}
    end
  end
  return {'settled', false}
end
local remaining = hnum('deadline') - now_us()
if remaining > 0 then
  return {'early', string.format('%.0f', remaining)}
end
local outcome = 'timeout'
if redis.call('HGET', KEYS[1], 'ontimeout') == 'release' then
  outcome = 'released-on-timeout'
end
return {'expired', settle(parties, outcome, '', '', ARGV[4], ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6]))}
`)

// phaseReadScript reads the current phase and the records of the phases ARGV[1..] that settled,
// for a hub that re-reads after a possibly lost message.
// Returns {current phase (-1: no phase state), epoch-or-false, record-or-false per asked phase}.
var phaseReadScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, false}
end
local current = tonumber(redis.call('HGET', KEYS[1], 'phase') or '0')
local log = redis.call('LRANGE', KEYS[4], 0, -1)
local out = {current, redis.call('HGET', KEYS[1], 'epoch') or false}
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
`)

// phaseLeaveScript takes ARGV[1] out of later phases and withdraws its arrival at the current one;
// the phase is settled when the others that take part are all there.
//
// ARGV: id, parties, ttl ms, channel, chunk, maxmissing.
// Returns {counted 0/1, phase, withdrawn 0/1}.
var phaseLeaveScript = redis.NewScript(phaseLib + `
local bad = check({'hash', 'hash', 'set', 'list'})
if bad then return bad end
local id, parties = ARGV[1], tonumber(ARGV[2])
local phase = hnum('phase')
if redis.call('SADD', KEYS[3], id) == 0 then
  return {0, phase, 0}
end
local withdrawn = 0
if tonumber(redis.call('HGET', KEYS[2], id) or '-1') == phase then
  withdrawn = 1
  redis.call('HINCRBY', KEYS[1], 'arrived', -1)
  redis.call('HSET', KEYS[2], id, phase - 1)
end
if not due(parties, ARGV[4], ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])) then
  touch(ARGV[3])
end
return {1, phase, withdrawn}
`)

// phaseFailScript breaks the phase participant ARGV[1] is heading to (the one after its last
// arrival, else the current one) when that is the current phase and the barrier has phases.
//
// ARGV: id, reason, parties, ttl ms, channel, chunk, maxmissing.
// Returns 1 when it broke the phase, else 0.
var phaseFailScript = redis.NewScript(phaseLib + `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local bad = check({'hash', 'hash', 'set', 'list'})
if bad then return bad end
local id, parties = ARGV[1], tonumber(ARGV[3])
local phase = hnum('phase')
local heading = phase
local seen = tonumber(redis.call('HGET', KEYS[2], id) or '-1')
if seen >= 0 and seen ~= phase then
  heading = seen + 1
end
if heading ~= phase then
  return 0
end
settle(parties, 'failed', ARGV[2], id, ARGV[5], ARGV[4], tonumber(ARGV[6]), tonumber(ARGV[7]))
redis.call('HSET', KEYS[2], id, phase)
return 1
`)

// phaseResetMessage is what a reset publishes on the phase channel: every waiter of the barrier's
// phases then rejects (errPhaseReset).
const phaseResetMessage = "reset"

// phaseResetScript deletes the phase keys and tells the waiters: ARGV[2] (phaseResetMessage), a
// space and the epoch of the state it deleted, so that a process that already took part in a
// newer state ignores a late message.
var phaseResetScript = redis.NewScript(`
local epoch = redis.call('HGET', KEYS[1], 'epoch') or ''
redis.call('DEL', unpack(KEYS))
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. epoch)
return 1
`)
