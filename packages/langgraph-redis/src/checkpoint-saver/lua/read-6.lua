--[[
  Reads checkpoints with their blobs and pending writes, refreshing the thread's TTL.

  KEYS[1] checkpoints  ZSET member "<ns>\0<checkpoint id>", score 0: lexicographic = chronological (uuid6)
  KEYS[2] data         HASH "<member>\0c" checkpoint without channel values, "\0m" metadata,
                       "\0p" parent id, "\0b" JSON list of the blob fields the checkpoint reads
  KEYS[3] blobs        HASH "<ns>\0<channel>\0<version>" -> value: one entry per channel version
  KEYS[4] write-index  ZSET "<member>\0<task id>\0<idx>", score 0: the writes of one checkpoint by range
  KEYS[5] writes       HASH same field -> JSON [task path, channel, value]
  KEYS[6] meta         HASH fence: highest fencing token seen on the thread

  ARGV[1] ttl ms to refresh (0 = none)
  ARGV[2] 'latest' then ARGV[3], ARGV[4]: the lex range of one namespace (min, max);
          or 'members' then ARGV[3…]: checkpoint members

  Returns one row per found checkpoint: { member, checkpoint, metadata, parent, blob fields (JSON),
  blobs, write fields, write values }.
]]
--- @include "includes/touch"
--- @include "includes/hmget"

local members
if ARGV[2] == 'latest' then
  members = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[4], ARGV[3], 'LIMIT', 0, 1)
else
  members = {}
  for i = 3, #ARGV do members[#members + 1] = ARGV[i] end
end
local rows = {}
for _, member in ipairs(members) do
  local row = redis.call('HMGET', KEYS[2], member .. '\0c', member .. '\0m', member .. '\0p', member .. '\0b')
  if row[1] then
    local refs = cjson.decode(row[4])
    local blobs = hmget(KEYS[3], refs)
    local fields = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. member .. '\0', '(' .. member .. '\1')
    local values = hmget(KEYS[5], fields)
    rows[#rows + 1] = { member, row[1], row[2], row[3] or '', row[4], blobs, fields, values }
  end
end
if #rows > 0 then touch(tonumber(ARGV[1])) end
return rows
