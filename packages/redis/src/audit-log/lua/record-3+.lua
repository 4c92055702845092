--[[
  Appends a batch of one or more events to a tenant's chain atomically, in order, as if each were
  recorded on its own: takes the server time once, derives each next id (strictly increasing even
  if the clock steps back), hashes each entry with the previous hash, XADDs them, moves the head
  (once, after the last log entry) and then appends each id to its secondary indexes. Concurrent
  writers are serialised by the server, so many workers still produce one valid chain. An index
  stream is put in the registry only when this creates it (XADD NOMKSTREAM finds it missing): its
  score is then a lower bound of its newest entry's ms, which trimming checks before dropping it.

  KEYS[1] log       STREAM of the tenant's events
  KEYS[2] head      HASH seq, hash, ms, n (the last id), anchor_seq, anchor_hash, anchor_id
  KEYS[3] registry  ZSET index stream key -> ms of an entry of it (its newest, or older)
  KEYS[4…] the secondary index streams of the batch's events, each once

  ARGV[1] genesis hash (the previous hash of the first entry)
  ARGV[2] retention ms ('' = keep everything)
  ARGV[3] trim batch: entries removed per event recorded (at most 10,000 per call, or the batch)
  ARGV[4] number of events
  then per event, in order:
    layer, type, user ('' = none), conversation ('' = none), run ('' = none), data JSON,
    the number k of its indexes, then k positions in KEYS (4…)

  Returns { sequence of the first event, previous hash of the first event, then per event its id
  and hash, then for each event whose index write failed (it is in the chain, not in every index):
  its position in the batch (from 1) and the error }.
]]
--- @include "includes/audit-helpers"

local log, head, registry = KEYS[1], KEYS[2], KEYS[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', head, 'seq', 'hash', 'ms', 'n', 'anchor_id')
local sequence = tonumber(state[1]) or 0
local previousHash = state[2] or ARGV[1]
local ms, idSequence = now, -1
local lastMs = tonumber(state[3])
if lastMs and now <= lastMs then
  ms, idSequence = lastMs, tonumber(state[4])
end
local msText = string.format('%d', ms)
local count = tonumber(ARGV[4])
local result = { string.format('%d', sequence + 1), previousHash }
-- Log entries first, then the head, then the indexes: an index that fails (a key of another type)
-- leaves the chain and its head consistent, as when each event was recorded on its own.
local ids, sequences = {}, {}
local at = 5
for event = 1, count do
  sequence, idSequence = sequence + 1, idSequence + 1
  local sequenceText = string.format('%d', sequence)
  local id = msText .. '-' .. string.format('%d', idSequence)
  local layer, eventType, user, conversation, run, data =
    ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4], ARGV[at + 5]
  local hash = redis.sha1hex(previousHash .. '\n' .. sequenceText .. '\n' .. id .. '\n' .. layer .. '\n'
    .. eventType .. '\n' .. user .. '\n' .. conversation .. '\n' .. run .. '\n' .. data)
  local fields = { 'seq', sequenceText, 'prev', previousHash, 'hash', hash, 'layer', layer, 'type', eventType }
  local n = 10
  if user ~= '' then fields[n + 1], fields[n + 2], n = 'user', user, n + 2 end
  if conversation ~= '' then fields[n + 1], fields[n + 2], n = 'conversation', conversation, n + 2 end
  if run ~= '' then fields[n + 1], fields[n + 2], n = 'run', run, n + 2 end
  fields[n + 1], fields[n + 2] = 'data', data
  redis.call('XADD', log, id, unpack(fields))
  ids[event], sequences[event] = id, sequenceText
  result[2 * event + 1], result[2 * event + 2] = id, hash
  previousHash = hash
  at = at + 7 + tonumber(ARGV[at + 6])
end
redis.call('HSET', head, 'seq', sequences[count], 'hash', previousHash, 'ms', msText, 'n',
  string.format('%d', idSequence))
-- Trims what retention left of each index (ids up to the anchor) on the way.
local anchor = state[5]
local failures = {}
at = 5
for event = 1, count do
  local id, sequenceText = ids[event], sequences[event]
  local indexEntry = { 'NOMKSTREAM', id, 's', sequenceText }
  if anchor then indexEntry = { 'NOMKSTREAM', 'MINID', anchor, id, 's', sequenceText } end
  local indexes = tonumber(ARGV[at + 6])
  for i = at + 7, at + 6 + indexes do
    local key = KEYS[tonumber(ARGV[i])]
    -- pcall: an index that fails (a key of another type) fails its own event, not the batch's others.
    local added = redis.pcall('XADD', key, unpack(indexEntry))
    if not added then
      added = redis.pcall('XADD', key, id, 's', sequenceText)
      if type(added) ~= 'table' then redis.call('ZADD', registry, msText, key) end
    end
    if type(added) == 'table' and added.err then
      failures[#failures + 1] = event
      failures[#failures + 1] = added.err
      break
    end
  end
  at = at + 7 + indexes
end
if ARGV[2] ~= '' then
  local batch = tonumber(ARGV[3])
  trimBatch(log, head, registry, now - tonumber(ARGV[2]), math.max(batch, math.min(batch * count, 10000)))
end
for _, value in ipairs(failures) do result[#result + 1] = value end
return result
