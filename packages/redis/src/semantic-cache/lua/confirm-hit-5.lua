--[[
  Second step of a semantic lookup, after the client's near-miss guard: counts the candidates it
  turned down, takes back the counts of a hit the lookup counted ahead of the guard that the guard
  then turned down (the lookup restarted nothing for it), then re-checks the chosen entry, restarts
  its TTL when due (see renews) and counts the hit.

  KEYS[1] entry    HASH of ENTRY_FIELDS
  KEYS[2] stats    HASH of counters
  KEYS[3] index    ZSET entry id -> expires at ms
  KEYS[4] scopes   HASH scope digest -> scope JSON
  KEYS[5] vectors  the scope's vector set (the entry again for RediSearch)

  ARGV[1] scope digest
  ARGV[2] restart TTLs: '1' | '0' (see renews)
  ARGV[3] entry id ('' = no hit: only count the rejections)
  ARGV[4] take back a hit counted ahead: '1' | '0'
  ARGV[5] its tokens
  ARGV[6] its cost
  ARGV[7..] counters of rejected candidates, one per rejection ('guard:<reason>' | 'judgeRejections')

  Returns false if there is no entry (any more), else { response, ageMs, tokens, cost }.
]]
--- @include "includes/cache-helpers"

local names, amounts, at = {}, {}, {}
local function add(name, amount)
  if not at[name] then
    names[#names + 1] = name
    amounts[#names] = 0
    at[name] = #names
  end
  amounts[at[name]] = amounts[at[name]] + amount
end
for position = 7, #ARGV do add(ARGV[position], 1) end
if ARGV[4] == '1' then
  add('semanticHits', -1)
  add('tokensSaved', -tonumber(ARGV[5]))
  add('costSavedUsd', -tonumber(ARGV[6]))
end
local fields = ARGV[3] ~= '' and redis.call('HMGET', KEYS[1], unpack(ENTRY_FIELDS)) or {}
local found = fields[1] and fields[1] == ARGV[1]
local now = (#names > 0 or found) and nowMs() or 0
local age
if found then
  if renews(ARGV[2], now, fields) then
    refreshTtls(KEYS[1], ARGV[3], tonumber(fields[4]), now, KEYS[3], KEYS[5], KEYS[4], fields[7])
  elseif ARGV[2] == '1' then
    keepTtls(KEYS[1], fields, KEYS[5])
  end
  add('semanticHits', 1)
  add('tokensSaved', tonumber(fields[5]) or 0)
  add('costSavedUsd', tonumber(fields[6]) or 0)
  age = now - tonumber(fields[3])
end
if #names > 0 then countMany(KEYS[2], now, names, amounts) end
if not found then return false end
return {fields[2], age, fields[5], fields[6]}
