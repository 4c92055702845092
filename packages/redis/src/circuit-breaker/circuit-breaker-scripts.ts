import type { CircuitBreakerPolicy, CircuitState } from '@tristack/core';
import { RedisScript } from '../script.js';

/*
 * One HASH per breaker name holds the whole state machine, so every script touches one key
 * (cluster-safe) and runs in one round trip. Fields:
 *   state, openUntil, trips, consecutive, changedAt, probeOk   plain values
 *   w0 … w<buckets-1>   ring of window buckets, "<absolute bucket>:<calls>:<failures>"
 *   probes              JSON {token: expiresAtMs}: half-open probe tokens, each with its own expiry
 *   failing             JSON {instanceId: lastFailureMs}: quorum mode only
 * Time is the server's (TIME). Every state change is PUBLISHed from inside the script, so the
 * notice cannot be lost between the write and a separate PUBLISH.
 *
 * ARGV: 1 name, 2 channel, 3 instance id, 4 failure-rate threshold (-1 off), 5 window ms,
 * 6 buckets, 7 minimum calls, 8 consecutive failures (-1 off), 9 open ms, 10 backoff multiplier,
 * 11 max open ms, 12 half-open probes, 13 probe ttl ms, 14 quorum, 15… per script.
 */
const PRELUDE = `
local key = KEYS[1]
local name, channel, instance = ARGV[1], ARGV[2], ARGV[3]
local threshold = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
local bucketCount = tonumber(ARGV[6])
local minimumCalls = tonumber(ARGV[7])
local consecutiveLimit = tonumber(ARGV[8])
local openMs = tonumber(ARGV[9])
local multiplier = tonumber(ARGV[10])
local maxOpenMs = tonumber(ARGV[11])
local halfOpenProbes = tonumber(ARGV[12])
local probeTtlMs = tonumber(ARGV[13])
local quorum = tonumber(ARGV[14])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local currentBucket = math.floor(now / (windowMs / bucketCount))

local raw = redis.call('HMGET', key, 'state', 'openUntil', 'trips', 'consecutive', 'changedAt', 'probeOk', 'probes', 'failing')
local c = {
  state = raw[1] or 'closed',
  openUntil = tonumber(raw[2]) or 0,
  trips = tonumber(raw[3]) or 0,
  consecutive = tonumber(raw[4]) or 0,
  changedAt = tonumber(raw[5]) or 0,
  probeOk = tonumber(raw[6]) or 0,
  probes = raw[7] and cjson.decode(raw[7]) or {},
  failing = raw[8] and cjson.decode(raw[8]) or {},
}

local function bucketFields()
  local names = {}
  for i = 0, bucketCount - 1 do names[#names + 1] = 'w' .. i end
  return names
end

local function windowCounts()
  local values = redis.call('HMGET', key, unpack(bucketFields()))
  local calls, failures = 0, 0
  for i = 1, bucketCount do
    local value = values[i]
    if value then
      local index, bucketCalls, bucketFailures = string.match(value, '^(%d+):(%d+):(%d+)$')
      index = tonumber(index)
      if index and index > currentBucket - bucketCount and index <= currentBucket then
        calls = calls + tonumber(bucketCalls)
        failures = failures + tonumber(bucketFailures)
      end
    end
  end
  return calls, failures
end

local function addToWindow(calls, failures)
  local field = 'w' .. (currentBucket % bucketCount)
  local value = redis.call('HGET', key, field)
  if value then
    local index, bucketCalls, bucketFailures = string.match(value, '^(%d+):(%d+):(%d+)$')
    if tonumber(index) == currentBucket then
      calls = calls + tonumber(bucketCalls)
      failures = failures + tonumber(bucketFailures)
    end
  end
  redis.call('HSET', key, field, string.format('%d:%d:%d', currentBucket, calls, failures))
end

-- Quorum mode: distinct instances with a failure inside the window (drops the older ones).
local function failingInstances()
  if quorum <= 1 then return 0 end
  local count = 0
  for id, at in pairs(c.failing) do
    if at > now - windowMs then count = count + 1 else c.failing[id] = nil end
  end
  return count
end

-- Live probe tokens (drops the expired ones).
local function liveProbes()
  local count, earliest = 0, nil
  for token, expiresAt in pairs(c.probes) do
    if expiresAt > now then
      count = count + 1
      if not earliest or expiresAt < earliest then earliest = expiresAt end
    else
      c.probes[token] = nil
    end
  end
  return count, earliest
end

local function save()
  redis.call('HSET', key, 'state', c.state, 'openUntil', string.format('%d', c.openUntil),
    'trips', c.trips, 'consecutive', c.consecutive, 'changedAt', string.format('%d', c.changedAt),
    'probeOk', c.probeOk, 'probes', cjson.encode(c.probes), 'failing', cjson.encode(c.failing))
  -- Idle breakers fade away: nothing in them outlives a window plus the longest open period.
  redis.call('PEXPIRE', key, 2 * windowMs + maxOpenMs + probeTtlMs)
end

local function transition(to, reason)
  local calls, failures = windowCounts()
  local event = {
    type = 'state-change', name = name, from = c.state, to = to, reason = reason, at = now,
    calls = calls, failures = failures, consecutiveFailures = c.consecutive,
    failingInstances = failingInstances(), trips = 0, openMs = 0, instanceId = instance,
  }
  c.state = to
  c.changedAt = now
  c.probes = {}
  c.probeOk = 0
  if to == 'closed' then
    c.trips, c.openUntil, c.consecutive, c.failing = 0, 0, 0, {}
    redis.call('HDEL', key, unpack(bucketFields()))
  elseif to == 'open' then
    event.openMs = c.openUntil - now
  end
  event.trips = c.trips
  local payload = cjson.encode(event)
  redis.call('PUBLISH', channel, payload)
  return payload
end

local function open(reason)
  c.trips = c.trips + 1
  c.openUntil = now + math.min(maxOpenMs, math.floor(openMs * multiplier ^ (c.trips - 1) + 0.5))
  return transition('open', reason)
end

-- Reply: state, retry-after ms, changedAt, server now, trips, calls, failures, consecutive,
-- failing instances, live probes, probe successes, admitted (0/1), probe token, event JSON.
local function reply(admitted, token, event)
  local calls, failures = windowCounts()
  local probes, earliest = liveProbes()
  local retryAfter = 0
  if c.state == 'open' then
    retryAfter = math.max(0, c.openUntil - now)
  elseif c.state == 'half-open' and probes + c.probeOk >= halfOpenProbes and earliest then
    retryAfter = earliest - now
  end
  return { c.state, retryAfter, c.changedAt, now, c.trips, calls, failures, c.consecutive,
    failingInstances(), probes, c.probeOk, admitted or 0, token or '', event or '' }
end
`;

const READ = `${PRELUDE}
return reply()
`;

/** ARGV 15: the probe token to hand out (client-generated, so the script stays deterministic). */
const ACQUIRE = `${PRELUDE}
if c.state == 'closed' then return reply(1) end
local event = ''
if c.state == 'open' then
  if now < c.openUntil then return reply(0) end
  event = transition('half-open', 'open-elapsed')
end
local probes = liveProbes()
if probes + c.probeOk >= halfOpenProbes then
  save()
  return reply(0, '', event)
end
c.probes[ARGV[15]] = now + probeTtlMs
save()
return reply(1, ARGV[15], event)
`;

/** ARGV 15 successes, 16 failures, 17 failures after the batch's last success, 18 batch had a success (0/1). */
const RECORD_BATCH = `${PRELUDE}
-- Calls admitted before a trip finish while it is open: they say nothing new.
if c.state ~= 'closed' then return reply() end
local successes, failures = tonumber(ARGV[15]), tonumber(ARGV[16])
addToWindow(successes + failures, failures)
if ARGV[18] == '1' then c.consecutive = tonumber(ARGV[17]) else c.consecutive = c.consecutive + failures end
local event = ''
if failures > 0 then
  if quorum > 1 then c.failing[instance] = now end
  if quorum <= 1 or failingInstances() >= quorum then
    local calls, windowFailures = windowCounts()
    if threshold >= 0 and calls >= minimumCalls and windowFailures / calls >= threshold then
      event = open('failure-rate')
    elseif consecutiveLimit >= 0 and c.consecutive >= consecutiveLimit then
      event = open('consecutive-failures')
    end
  end
end
save()
return reply(0, '', event)
`;

/** ARGV 15 probe token, 16 verdict (success | failure | ignored). */
const RECORD_PROBE = `${PRELUDE}
local expiresAt = c.probes[ARGV[15]]
-- A probe that outlived its token lost its say: its slot may already be someone else's.
if c.state ~= 'half-open' or not expiresAt or expiresAt <= now then return reply() end
c.probes[ARGV[15]] = nil
local event = ''
if ARGV[16] == 'failure' then
  event = open('probe-failed')
elseif ARGV[16] == 'success' then
  c.probeOk = c.probeOk + 1
  if c.probeOk >= halfOpenProbes then event = transition('closed', 'probes-succeeded') end
end
save()
return reply(0, '', event)
`;

const RESET = `${PRELUDE}
local event = ''
if c.state ~= 'closed' then event = transition('closed', 'reset') end
redis.call('DEL', key)
c.state, c.trips, c.consecutive, c.probes, c.probeOk, c.failing = 'closed', 0, 0, {}, 0, {}
return reply(0, '', event)
`;

export const circuitScripts = {
  read: new RedisScript('circuit-breaker.read', READ),
  acquire: new RedisScript('circuit-breaker.acquire', ACQUIRE),
  recordBatch: new RedisScript('circuit-breaker.record-batch', RECORD_BATCH),
  recordProbe: new RedisScript('circuit-breaker.record-probe', RECORD_PROBE),
  reset: new RedisScript('circuit-breaker.reset', RESET),
} as const;

/** ARGV 4…14 of every script: the policy, in the order the prelude reads it. */
export function policyArguments(policy: CircuitBreakerPolicy): string[] {
  return [
    String(policy.failureRateThreshold ?? -1),
    String(policy.windowMs),
    String(policy.windowBuckets),
    String(policy.minimumCalls),
    String(policy.consecutiveFailures ?? -1),
    String(policy.openMs),
    String(policy.openBackoffMultiplier),
    String(policy.maxOpenMs),
    String(policy.halfOpenProbes),
    String(policy.probeTtlMs),
    String(policy.quorum),
  ];
}

/** A script's reply, decoded. */
export interface CircuitReply {
  state: CircuitState;
  retryAfterMs: number;
  changedAt: number;
  serverTime: number;
  trips: number;
  calls: number;
  failures: number;
  consecutiveFailures: number;
  failingInstances: number;
  probesInFlight: number;
  probeSuccesses: number;
  admitted: boolean;
  probeToken: string | undefined;
  /** JSON of the state change this call caused, if any. */
  event: string | undefined;
}

export function parseCircuitReply(raw: unknown): CircuitReply {
  const values = raw as [string, ...unknown[]];
  const number = (index: number) => Number(values[index]);
  const text = (index: number) => String(values[index] ?? '');
  return {
    state: text(0) as CircuitState,
    retryAfterMs: number(1),
    changedAt: number(2),
    serverTime: number(3),
    trips: number(4),
    calls: number(5),
    failures: number(6),
    consecutiveFailures: number(7),
    failingInstances: number(8),
    probesInFlight: number(9),
    probeSuccesses: number(10),
    admitted: number(11) === 1,
    probeToken: text(12) || undefined,
    event: text(13) || undefined,
  };
}
