--[[
  Opens a stream id for writing (clearing leftovers of an expired one).

  KEYS[1] entries  STREAM of appended chunks
  KEYS[2] meta     HASH state, chunks, beat, timeout, ttl, cancel, reason, code, traceparent

  ARGV[1] ttl ms
  ARGV[2] heartbeat timeout ms
  ARGV[3] the producer span's W3C traceparent ('' without an OpenTelemetry SDK: not stored)

  Returns 1, or 0 when the id is taken.
]]
--- @include "includes/server-now"

if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'state', 'open', 'chunks', '0', 'beat', nowText, 'timeout', ARGV[2], 'ttl', ARGV[1])
if ARGV[3] and ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'traceparent', ARGV[3]) end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
