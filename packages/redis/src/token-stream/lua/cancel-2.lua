--[[
  Records a cancellation request for an open stream (the producer sees it on its next write).

  KEYS[1] entries  STREAM of appended chunks
  KEYS[2] meta     HASH state, chunks, beat, timeout, ttl, cancel, reason, code

  ARGV[1] reason

  Returns {1}, or {0, state} when not open.
]]
--- @include "includes/require-open"

redis.call('HSET', KEYS[2], 'cancel', ARGV[1])
return {1}
