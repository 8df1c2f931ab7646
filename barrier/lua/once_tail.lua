end
-- once_tail: keeps the reply (not an error: that wrote nothing) for two minutes, longer than any
-- retry of the call, and forgets up to 100 replies older than that.
local reply = script_body()
if type(reply) ~= 'table' or not reply.err then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local old = redis.call('ZRANGEBYSCORE', REPLIES_AT, '-inf', now - 120000, 'LIMIT', 0, 100)
  if #old > 0 then
    redis.call('HDEL', REPLIES, unpack(old))
    redis.call('ZREM', REPLIES_AT, unpack(old))
  end
  redis.call('HSET', REPLIES, TOKEN, cjson.encode(reply))
  redis.call('ZADD', REPLIES_AT, now, TOKEN)
  redis.call('PEXPIRE', REPLIES, 120000)
  redis.call('PEXPIRE', REPLIES_AT, 120000)
end
return reply
