-- Helpers of the audit log scripts. Entry ids are <ms>-<sequence>; numbers are formatted with %d
-- because tostring() would print large integers in exponent form.
local function idParts(id)
  local ms, idSequence = string.match(id, '^(%d+)%-(%d+)$')
  return tonumber(ms), tonumber(idSequence)
end
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end
-- Removes up to 'limit' entries older than 'cutoff' ms from the log, moving the anchor to the
-- last one removed, and deletes index streams whose newest entry is older than that entry. A
-- registry score is only a lower bound of an index's newest entry (it is written when the index
-- is created), so each candidate's newest entry is read: a live index gets its score moved up.
local function trimBatch(log, head, registry, cutoff, limit)
  if cutoff <= 0 then return 0 end
  local old = redis.call('XRANGE', log, '-', string.format('%d', cutoff - 1), 'COUNT', limit)
  if #old == 0 then return 0 end
  local last = old[#old]
  local ms, idSequence = idParts(last[1])
  redis.call('HSET', head, 'anchor_seq', field(last[2], 'seq'), 'anchor_hash', field(last[2], 'hash'),
    'anchor_id', last[1])
  redis.call('XTRIM', log, 'MINID', string.format('%d-%d', ms, idSequence + 1))
  local stale = redis.call('ZRANGEBYSCORE', registry, '-inf', '(' .. string.format('%d', ms), 'LIMIT', 0, limit)
  for i = 1, #stale do
    local newest = redis.call('XREVRANGE', stale[i], '+', '-', 'COUNT', 1)[1]
    local newestMs = newest and idParts(newest[1])
    if newestMs and newestMs >= ms then
      redis.call('ZADD', registry, string.format('%d', newestMs), stale[i])
    else
      redis.call('DEL', stale[i])
      redis.call('ZREM', registry, stale[i])
    end
  end
  return #old
end
