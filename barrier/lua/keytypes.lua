-- keytypes: the prelude of the scripts that write or count a barrier's keys (see scripts.go).
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
