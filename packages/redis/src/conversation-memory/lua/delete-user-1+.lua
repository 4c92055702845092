--[[
  Deletes every conversation of a user, when the index still lists exactly the conversations the
  caller read (else a conversation was added meanwhile: the caller reads the index again).

  KEYS[1] index  ZSET conversation -> ms of its last index refresh
  KEYS[2…] every conversation list of the user

  ARGV[1…] the conversation ids, in KEYS[2…] order

  Returns how many conversations existed, or -1 when the index changed.
]]
local listed = redis.call('ZRANGE', KEYS[1], 0, -1)
if #listed ~= #ARGV then return -1 end
local expected = {}
for _, id in ipairs(ARGV) do expected[id] = true end
for _, id in ipairs(listed) do
  if not expected[id] then return -1 end
end
local deleted = 0
-- In chunks: unpack() of a very long list overflows Lua's C stack.
for first = 2, #KEYS, 500 do
  local chunk = {}
  for index = first, math.min(first + 499, #KEYS) do chunk[#chunk + 1] = KEYS[index] end
  deleted = deleted + redis.call('DEL', unpack(chunk))
end
redis.call('DEL', KEYS[1])
return deleted
