--[[
  Takes the lease of one resource when nobody holds it, with a new fencing token.

  KEYS[1] lease  HASH holder, fence; its PEXPIRE is the lease's TTL
  KEYS[2] fence  STRING the last fencing token handed out; PX = fence retention

  ARGV[1] holder id
  ARGV[2] ttl ms
  ARGV[3] fence retention ms

  Returns { 1, token, expiresAt ms } when taken, { 0, remaining ttl ms } while someone holds it.

  A token is max(last token + 1, server time in ms): tokens keep rising even when the fence key
  was lost (evicted, expired after the retention, or not replicated before a failover).
]]
local leaseKey, fenceKey = KEYS[1], KEYS[2]
local holderId, ttlMs, fenceRetentionMs = ARGV[1], tonumber(ARGV[2]), ARGV[3]

local remaining = redis.call('PTTL', leaseKey)
if remaining ~= -2 then return { 0, remaining } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local token = math.max(tonumber(redis.call('GET', fenceKey) or '0') + 1, now)
-- %.0f: tostring() would print a millisecond timestamp in exponent form.
local tokenText = string.format('%.0f', token)
redis.call('SET', fenceKey, tokenText, 'PX', fenceRetentionMs)
redis.call('HSET', leaseKey, 'holder', holderId, 'fence', tokenText)
redis.call('PEXPIRE', leaseKey, ttlMs)
return { 1, tokenText, string.format('%.0f', now + ttlMs) }
