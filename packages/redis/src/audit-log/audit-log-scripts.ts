import { RedisScript } from '../script.js';

// Shared Lua helpers. Ids are `<ms>-<n>`; numbers are formatted with %d because tostring() would
// print large integers in exponent form.
const helpers = /* lua */ `
local function id_parts(id)
  local ms, n = string.match(id, '^(%d+)%-(%d+)$')
  return tonumber(ms), tonumber(n)
end
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end
-- Removes up to 'limit' entries older than 'cutoff' ms from the log, moving the anchor to the
-- last one removed, and deletes index streams whose newest entry is older than that entry.
local function trim_batch(log, head, registry, cutoff, limit)
  if cutoff <= 0 then return 0 end
  local old = redis.call('XRANGE', log, '-', string.format('%d', cutoff - 1), 'COUNT', limit)
  if #old == 0 then return 0 end
  local last = old[#old]
  local ms, n = id_parts(last[1])
  redis.call('HSET', head, 'anchor_seq', field(last[2], 'seq'), 'anchor_hash', field(last[2], 'hash'),
    'anchor_id', last[1])
  redis.call('XTRIM', log, 'MINID', string.format('%d-%d', ms, n + 1))
  local stale = redis.call('ZRANGEBYSCORE', registry, '-inf', '(' .. string.format('%d', ms), 'LIMIT', 0, limit)
  for i = 1, #stale do
    redis.call('DEL', stale[i])
    redis.call('ZREM', registry, stale[i])
  end
  return #old
end
`;

/**
 * Appends one event to a tenant's chain atomically: takes the server time, derives the next id
 * (strictly increasing even if the clock steps back), hashes the entry with the previous hash,
 * XADDs it, moves the head and appends the id to each secondary index. Concurrent writers are
 * serialised by the server, so many workers still produce one valid chain.
 *
 * KEYS: log, head, registry, index streams…
 * ARGV: genesis, layer, type, user, conversation, run, dataJson, retentionMs ('' = none), trimBatch
 */
export const recordScript = new RedisScript(
  'audit-log:record',
  `${helpers}
local log, head, registry = KEYS[1], KEYS[2], KEYS[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', head, 'seq', 'hash', 'ms', 'n', 'anchor_id')
local seq = (tonumber(state[1]) or 0) + 1
local prev = state[2] or ARGV[1]
local ms, n = now, 0
local last_ms = tonumber(state[3])
if last_ms and now <= last_ms then
  ms, n = last_ms, tonumber(state[4]) + 1
end
local id = string.format('%d-%d', ms, n)
local seq_text = string.format('%d', seq)
local hash = redis.sha1hex(table.concat({ prev, seq_text, id, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7] }, '\\n'))
local fields = { 'seq', seq_text, 'prev', prev, 'hash', hash, 'layer', ARGV[2], 'type', ARGV[3] }
if ARGV[4] ~= '' then table.insert(fields, 'user'); table.insert(fields, ARGV[4]) end
if ARGV[5] ~= '' then table.insert(fields, 'conversation'); table.insert(fields, ARGV[5]) end
if ARGV[6] ~= '' then table.insert(fields, 'run'); table.insert(fields, ARGV[6]) end
table.insert(fields, 'data'); table.insert(fields, ARGV[7])
redis.call('XADD', log, id, unpack(fields))
redis.call('HSET', head, 'seq', seq_text, 'hash', hash, 'ms', string.format('%d', ms), 'n', string.format('%d', n))
for i = 4, #KEYS do
  if state[5] then
    redis.call('XADD', KEYS[i], 'MINID', state[5], id, 's', seq_text)
  else
    redis.call('XADD', KEYS[i], id, 's', seq_text)
  end
  redis.call('ZADD', registry, string.format('%d', ms), KEYS[i])
end
if ARGV[8] ~= '' then
  trim_batch(log, head, registry, now - tonumber(ARGV[8]), tonumber(ARGV[9]))
end
return { id, seq_text, prev, hash, string.format('%d', ms) }
`,
);

/**
 * One page of a query: scans at most 'budget' ids of the source stream (the log or a secondary
 * index holding the log's ids), reads each entry from the log, applies the filters, and stops
 * at 'limit' matches. Index entries older than the anchor are skipped (their log entries were
 * trimmed). Returns { more ('1'/'0'), last id scanned or '', entries… }.
 *
 * KEYS: source, log, head
 * ARGV: order, start id, start exclusive ('1'/'0'), end id ('+' = open), limit, budget,
 *       layer, type, user, conversation, run ('' = any)
 */
export const queryScript = new RedisScript(
  'audit-log:query',
  `${helpers}
local source, log, head = KEYS[1], KEYS[2], KEYS[3]
local order, start, exclusive, stop = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
local limit, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local filters = { layer = ARGV[7], type = ARGV[8], user = ARGV[9], conversation = ARGV[10], run = ARGV[11] }
local anchor = redis.call('HGET', head, 'anchor_id')
local function before_or_equal(left, right)
  local lms, ln = id_parts(left)
  local rms, rn = id_parts(right)
  return lms < rms or (lms == rms and ln <= rn)
end
local low, high
if order == 'asc' then
  if anchor and source ~= log and before_or_equal(start, anchor) then start, exclusive = anchor, true end
  low = (exclusive and '(' or '') .. start
  high = stop
else
  -- Descending: 'start' is the upper bound, 'stop' the lower one.
  high = (exclusive and '(' or '') .. start
  low = stop
  if anchor and source ~= log and (stop == '-' or before_or_equal(stop, anchor)) then low = '(' .. anchor end
end
local scanned
if order == 'asc' then
  scanned = redis.call('XRANGE', source, low, high, 'COUNT', budget)
else
  scanned = redis.call('XREVRANGE', source, high, low, 'COUNT', budget)
end
local result = { '0', '' }
local found = 0
for i = 1, #scanned do
  local entry = scanned[i]
  if source ~= log then
    entry = redis.call('XRANGE', log, entry[1], entry[1])[1]
  end
  result[2] = scanned[i][1]
  if entry then
    local fields = entry[2]
    local match = true
    for name, wanted in pairs(filters) do
      if wanted ~= '' and field(fields, name) ~= wanted then match = false; break end
    end
    if match then
      table.insert(result, entry)
      found = found + 1
      if found == limit then
        if i < #scanned or #scanned == budget then result[1] = '1' end
        return result
      end
    end
  end
end
if #scanned == budget then result[1] = '1' end
return result
`,
);

/**
 * Removes up to 'limit' entries older than 'cutoff' ms, keeping the anchor (sequence and hash of
 * the last entry removed) so the remaining chain still verifies. Returns the number removed.
 *
 * KEYS: log, head, registry
 * ARGV: cutoff ms, limit
 */
export const trimScript = new RedisScript(
  'audit-log:trim',
  `${helpers}
return trim_batch(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]))
`,
);

/** The head's fields, in the order `verifyPageScript` returns them and `head()` reads them. */
export const HEAD_FIELDS = ['seq', 'hash', 'ms', 'n', 'anchor_seq', 'anchor_hash', 'anchor_id'] as const;

/**
 * One page of the chain together with the head, read atomically: the page that reaches the end
 * of the stream shows exactly the entries the head covers, so an entry appended without moving
 * the head (not through the record script) is caught.
 *
 * KEYS: log, head
 * ARGV: low, high, count
 * Returns { the HEAD_FIELDS ('' when unset)…, entries… }.
 */
export const verifyPageScript = new RedisScript(
  'audit-log:verify-page',
  `
local result = redis.call('HMGET', KEYS[2], ${HEAD_FIELDS.map((name) => `'${name}'`).join(', ')})
for i = 1, #result do
  if not result[i] then result[i] = '' end
end
local page = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
for i = 1, #page do table.insert(result, page[i]) end
return result
`,
);
