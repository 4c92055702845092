import { RedisScript } from '@tristack/redis';

// Keys of one thread (one hash tag, so every script below runs on a cluster):
//   1 checkpoints  ZSET  member "<ns>\0<checkpoint id>", score 0: lexicographic = chronological (uuid6)
//   2 data         HASH  "<member>\0c" checkpoint without channel values, "\0m" metadata,
//                        "\0p" parent id, "\0b" JSON list of the blob fields the checkpoint reads
//   3 blobs        HASH  "<ns>\0<channel>\0<version>" -> value: one entry per channel version
//   4 write-index  ZSET  "<member>\0<task id>\0<idx>", score 0: the writes of one checkpoint by range
//   5 writes       HASH  same field -> JSON [task path, channel, value]
//   6 meta         HASH  fence: highest fencing token seen on the thread
//   7 lease        the conversation lease's hash on the same thread id (same tag), read when fencing
// A fixed set of keys per thread: TTL refresh and deleteThread cost O(1) commands.

// HMGET in chunks: unpack() of a very long list overflows Lua's C stack.
const hmget = `
local function hmget(key, fields)
  local out = {}
  for first = 1, #fields, 1000 do
    local last = math.min(first + 999, #fields)
    local part = redis.call('HMGET', key, unpack(fields, first, last))
    for i = 1, #part do out[#out + 1] = part[i] end
  end
  return out
end
`;

const touch = `
local function touch(ttl)
  if ttl > 0 then for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], ttl) end end
end
`;

// Rejects a token older than the highest one the thread saw and, with a live-lease check, any
// token that is not the live lease's. Returns the token to report on rejection, nil to proceed.
const fence = `
local function fence(token, requireLease)
  if token == '' then return nil end
  local high = redis.call('HGET', KEYS[6], 'fence')
  if high and tonumber(token) < tonumber(high) then return high end
  if requireLease == '1' then
    local live = redis.call('HGET', KEYS[7], 'fence')
    if live ~= token then return live or '' end
  end
  if not high or tonumber(token) > tonumber(high) then redis.call('HSET', KEYS[6], 'fence', token) end
  return nil
end
`;

/**
 * KEYS: the 7 thread keys. ARGV: ttlMs (0 = none), fencing token ('' = none), require live lease,
 * member, checkpoint, metadata, parent id ('' = none), blob field list, then blob field/value pairs.
 * Returns { 1, 1 when the thread is new } or { 0, current token } when fenced off.
 */
export const putCheckpointScript = new RedisScript(
  'langgraph.put',
  `${touch}${fence}
local rejected = fence(ARGV[2], ARGV[3])
if rejected then return { 0, rejected } end
local new = redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0
local member = ARGV[4]
redis.call('ZADD', KEYS[1], 0, member)
redis.call('HSET', KEYS[2], member .. '\\0c', ARGV[5], member .. '\\0m', ARGV[6], member .. '\\0b', ARGV[8])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[2], member .. '\\0p', ARGV[7]) end
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
touch(tonumber(ARGV[1]))
return { 1, new }
`,
);

/**
 * KEYS: the 7 thread keys. ARGV: ttlMs, fencing token, require live lease, then
 * field/value/overwrite triples: regular writes are insert-if-absent, special ones overwrite.
 * Returns { 1 } or { 0, current token } when fenced off.
 */
export const putWritesScript = new RedisScript(
  'langgraph.put-writes',
  `${touch}${fence}
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
`,
);

/**
 * KEYS: the first 6 thread keys. ARGV: ttlMs to refresh (0 = none), then 'latest' with the lex
 * range of one namespace (min, max), or 'members' with checkpoint members.
 * Returns one row per found checkpoint: { member, checkpoint, metadata, parent, blob fields (JSON), blobs, write fields, write values }.
 */
export const readCheckpointsScript = new RedisScript(
  'langgraph.read',
  `${touch}${hmget}
local members
if ARGV[2] == 'latest' then
  members = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[4], ARGV[3], 'LIMIT', 0, 1)
else
  members = {}
  for i = 3, #ARGV do members[#members + 1] = ARGV[i] end
end
local rows = {}
for _, member in ipairs(members) do
  local row = redis.call('HMGET', KEYS[2], member .. '\\0c', member .. '\\0m', member .. '\\0p', member .. '\\0b')
  if row[1] then
    local refs = cjson.decode(row[4])
    local blobs = hmget(KEYS[3], refs)
    local fields = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. member .. '\\0', '(' .. member .. '\\1')
    local values = hmget(KEYS[5], fields)
    rows[#rows + 1] = { member, row[1], row[2], row[3] or '', row[4], blobs, fields, values }
  end
end
if #rows > 0 then touch(tonumber(ARGV[1])) end
return rows
`,
);

/**
 * KEYS: checkpoints, data. ARGV: lex min, lex max, '1' to return metadata too.
 * Returns { members, metadata (when asked) }.
 */
export const listCheckpointsScript = new RedisScript(
  'langgraph.list',
  `${hmget}
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2])
local metadata = {}
if ARGV[3] == '1' then
  local fields = {}
  for i, member in ipairs(members) do fields[i] = member .. '\\0m' end
  metadata = hmget(KEYS[2], fields)
end
return { members, metadata }
`,
);
