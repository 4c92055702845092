--[[
  Appends one event to a tenant's chain atomically: takes the server time, derives the next id
  (strictly increasing even if the clock steps back), hashes the entry with the previous hash,
  XADDs it, moves the head and appends the id to each secondary index. Concurrent writers are
  serialised by the server, so many workers still produce one valid chain. An index stream is
  put in the registry only when this creates it (XADD NOMKSTREAM finds it missing): its score is
  then a lower bound of its newest entry's ms, which trimming checks before dropping it.

  KEYS[1] log       STREAM of the tenant's events
  KEYS[2] head      HASH seq, hash, ms, n (the last id), anchor_seq, anchor_hash, anchor_id
  KEYS[3] registry  ZSET index stream key -> ms of an entry of it (its newest, or older)
  KEYS[4…] the secondary index streams this event belongs to

  ARGV[1] genesis hash (the previous hash of the first entry)
  ARGV[2] layer
  ARGV[3] type
  ARGV[4] user ('' = none)
  ARGV[5] conversation ('' = none)
  ARGV[6] run ('' = none)
  ARGV[7] data JSON
  ARGV[8] retention ms ('' = keep everything)
  ARGV[9] trim batch

  Returns { id, sequence, previous hash, hash, ms }.
]]
--- @include "includes/audit-helpers"

local log, head, registry = KEYS[1], KEYS[2], KEYS[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', head, 'seq', 'hash', 'ms', 'n', 'anchor_id')
local sequence = (tonumber(state[1]) or 0) + 1
local previousHash = state[2] or ARGV[1]
local ms, idSequence = now, 0
local lastMs = tonumber(state[3])
if lastMs and now <= lastMs then
  ms, idSequence = lastMs, tonumber(state[4]) + 1
end
local msText, idSequenceText = string.format('%d', ms), string.format('%d', idSequence)
local id = msText .. '-' .. idSequenceText
local sequenceText = string.format('%d', sequence)
local hash = redis.sha1hex(table.concat({ previousHash, sequenceText, id, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7] }, '\n'))
local fields = { 'seq', sequenceText, 'prev', previousHash, 'hash', hash, 'layer', ARGV[2], 'type', ARGV[3] }
local count = 10
if ARGV[4] ~= '' then fields[count + 1], fields[count + 2], count = 'user', ARGV[4], count + 2 end
if ARGV[5] ~= '' then fields[count + 1], fields[count + 2], count = 'conversation', ARGV[5], count + 2 end
if ARGV[6] ~= '' then fields[count + 1], fields[count + 2], count = 'run', ARGV[6], count + 2 end
fields[count + 1], fields[count + 2] = 'data', ARGV[7]
redis.call('XADD', log, id, unpack(fields))
redis.call('HSET', head, 'seq', sequenceText, 'hash', hash, 'ms', msText, 'n', idSequenceText)
-- Trims what retention left of each index (ids up to the anchor) on the way.
local indexEntry = { 'NOMKSTREAM', id, 's', sequenceText }
if state[5] then indexEntry = { 'NOMKSTREAM', 'MINID', state[5], id, 's', sequenceText } end
for i = 4, #KEYS do
  if not redis.call('XADD', KEYS[i], unpack(indexEntry)) then
    redis.call('XADD', KEYS[i], id, 's', sequenceText)
    redis.call('ZADD', registry, msText, KEYS[i])
  end
end
if ARGV[8] ~= '' then
  trimBatch(log, head, registry, now - tonumber(ARGV[8]), tonumber(ARGV[9]))
end
return { id, sequenceText, previousHash, hash, msText }
