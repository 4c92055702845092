import { RedisScript } from '../script.js';

// Keys of one user (all share the user's hash tag, so every script runs on one cluster slot):
//   list     <prefix>:memory:{<tenant>:<user>}:c:<conversation>   LIST of stored-message JSON, oldest first
//   activity <prefix>:memory:{<tenant>:<user>}:activity            ZSET conversation -> last append (ms)
//   expiry   <prefix>:memory:{<tenant>:<user>}:expiry              ZSET conversation -> expires at (ms)
//   counts   <prefix>:memory:{<tenant>:<user>}:counts              HASH conversation -> message count
// Each list element is the message's JSON with the store's fields put first:
//   {"id":"<ms>-<n>","createdAt":<ms>,"tokenCount":<t>,"role":…}
// so a read returns ready-to-parse strings (no stream entry arrays to rebuild: 5-8x cheaper to
// read). <n> rises by one per message of the conversation, so an id's list index is
// n - (n of the first element): paging with `before` needs no scan.
// Time is the server's (TIME); a key expires when now > its expiry, so an index entry is stale
// when its expiry score is below now.

const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/** Reads the id and token count a stored element starts with. */
const HEADER = `
local function header(element)
  local ms, n, tokens = string.match(element, '^{"id":"(%d+)-(%d+)","createdAt":%d+,"tokenCount":(%d+)')
  return tonumber(ms), tonumber(n), tonumber(tokens)
end
`;

/** Drops index entries of expired conversations (their lists already expired). */
const PURGE = `
local function purge(activity, expiry, counts, now, limit)
  local stale
  if limit then
    stale = redis.call('ZRANGEBYSCORE', expiry, '-inf', '(' .. now, 'LIMIT', 0, limit)
  else
    stale = redis.call('ZRANGEBYSCORE', expiry, '-inf', '(' .. now)
  end
  for first = 1, #stale, 500 do
    local chunk = {}
    for index = first, math.min(first + 499, #stale) do chunk[#chunk + 1] = stale[index] end
    redis.call('ZREM', activity, unpack(chunk))
    redis.call('ZREM', expiry, unpack(chunk))
    redis.call('HDEL', counts, unpack(chunk))
  end
end
`;

/**
 * The index outlives every conversation in it: when less than one TTL is left it is extended to
 * two, so most appends skip the three PEXPIREs. Its three keys always hold the same members
 * (every write touches all three), so they are created and dropped together and one PTTL
 * tells whether they need extending.
 */
const EXTEND_INDEX = `
local function extendIndex(ttl)
  if redis.call('PTTL', KEYS[2]) < ttl then
    for index = 2, 4 do redis.call('PEXPIRE', KEYS[index], 2 * ttl) end
  end
end
`;

/**
 * KEYS: list, activity, expiry, counts. ARGV: ttlMs, maxMessages, conversationId, then
 * json, tokens per message. Returns { ids, now, count }.
 */
export const appendScript = new RedisScript(
  'conversation-memory.append',
  `${NOW}${HEADER}${PURGE}${EXTEND_INDEX}
local ttl = tonumber(ARGV[1])
local lastMs, lastN = 0, 0
local tail = redis.call('LINDEX', KEYS[1], -1)
if tail then lastMs, lastN = header(tail) end
-- Ids never go back, even if the server's clock does.
local ms = math.max(now, lastMs)
local stamp = string.format('%.0f', ms)
local ids, elements = {}, {}
for index = 4, #ARGV, 2 do
  lastN = lastN + 1
  local id = stamp .. '-' .. string.format('%.0f', lastN)
  ids[#ids + 1] = id
  elements[#elements + 1] = '{"id":"' .. id .. '","createdAt":' .. stamp .. ',"tokenCount":' .. ARGV[index + 1]
    .. ',' .. string.sub(ARGV[index], 2)
end
local count = 0
for first = 1, #elements, 500 do
  count = redis.call('RPUSH', KEYS[1], unpack(elements, first, math.min(first + 499, #elements)))
end
local maxMessages = tonumber(ARGV[2])
if count > maxMessages then
  redis.call('LTRIM', KEYS[1], -maxMessages, -1)
  count = maxMessages
end
redis.call('PEXPIRE', KEYS[1], ttl)
purge(KEYS[2], KEYS[3], KEYS[4], now, 100)
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('ZADD', KEYS[3], now + ttl, ARGV[3])
redis.call('HSET', KEYS[4], ARGV[3], count)
extendIndex(ttl)
return { ids, stamp, count }
`,
);

/**
 * KEYS: list. ARGV: last (0 = no limit), before ('' = none: its <n>), maxTokens (-1 = no budget).
 * Returns stored-message JSON strings, oldest first. (Reads without `before` and `maxTokens`
 * skip the script: one LRANGE.)
 */
export const readScript = new RedisScript(
  'conversation-memory.read',
  `${HEADER}
local last = tonumber(ARGV[1])
local budget = tonumber(ARGV[3])
local length = redis.call('LLEN', KEYS[1])
if length == 0 then return {} end
-- stop: index just past the newest message to return.
local stop = length
if ARGV[2] ~= '' then
  local _, firstN = header(redis.call('LINDEX', KEYS[1], 0))
  stop = math.max(0, math.min(length, tonumber(ARGV[2]) - firstN))
end
local start = 0
if last > 0 then start = math.max(0, stop - last) end
if stop <= start then return {} end
if budget < 0 then return redis.call('LRANGE', KEYS[1], start, stop - 1) end
-- Walk back from the newest in chunks until the budget is spent.
local out = {}
local used = 0
local upper = stop
while upper > start do
  local lower = math.max(start, upper - 64)
  local chunk = redis.call('LRANGE', KEYS[1], lower, upper - 1)
  for index = #chunk, 1, -1 do
    local _, _, tokens = header(chunk[index])
    if used + tokens > budget then upper = start break end
    used = used + tokens
    out[#out + 1] = chunk[index]
  end
  if upper ~= start then upper = lower end
end
-- out is newest first; reverse it.
local size = #out
for index = 1, math.floor(size / 2) do
  out[index], out[size - index + 1] = out[size - index + 1], out[index]
end
return out
`,
);

/** KEYS: activity, expiry, counts. ARGV: limit. Returns flat { id, lastActivity, count, expiresAt, … }. */
export const listScript = new RedisScript(
  'conversation-memory.list',
  `${NOW}${PURGE}
purge(KEYS[1], KEYS[2], KEYS[3], now, nil)
local entries = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local out = {}
for index = 1, #entries, 2 do
  local id = entries[index]
  out[#out + 1] = id
  out[#out + 1] = entries[index + 1]
  out[#out + 1] = redis.call('HGET', KEYS[3], id) or '0'
  out[#out + 1] = redis.call('ZSCORE', KEYS[2], id) or '0'
end
return out
`,
);

/** KEYS: list, activity, expiry, counts. ARGV: conversationId. Returns 1 when it existed. */
export const clearScript = new RedisScript(
  'conversation-memory.clear',
  `
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return existed
`,
);

/** KEYS: list, activity, expiry, counts. ARGV: ttlMs, conversationId. Returns 1 when it existed. */
export const touchScript = new RedisScript(
  'conversation-memory.touch',
  `${NOW}${EXTEND_INDEX}
local ttl = tonumber(ARGV[1])
if redis.call('PEXPIRE', KEYS[1], ttl) == 0 then return 0 end
redis.call('ZADD', KEYS[3], now + ttl, ARGV[2])
extendIndex(ttl)
return 1
`,
);

/**
 * KEYS: activity, expiry, counts, then every conversation list of the user. ARGV: the
 * conversation ids, in KEYS order. Deletes them all when the index still lists exactly these
 * conversations (else returns -1: a conversation was added meanwhile, read the index again).
 * Returns how many conversations existed.
 */
export const deleteUserScript = new RedisScript(
  'conversation-memory.delete-user',
  `
local listed = redis.call('ZRANGE', KEYS[1], 0, -1)
if #listed ~= #ARGV then return -1 end
local expected = {}
for _, id in ipairs(ARGV) do expected[id] = true end
for _, id in ipairs(listed) do
  if not expected[id] then return -1 end
end
local deleted = 0
for first = 4, #KEYS, 500 do
  local chunk = {}
  for index = first, math.min(first + 499, #KEYS) do chunk[#chunk + 1] = KEYS[index] end
  deleted = deleted + redis.call('DEL', unpack(chunk))
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return deleted
`,
);
