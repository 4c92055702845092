--[[
  One LangGraph store batch in one script. Reads see the state before the batch's writes
  (LangGraph's batch semantics); items past their expiry are dropped first.

  Keys of one store (one hash tag, the store name):
  KEYS[1] items     HASH "<label>\1<label>\1…\0<key>" -> JSON value
  KEYS[2] times     HASH same field -> "<createdAt ms>,<updatedAt ms>"
  KEYS[3] index     ZSET same field, score 0: a namespace prefix is a lexicographic range
  KEYS[4] expiry    ZSET same field -> expiry time (ms) for items written with a TTL
  KEYS[5] vectors   VSET "<field>\2<path>" -> the embedding of that text (only with `index`, Redis >= 8)
  KEYS[6] elements  HASH field -> its vector elements joined by \3, to remove them with the item
  Labels end with \1 so the prefix ["a"] matches ["a","b"] but not ["ab"].

  ARGV[1…] operation records of 4 strings each:
    'get', field | 'search', lex min, lex max | 'put', field, json, ttl ms | 'vec', field, element,
    FP32 blob (follows its put) | 'del', field | 'list' | 'vsim', namespace path, FP32 blob, count

  Returns one reply per operation.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function dropVectors(field)
  local elements = redis.call('HGET', KEYS[6], field)
  if elements then
    -- Plain find: Lua 5.1 patterns do not handle the NUL inside field names.
    local from = 1
    while true do
      local cut = string.find(elements, '\3', from, true)
      redis.call('VREM', KEYS[5], string.sub(elements, from, (cut or 0) - 1))
      if not cut then break end
      from = cut + 1
    end
    redis.call('HDEL', KEYS[6], field)
  end
end
local function drop(field)
  redis.call('HDEL', KEYS[1], field)
  redis.call('HDEL', KEYS[2], field)
  redis.call('ZREM', KEYS[3], field)
  redis.call('ZREM', KEYS[4], field)
  dropVectors(field)
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, field in ipairs(expired) do drop(field) end
local replies = {}
for i = 1, #ARGV, 4 do
  local operation = ARGV[i]
  if operation == 'get' then
    replies[#replies + 1] = { redis.call('HGET', KEYS[1], ARGV[i + 1]) or '', redis.call('HGET', KEYS[2], ARGV[i + 1]) or '' }
  elseif operation == 'search' then
    local fields = redis.call('ZRANGEBYLEX', KEYS[3], ARGV[i + 1], ARGV[i + 2])
    local values, times = {}, {}
    for j = 1, #fields, 1000 do
      local last = math.min(j + 999, #fields)
      local part = redis.call('HMGET', KEYS[1], unpack(fields, j, last))
      local stamps = redis.call('HMGET', KEYS[2], unpack(fields, j, last))
      for k = 1, #part do values[#values + 1] = part[k] or ''; times[#times + 1] = stamps[k] or '' end
    end
    replies[#replies + 1] = { fields, values, times }
  elseif operation == 'vsim' then
    -- Nearest elements first; keep each item's best element inside the namespace prefix.
    local cardinality = redis.call('EXISTS', KEYS[5]) == 1 and redis.call('VCARD', KEYS[5]) or 0
    local count = tonumber(ARGV[i + 3])
    local fields, values, times, scores, seen = {}, {}, {}, {}, {}
    if cardinality > 0 then
      local found = redis.call('VSIM', KEYS[5], 'FP32', ARGV[i + 2], 'WITHSCORES', 'COUNT', count, 'EF', math.max(count, 200))
      local prefix = ARGV[i + 1]
      for j = 1, #found, 2 do
        local element = found[j]
        local field = string.sub(element, 1, string.find(element, '\2', 1, true) - 1)
        if not seen[field] and string.sub(field, 1, #prefix) == prefix then
          seen[field] = true
          fields[#fields + 1] = field
          scores[#scores + 1] = tostring(found[j + 1])
        end
      end
      if #fields > 0 then
        local part = redis.call('HMGET', KEYS[1], unpack(fields))
        local stamps = redis.call('HMGET', KEYS[2], unpack(fields))
        for k = 1, #part do values[k] = part[k] or ''; times[k] = stamps[k] or '' end
      end
    end
    replies[#replies + 1] = { fields, values, times, scores, count >= cardinality and 1 or 0 }
  elseif operation == 'list' then
    replies[#replies + 1] = redis.call('ZRANGE', KEYS[3], 0, -1)
  else
    replies[#replies + 1] = 0
  end
end
for i = 1, #ARGV, 4 do
  local operation, field = ARGV[i], ARGV[i + 1]
  if operation == 'put' then
    local old = redis.call('HGET', KEYS[2], field)
    local created = old and string.match(old, '^([^,]+)') or string.format('%.0f', now)
    redis.call('HSET', KEYS[1], field, ARGV[i + 2])
    redis.call('HSET', KEYS[2], field, created .. ',' .. string.format('%.0f', now))
    redis.call('ZADD', KEYS[3], 0, field)
    if ARGV[i + 3] ~= '0' then
      redis.call('ZADD', KEYS[4], now + tonumber(ARGV[i + 3]), field)
    else
      redis.call('ZREM', KEYS[4], field)
    end
    dropVectors(field)
  elseif operation == 'vec' then
    redis.call('VADD', KEYS[5], 'FP32', ARGV[i + 3], ARGV[i + 2])
    local elements = redis.call('HGET', KEYS[6], field)
    redis.call('HSET', KEYS[6], field, elements and (elements .. '\3' .. ARGV[i + 2]) or ARGV[i + 2])
  elseif operation == 'del' then
    drop(field)
  end
end
return replies
