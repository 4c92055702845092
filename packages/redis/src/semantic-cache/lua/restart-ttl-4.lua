--[[
  Restarts the TTL of a speculative hit the client's near-miss guard accepted, when the lookup found
  a restart due: the lookup restarts nothing ahead of the guard, so a hit the guard turns down never
  lengthens an entry's life. Re-checks the entry and the rule (see renews) at the server's time now:
  another hit may have restarted it meanwhile.

  KEYS[1] entry    HASH of ENTRY_FIELDS
  KEYS[2] index    ZSET entry id -> expires at ms, of the scope
  KEYS[3] vectors  the scope's vector set
  KEYS[4] scopes   HASH scope digest -> scope JSON

  ARGV[1] scope digest
  ARGV[2] entry id

  Returns 1 if it restarted the TTL, else 0.
]]
--- @include "includes/cache-helpers"

local fields = redis.call('HMGET', KEYS[1], unpack(ENTRY_FIELDS))
if not fields[1] or fields[1] ~= ARGV[1] then return 0 end
local now = nowMs()
if not renews('1', now, fields) then return 0 end
refreshTtls(KEYS[1], ARGV[2], tonumber(fields[4]), now, KEYS[2], KEYS[3], KEYS[4], fields[7])
return 1
