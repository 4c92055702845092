--[[
  One page of a query: scans at most 'budget' ids of the source stream (the log or a secondary
  index holding the log's ids), reads each entry from the log, applies the filters, and stops at
  'limit' matches. Index entries older than the anchor are skipped (their log entries were
  trimmed).

  KEYS[1] source  the log, or a secondary index stream
  KEYS[2] log     STREAM of the tenant's events
  KEYS[3] head    HASH (anchor_id)

  ARGV[1] order: 'asc' | 'desc'
  ARGV[2] start id
  ARGV[3] start exclusive: '1' | '0'
  ARGV[4] end id ('+' = open)
  ARGV[5] limit
  ARGV[6] budget
  ARGV[7…11] layer, type, user, conversation, run filters ('' = any)

  Returns { more ('1'/'0'), last id scanned or '', entries… }.
]]
--- @include "includes/audit-helpers"

local source, log, head = KEYS[1], KEYS[2], KEYS[3]
local order, start, exclusive, stop = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
local limit, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local filters = { layer = ARGV[7], type = ARGV[8], user = ARGV[9], conversation = ARGV[10], run = ARGV[11] }
local anchor = redis.call('HGET', head, 'anchor_id')
local function beforeOrEqual(left, right)
  local leftMs, leftSequence = idParts(left)
  local rightMs, rightSequence = idParts(right)
  return leftMs < rightMs or (leftMs == rightMs and leftSequence <= rightSequence)
end
local low, high
if order == 'asc' then
  if anchor and source ~= log and beforeOrEqual(start, anchor) then start, exclusive = anchor, true end
  low = (exclusive and '(' or '') .. start
  high = stop
else
  -- Descending: 'start' is the upper bound, 'stop' the lower one.
  high = (exclusive and '(' or '') .. start
  low = stop
  if anchor and source ~= log and (stop == '-' or beforeOrEqual(stop, anchor)) then low = '(' .. anchor end
end
local scanned
if order == 'asc' then
  scanned = redis.call('XRANGE', source, low, high, 'COUNT', budget)
else
  scanned = redis.call('XREVRANGE', source, high, low, 'COUNT', budget)
end
local result = { '0', '' }
local found = 0
for i = 1, #scanned do
  local entry = scanned[i]
  if source ~= log then
    entry = redis.call('XRANGE', log, entry[1], entry[1])[1]
  end
  result[2] = scanned[i][1]
  if entry then
    local fields = entry[2]
    local match = true
    for name, wanted in pairs(filters) do
      if wanted ~= '' and field(fields, name) ~= wanted then match = false; break end
    end
    if match then
      table.insert(result, entry)
      found = found + 1
      if found == limit then
        if i < #scanned or #scanned == budget then result[1] = '1' end
        return result
      end
    end
  end
end
if #scanned == budget then result[1] = '1' end
return result
