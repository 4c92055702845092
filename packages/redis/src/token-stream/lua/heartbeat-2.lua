--[[
  Records a heartbeat and renews both TTLs.

  KEYS[1] entries  STREAM of appended chunks
  KEYS[2] meta     HASH state, chunks, beat, timeout, ttl, cancel, reason, code

  ARGV: none

  Returns {1, cancel reason | false} or {0, state}.
]]
--- @include "includes/require-open"

redis.call('HSET', KEYS[2], 'beat', nowText)
redis.call('PEXPIRE', KEYS[1], meta[5])
redis.call('PEXPIRE', KEYS[2], meta[5])
return {1, meta[6] or false}
