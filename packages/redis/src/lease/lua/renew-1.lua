--[[
  Extends the lease when the caller still holds it (same holder and token).

  KEYS[1] lease  HASH holder, fence

  ARGV[1] holder id
  ARGV[2] fencing token
  ARGV[3] ttl ms

  Returns { 1, expiresAt ms } when renewed, { 0, current token or false } when not held.
]]
local leaseKey = KEYS[1]
local holderId, token, ttlMs = ARGV[1], ARGV[2], ARGV[3]

local held = redis.call('HMGET', leaseKey, 'holder', 'fence')
if held[1] ~= holderId or held[2] ~= token then return { 0, held[2] } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('PEXPIRE', leaseKey, ttlMs)
return { 1, string.format('%.0f', now + tonumber(ttlMs)) }
