--[[
  Deletes cache entries through the namespace indexes (never KEYS/SCAN).

  KEYS[1] namespaces  SET of the index keys in use

  ARGV[1…] index keys to clear; none for all

  Returns how many indexes were cleared.
]]
local indexes = ARGV
if #indexes == 0 then indexes = redis.call('SMEMBERS', KEYS[1]) end
for _, index in ipairs(indexes) do
  local entries = redis.call('SMEMBERS', index)
  for first = 1, #entries, 1000 do
    redis.call('DEL', unpack(entries, first, math.min(first + 999, #entries)))
  end
  redis.call('DEL', index)
  redis.call('SREM', KEYS[1], index)
end
return #indexes
