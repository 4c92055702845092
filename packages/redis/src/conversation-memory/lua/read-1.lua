--[[
  Reads a page of a conversation: the last messages before a given one, within a token budget.
  (Reads without `before` and `maxTokens` skip the script: one LRANGE.)

  KEYS[1] list  LIST of stored-message JSON, oldest first

  ARGV[1] last: how many messages at most (0 = no limit)
  ARGV[2] before: the <n> of the message to stop before ('' = none)
  ARGV[3] maxTokens (-1 = no budget)

  Returns stored-message JSON strings, oldest first.
]]
--- @include "includes/message-header"

local last = tonumber(ARGV[1])
local budget = tonumber(ARGV[3])
local length = redis.call('LLEN', KEYS[1])
if length == 0 then return {} end
-- stop: index just past the newest message to return.
local stop = length
if ARGV[2] ~= '' then
  local _, firstSequence = header(redis.call('LINDEX', KEYS[1], 0))
  stop = math.max(0, math.min(length, tonumber(ARGV[2]) - firstSequence))
end
local start = 0
if last > 0 then start = math.max(0, stop - last) end
if stop <= start then return {} end
if budget < 0 then return redis.call('LRANGE', KEYS[1], start, stop - 1) end
-- Walk back from the newest in chunks until the budget is spent.
local newestFirst = {}
local used = 0
local upper = stop
while upper > start do
  local lower = math.max(start, upper - 64)
  local chunk = redis.call('LRANGE', KEYS[1], lower, upper - 1)
  for index = #chunk, 1, -1 do
    local _, _, tokens = header(chunk[index])
    if used + tokens > budget then upper = start break end
    used = used + tokens
    newestFirst[#newestFirst + 1] = chunk[index]
  end
  if upper ~= start then upper = lower end
end
-- Reverse in place: oldest first.
local size = #newestFirst
for index = 1, math.floor(size / 2) do
  newestFirst[index], newestFirst[size - index + 1] = newestFirst[size - index + 1], newestFirst[index]
end
return newestFirst
