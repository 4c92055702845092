-- HMGET in chunks: unpack() of a very long list overflows Lua's C stack.
local function hmget(key, fields)
  local out = {}
  for first = 1, #fields, 1000 do
    local last = math.min(first + 999, #fields)
    local part = redis.call('HMGET', key, unpack(fields, first, last))
    for i = 1, #part do out[#out + 1] = part[i] end
  end
  return out
end
