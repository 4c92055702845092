import { RedisScript } from '../script.js';

// Keys of one resource (one hash tag):
//   lease  <prefix>:lease:{<resource>}        HASH holder, fence; PEXPIRE = the lease's TTL
//   fence  <prefix>:lease:{<resource>}:fence  STRING last fencing token; PX = fenceRetentionMs
// Tokens are max(last + 1, server time in ms): they keep rising even when the fence key was
// lost (evicted, expired after the retention, or not yet replicated before a failover).

/**
 * KEYS: lease, fence. ARGV: holderId, ttlMs, fenceRetentionMs.
 * Returns { 1, token, expiresAt } when taken, { 0, remaining ttl ms } while held.
 */
export const acquireScript = new RedisScript(
  'lease.acquire',
  `
local remaining = redis.call('PTTL', KEYS[1])
if remaining ~= -2 then return { 0, remaining } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local token = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, now)
local text = string.format('%.0f', token)
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[2], text, 'PX', ARGV[3])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'fence', text)
redis.call('PEXPIRE', KEYS[1], ttl)
return { 1, text, string.format('%.0f', now + ttl) }
`,
);

/**
 * KEYS: lease. ARGV: holderId, token, ttlMs.
 * Returns { 1, expiresAt } when renewed, { 0, current token or false } when not held.
 */
export const renewScript = new RedisScript(
  'lease.renew',
  `
local held = redis.call('HMGET', KEYS[1], 'holder', 'fence')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then return { 0, held[2] } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { 1, string.format('%.0f', now + tonumber(ARGV[3])) }
`,
);

/** KEYS: lease. ARGV: holderId, token. Returns 1 when released. */
export const releaseScript = new RedisScript(
  'lease.release',
  `
local held = redis.call('HMGET', KEYS[1], 'holder', 'fence')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then return 0 end
return redis.call('DEL', KEYS[1])
`,
);
