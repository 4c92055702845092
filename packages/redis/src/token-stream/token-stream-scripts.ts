import { RedisScript } from '../script.js';

// Every script takes the stream's two keys (same hash tag): KEYS[1] the entries (a Stream),
// KEYS[2] the meta hash {state, chunks, beat, timeout, ttl, cancel, reason, code}. Time is the
// server's, so "silent for longer than the heartbeat timeout" means the same on every worker.

const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nowText = time[1] .. string.format('%03d', math.floor(tonumber(time[2]) / 1000))
`;

// Refuses unless the stream is open and not abandoned (silent past its timeout): a late write
// after readers were told "producer gone" must not revive it.
const REQUIRE_OPEN = `
local meta = redis.call('HMGET', KEYS[2], 'state', 'beat', 'timeout', 'chunks', 'ttl', 'cancel')
if not meta[1] then return {0, 'missing'} end
if meta[1] ~= 'open' then return {0, meta[1]} end
if now - tonumber(meta[2]) > tonumber(meta[3]) then return {0, 'abandoned'} end
`;

/** ARGV: ttlMs, heartbeatTimeoutMs. Returns 1, or 0 when the id is taken. */
export const openScript = new RedisScript(
  'token-stream-open',
  `${NOW}
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'state', 'open', 'chunks', '0', 'beat', nowText, 'timeout', ARGV[2], 'ttl', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`,
);

/**
 * ARGV: maxLength, terminal ('' | 'end' | 'fail'), failure reason, failure code, chunks…
 * Appends one entry {s: first chunk index, c: chunk…, t: terminal, r/k: failure}, trims, records
 * the write as a heartbeat and renews both TTLs. Returns {1, cancel reason | nil} or {0, state}.
 */
export const appendScript = new RedisScript(
  'token-stream-append',
  `${NOW}${REQUIRE_OPEN}
local first = tonumber(meta[4])
local count = #ARGV - 4
local fields = {'s', meta[4]}
for index = 5, #ARGV do
  fields[#fields + 1] = 'c'
  fields[#fields + 1] = ARGV[index]
end
local updates = {'chunks', tostring(first + count), 'beat', nowText}
if ARGV[2] == 'end' then
  fields[#fields + 1] = 't'; fields[#fields + 1] = 'end'
  updates[#updates + 1] = 'state'; updates[#updates + 1] = 'ended'
elseif ARGV[2] == 'fail' then
  for _, value in ipairs({'t', 'fail', 'r', ARGV[3], 'k', ARGV[4]}) do fields[#fields + 1] = value end
  for _, value in ipairs({'state', 'failed', 'reason', ARGV[3], 'code', ARGV[4]}) do updates[#updates + 1] = value end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
redis.call('HSET', KEYS[2], unpack(updates))
redis.call('PEXPIRE', KEYS[1], meta[5])
redis.call('PEXPIRE', KEYS[2], meta[5])
return {1, meta[6] or false}`,
);

/** Records a heartbeat and renews both TTLs. Returns {1, cancel reason | nil} or {0, state}. */
export const heartbeatScript = new RedisScript(
  'token-stream-heartbeat',
  `${NOW}${REQUIRE_OPEN}
redis.call('HSET', KEYS[2], 'beat', nowText)
redis.call('PEXPIRE', KEYS[1], meta[5])
redis.call('PEXPIRE', KEYS[2], meta[5])
return {1, meta[6] or false}`,
);

/** ARGV: reason. Records the request for an open stream; returns 1, or 0 when not open. */
export const cancelScript = new RedisScript(
  'token-stream-cancel',
  `${NOW}${REQUIRE_OPEN}
redis.call('HSET', KEYS[2], 'cancel', ARGV[1])
return {1}`,
);

/**
 * ARGV: exclusive start id, count ('0': state only). Returns nil for a missing stream, else
 * {entries, state, idle ms, timeout, chunks, cancel requested (0/1), failure reason, failure code}.
 */
export const pollScript = new RedisScript(
  'token-stream-poll',
  `${NOW}
local meta = redis.call('HMGET', KEYS[2], 'state', 'beat', 'timeout', 'chunks', 'cancel', 'reason', 'code')
if not meta[1] then return false end
local entries = {}
if ARGV[2] ~= '0' then entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2]) end
local idle = math.max(0, now - tonumber(meta[2]))
return {entries, meta[1], tostring(idle), meta[3], meta[4], meta[5] and 1 or 0, meta[6] or '', meta[7] or ''}`,
);
