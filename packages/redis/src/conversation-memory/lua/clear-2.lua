--[[
  Deletes one conversation and its index entry.

  KEYS[1] list   LIST of stored-message JSON, oldest first (<prefix>:memory:{<tenant>:<user>}:c:<conversation>)
  KEYS[2] index  ZSET conversation -> ms of its last index refresh

  ARGV[1] conversation id

  Returns 1 when the conversation existed, else 0.
]]
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
