--[[
  Lists a user's conversations, most recently active first, dropping expired ones from the index.
  Each summary is read from the conversation's list: the last message's createdAt is the last
  activity, LLEN the count, the key's expiry the expiry (PEXPIRETIME on Redis ≥ 7 and Valkey;
  TIME + PTTL on 6.2).

  KEYS[1] index  ZSET conversation -> ms of its last index refresh
  KEYS[2…] the lists of the conversations the caller read from the index

  ARGV[1] limit
  ARGV[2…] the conversation ids, in KEYS[2…] order

  Returns flat { id, lastActivity, count, expiresAt, … }.
]]
--- @include "includes/server-now"
--- @include "includes/message-header"

local exactExpiry = #KEYS > 1 and type(redis.pcall('PEXPIRETIME', KEYS[2])) == 'number'
local live = {}
for index = 2, #KEYS do
  local id = ARGV[index]
  local tail = redis.call('LINDEX', KEYS[index], -1)
  if tail then
    local activity = header(tail)
    local expiresAt
    if exactExpiry then
      expiresAt = redis.call('PEXPIRETIME', KEYS[index])
    else
      expiresAt = now + redis.call('PTTL', KEYS[index])
    end
    live[#live + 1] = { id, activity, redis.call('LLEN', KEYS[index]), expiresAt }
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
table.sort(live, function(left, right)
  if left[2] ~= right[2] then return left[2] > right[2] end
  return left[1] > right[1]
end)
local listed = {}
for index = 1, math.min(#live, tonumber(ARGV[1])) do
  local entry = live[index]
  listed[#listed + 1] = entry[1]
  listed[#listed + 1] = string.format('%.0f', entry[2])
  listed[#listed + 1] = entry[3]
  listed[#listed + 1] = string.format('%.0f', entry[4])
end
return listed
