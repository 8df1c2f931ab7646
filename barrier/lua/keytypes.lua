-- keytypes: the prelude of the scripts that write or count a barrier's keys (see scripts.go).
--
-- check(types) returns, before anything is written, an error reply naming the first of KEYS
-- whose type is not types[i] (a missing key is fine), or nil.
local function check(types)
  for i, want in ipairs(types) do
    if KEYS[i] then
      local got = redis.call('TYPE', KEYS[i]).ok
      if got ~= 'none' and got ~= want then
        return redis.error_reply('WRONGTYPE key ' .. KEYS[i] .. ' holds a ' .. got .. ', not the ' .. want ..
          ' the barrier keeps there: another program uses this key; use another runId or keyPrefix, or delete the key')
      end
    end
  end
  return nil
end

-- read_meta(parties) reads the one-shot barrier's meta HASH (KEYS[4] of join.lua and fail.lua): the
-- parties it records (nil when none) and its creation time in ms (0 when none), or, as third
-- value, an error reply when it records parties other than the caller's.
local function read_meta(parties)
  local meta = redis.call('HMGET', KEYS[4], 'parties', 'created')
  if meta[1] and meta[1] ~= parties then
    return nil, 0, redis.error_reply('BARRIER_MISMATCH parties ' .. meta[1])
  end
  return meta[1], tonumber(meta[2] or '0') or 0, nil
end
