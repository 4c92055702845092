--[[
  Appends messages to a conversation, trims it to maxMessages and renews its TTL. Steady state:
  TIME, LINDEX, RPUSH, PEXPIREAT; the user's index is written only when the conversation starts
  or enters a new TTL period (see includes/keep-index), and LTRIM only once the list is full.

  KEYS[1] list   LIST of stored-message JSON, oldest first (<prefix>:memory:{<tenant>:<user>}:c:<conversation>)
  KEYS[2] index  ZSET conversation -> ms of its last index refresh

  ARGV[1] ttl ms
  ARGV[2] maxMessages
  ARGV[3] conversation id
  ARGV[4…] per message: its JSON (an object; the store's fields are put first), its token count

  Returns { ids, createdAt ms (text), message count }.
]]
--- @include "includes/server-now"
--- @include "includes/message-header"
--- @include "includes/keep-index"

local ttl = tonumber(ARGV[1])
local lastMs, lastSequence = 0, 0
local tail = redis.call('LINDEX', KEYS[1], -1)
if tail then lastMs, lastSequence = header(tail) end
-- Ids never go back, even if the server's clock does.
local ms = math.max(now, lastMs)
local stamp = string.format('%.0f', ms)
local ids, elements = {}, {}
for index = 4, #ARGV, 2 do
  lastSequence = lastSequence + 1
  local id = stamp .. '-' .. string.format('%.0f', lastSequence)
  ids[#ids + 1] = id
  elements[#elements + 1] = '{"id":"' .. id .. '","createdAt":' .. stamp .. ',"tokenCount":' .. ARGV[index + 1]
    .. ',' .. string.sub(ARGV[index], 2)
end
local count = 0
for first = 1, #elements, 500 do
  count = redis.call('RPUSH', KEYS[1], unpack(elements, first, math.min(first + 499, #elements)))
end
local maxMessages = tonumber(ARGV[2])
if count > maxMessages then
  redis.call('LTRIM', KEYS[1], -maxMessages, -1)
  count = maxMessages
end
-- Absolute, so the expiry is exactly the last message's createdAt + ttl (listing reports both).
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', ms + ttl))
if not tail or math.floor(ms / ttl) ~= math.floor(lastMs / ttl) then keepIndex(KEYS[2], ARGV[3], ms, ttl) end
return { ids, stamp, count }
