--[[
  Gives the lease up when the caller still holds it (same holder and token); the fence key stays,
  so the next token still rises.

  KEYS[1] lease  HASH holder, fence

  ARGV[1] holder id
  ARGV[2] fencing token

  Returns 1 when released, 0 when the caller did not hold it.
]]
local leaseKey = KEYS[1]
local holderId, token = ARGV[1], ARGV[2]

local held = redis.call('HMGET', leaseKey, 'holder', 'fence')
if held[1] ~= holderId or held[2] ~= token then return 0 end
return redis.call('DEL', leaseKey)
