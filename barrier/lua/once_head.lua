-- once_head, with once_tail: makes a writing script idempotent (see onceScript). The last two KEYS
-- are the barrier's REPLIES hash (token -> reply) and REPLIES_AT sorted set (token by the time of
-- its reply); the last of ARGV is the call's token. The script's own KEYS and ARGV are the others.
-- A call run again with the same token (a retry after its reply was lost) gets its first reply
-- back and writes nothing.
local TOKEN = table.remove(ARGV)
local REPLIES_AT = table.remove(KEYS)
local REPLIES = table.remove(KEYS)
do
  local replayed = redis.call('HGET', REPLIES, TOKEN)
  if replayed then
    return cjson.decode(replayed)
  end
end
local function script_body()
