-- reasons: the failure reasons a barrier holds: the fields of KEYS[2] (failures HASH) and the values
-- of KEYS[1] (failed HASH), each when the key is a hash, so that a reset finds every counter key
-- even when one of them was overwritten.
local seen, out = {}, {}
local function add(list)
  for _, r in ipairs(list) do
    if not seen[r] then
      seen[r] = true
      out[#out + 1] = r
    end
  end
end
if redis.call('TYPE', KEYS[2]).ok == 'hash' then
  add(redis.call('HKEYS', KEYS[2]))
end
if redis.call('TYPE', KEYS[1]).ok == 'hash' then
  add(redis.call('HVALS', KEYS[1]))
end
return out
