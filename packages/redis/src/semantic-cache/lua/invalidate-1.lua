--[[
  Invalidates entries within one tenant: the given ids, or every entry of the matching scopes.

  KEYS[1] scopes  HASH scope digest -> scope JSON {model, tags}

  ARGV[1] entry key prefix
  ARGV[2] index key prefix
  ARGV[3] vector-set key prefix
  ARGV[4] vector-set key suffix (':' .. embedder key)
  ARGV[5] vector mode: 'none' | 'vector-sets' | 'redisearch'
  ARGV[6] model ('' = any)
  ARGV[7] tags JSON ('' = any)
  ARGV[8] entry ids JSON ('' = all)

  Returns how many live entries were removed.
]]
local scopes = KEYS[1]
local entryPrefix, indexPrefix, vectorsPrefix, vectorsSuffix, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local model = ARGV[6]
local tags = ARGV[7] ~= '' and cjson.decode(ARGV[7]) or nil
local function matches(digest)
  local raw = redis.call('HGET', scopes, digest)
  if not raw then return false end
  local info = cjson.decode(raw)
  if model ~= '' and info.model ~= model then return false end
  if tags then
    for key, value in pairs(tags) do
      if type(info.tags) ~= 'table' or info.tags[key] ~= value then return false end
    end
  end
  return true
end
local function remove(digest, id)
  redis.call('ZREM', indexPrefix .. digest, id)
  if mode == 'vector-sets' then redis.call('VREM', vectorsPrefix .. digest .. vectorsSuffix, id) end
  return redis.call('DEL', entryPrefix .. id)
end
local removed = 0
if ARGV[8] ~= '' then
  for _, id in ipairs(cjson.decode(ARGV[8])) do
    local digest = redis.call('HGET', entryPrefix .. id, 'scope')
    if digest and matches(digest) then removed = removed + remove(digest, id) end
  end
  return removed
end
local all = redis.call('HKEYS', scopes)
for _, digest in ipairs(all) do
  if matches(digest) then
    local index = indexPrefix .. digest
    local ids = redis.call('ZRANGE', index, 0, -1)
    for _, id in ipairs(ids) do removed = removed + redis.call('DEL', entryPrefix .. id) end
    redis.call('UNLINK', index)
    if mode == 'vector-sets' then redis.call('UNLINK', vectorsPrefix .. digest .. vectorsSuffix) end
    redis.call('HDEL', scopes, digest)
  end
end
return removed
