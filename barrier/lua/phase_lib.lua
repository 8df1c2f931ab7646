-- phase_lib: the prelude of the rendezvous scripts that write (phase_arrive, phase_expire,
-- phase_leave, phase_fail; see rendezvous_scripts.go). After keytypes.lua.
--
-- KEYS (every rendezvous script): PHASE hash, SEEN hash (id -> the last phase it arrived at), LEFT
-- set (ids that left), LOG list (records of the settled phases, newest first).
-- ARGV head (every writing script; its own arguments follow from ARGV[7]): parties, ttl ms,
-- channel, chunk (how many ids a missing scan checks), maxmissing (ids listed at most), logkeep
-- (records the LOG keeps).
--
-- The PHASE hash holds: epoch (a token the arrival that created the state chose: state that vanished
-- and was created again has another), phase (the current phase, from 0), arrived (arrivals at it),
-- and the rule its first arrival set: quorum (0: all), pct (hundredths of a percent; 0: unused),
-- ontimeout, deadline (Redis time, microseconds).
--
-- Every script that settles a phase appends its record to the LOG, publishes it on the channel (one
-- message releases every waiter of every process), opens the next phase and sets the TTL of the
-- keys: one atomic step.
local PHASE, SEEN, LEFT, LOG = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local parties, ttl, channel = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local chunk, maxmissing, logkeep = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function hnum(field)
  return tonumber(redis.call('HGET', PHASE, field) or '0') or 0
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

local function touch()
  for _, key in ipairs({ PHASE, SEEN, LEFT, LOG }) do
    redis.call('PEXPIRE', key, ttl)
  end
end

-- settle ends the current phase with outcome and returns its record.
local function settle(outcome, reason, failed_by)
  local phase, arrived = hnum('phase'), hnum('arrived')
  local left = redis.call('SCARD', LEFT)
  local active = math.max(0, parties - left)
  local need = needed(active)
  local missing_count = math.max(0, active - arrived)
  local missing = {}
  if outcome ~= 'released' or missing_count > 0 then
    if failed_by ~= '' and redis.call('SISMEMBER', LEFT, failed_by) == 0 and
       tonumber(redis.call('HGET', SEEN, failed_by) or '-1') ~= phase then
      missing_count = math.max(0, missing_count - 1)
    end
    for i = 1, math.min(parties, chunk) do
      if #missing >= maxmissing then break end
      local id = tostring(i)
      if id ~= failed_by and redis.call('SISMEMBER', LEFT, id) == 0 and
         tonumber(redis.call('HGET', SEEN, id) or '-1') ~= phase then
        missing[#missing + 1] = id
      end
    end
  end
  local rec = table.concat({ phase, outcome, arrived, need, active, left, string.format('%.0f', now_us()),
    missing_count, table.concat(missing, ','), reason, failed_by }, '|')
  redis.call('LPUSH', LOG, rec)
  redis.call('LTRIM', LOG, 0, logkeep - 1)
  redis.call('HSET', PHASE, 'phase', phase + 1, 'arrived', 0, 'deadline', 0)
  touch()
  redis.call('PUBLISH', channel, rec)
  return rec
end

-- timeout_outcome is how the current phase settles at its deadline, by the rule of its first arrival.
local function timeout_outcome()
  if redis.call('HGET', PHASE, 'ontimeout') == 'release' then
    return 'released-on-timeout'
  end
  return 'timeout'
end

-- due settles the current phase when its quorum arrived.
local function due()
  local arrived = hnum('arrived')
  if arrived == 0 then return nil end
  local active = math.max(0, parties - redis.call('SCARD', LEFT))
  if arrived < needed(active) then return nil end
  return settle('released', '', '')
end
