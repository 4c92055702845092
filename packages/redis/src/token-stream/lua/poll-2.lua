--[[
  Reads entries after a given id together with the stream's state.

  KEYS[1] entries  STREAM of appended chunks
  KEYS[2] meta     HASH state, chunks, beat, timeout, ttl, cancel, reason, code, traceparent

  ARGV[1] exclusive start id
  ARGV[2] count ('0': state only)

  Returns false for a missing stream, else {entries, state, idle ms, timeout, chunks, cancel
  requested (0/1), failure reason, failure code, producer traceparent ('' for none)}.
]]
--- @include "includes/server-now"

local meta = redis.call('HMGET', KEYS[2], 'state', 'beat', 'timeout', 'chunks', 'cancel', 'reason', 'code', 'traceparent')
if not meta[1] then return false end
local entries = {}
if ARGV[2] ~= '0' then entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2]) end
local idle = math.max(0, now - tonumber(meta[2]))
return {entries, meta[1], tostring(idle), meta[3], meta[4], meta[5] and 1 or 0, meta[6] or '', meta[7] or '', meta[8] or ''}
