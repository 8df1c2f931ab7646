-- missing: the ids in ARGV[1]..ARGV[2] that are in neither KEYS[1] (joined SET) nor KEYS[2]
-- (failed HASH), at most ARGV[3] of them, ascending. The caller scans 1..parties in chunks, so that
-- a barrier of millions of parties never holds Redis long.
local out = {}
local limit = tonumber(ARGV[3])
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local id = tostring(i)
  if redis.call('SISMEMBER', KEYS[1], id) == 0 and redis.call('HEXISTS', KEYS[2], id) == 0 then
    out[#out + 1] = i
    if #out >= limit then
      break
    end
  end
end
return out
