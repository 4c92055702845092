--[[
  Exact tier: looks an entry up by its id (which hashes the scope and the request).

  KEYS[1] entry    HASH of ENTRY_FIELDS
  KEYS[2] stats    HASH of counters
  KEYS[3] index    ZSET entry id -> expires at ms, of the entry's scope
  KEYS[4] vectors  the scope's vector set (TTL refreshed with the entry)
  KEYS[5] scopes   HASH scope digest -> scope JSON

  ARGV[1] scope digest
  ARGV[2] restart TTLs on a hit: '1' | '0' (see renews)
  ARGV[3] entry id

  Returns false on a miss, else { response, ageMs, tokens, cost }.
]]
--- @include "includes/cache-helpers"

local fields = redis.call('HMGET', KEYS[1], unpack(ENTRY_FIELDS))
-- The scope check is defence in depth: the entry id already hashes the scope.
if not fields[1] or fields[1] ~= ARGV[1] then
  countMany(KEYS[2], nowMs(), {'lookups'}, {1})
  return false
end
local now = nowMs()
local age = hit(KEYS[1], fields, ARGV[3], 'exactHits', ARGV[2], renews(ARGV[2], now, fields), now, KEYS[2], KEYS[3], KEYS[4], KEYS[5], true)
return {fields[2], age, fields[5], fields[6]}
