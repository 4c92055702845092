--[[
  Renews a conversation's TTL without appending.

  KEYS[1] list   LIST of stored-message JSON, oldest first (<prefix>:memory:{<tenant>:<user>}:c:<conversation>)
  KEYS[2] index  ZSET conversation -> ms of its last index refresh

  ARGV[1] ttl ms
  ARGV[2] conversation id

  Returns 1 when the conversation existed, else 0.
]]
--- @include "includes/server-now"
--- @include "includes/keep-index"

local ttl = tonumber(ARGV[1])
if redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', now + ttl)) == 0 then return 0 end
keepIndex(KEYS[2], ARGV[2], now, ttl)
return 1
