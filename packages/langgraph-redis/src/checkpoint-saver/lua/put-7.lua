--[[
  Stores a checkpoint with its blobs, unless the fencing token is stale.

  KEYS[1] checkpoints  ZSET member "<ns>\0<checkpoint id>", score 0: lexicographic = chronological (uuid6)
  KEYS[2] data         HASH "<member>\0c" checkpoint without channel values, "\0m" metadata,
                       "\0p" parent id, "\0b" JSON list of the blob fields the checkpoint reads
  KEYS[3] blobs        HASH "<ns>\0<channel>\0<version>" -> value: one entry per channel version
  KEYS[4] write-index  ZSET "<member>\0<task id>\0<idx>", score 0: the writes of one checkpoint by range
  KEYS[5] writes       HASH same field -> JSON [task path, channel, value]
  KEYS[6] meta         HASH fence: highest fencing token seen on the thread
  KEYS[7] lease        the conversation lease's HASH on the same thread id (same tag), read when fencing

  ARGV[1] ttl ms (0 = none)
  ARGV[2] fencing token ('' = none)
  ARGV[3] require a live lease: '1' | '0'
  ARGV[4] member
  ARGV[5] checkpoint
  ARGV[6] metadata
  ARGV[7] parent id ('' = none)
  ARGV[8] blob field list (JSON)
  ARGV[9…] blob field / value pairs

  Returns { 1, 1 when the thread is new else 0 } or { 0, current token } when fenced off.
]]
--- @include "includes/touch"
--- @include "includes/fence"

local rejected = fence(ARGV[2], ARGV[3])
if rejected then return { 0, rejected } end
local new = redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0
local member = ARGV[4]
redis.call('ZADD', KEYS[1], 0, member)
redis.call('HSET', KEYS[2], member .. '\0c', ARGV[5], member .. '\0m', ARGV[6], member .. '\0b', ARGV[8])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[2], member .. '\0p', ARGV[7]) end
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
touch(tonumber(ARGV[1]))
return { 1, new }
