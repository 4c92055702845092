--[[
  Stores pending writes of a checkpoint, unless the fencing token is stale: regular writes are
  insert-if-absent, special ones overwrite.

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
  ARGV[4…] field / value / overwrite ('1' | '0') triples

  Returns { 1 } or { 0, current token } when fenced off.
]]
--- @include "includes/touch"
--- @include "includes/fence"

local rejected = fence(ARGV[2], ARGV[3])
if rejected then return { 0, rejected } end
for i = 4, #ARGV, 3 do
  if ARGV[i + 2] == '1' then
    redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1])
    redis.call('ZADD', KEYS[4], 0, ARGV[i])
  elseif redis.call('HSETNX', KEYS[5], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[4], 0, ARGV[i])
  end
end
touch(tonumber(ARGV[1]))
return { 1 }
