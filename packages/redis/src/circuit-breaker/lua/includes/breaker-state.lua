-- The breaker's state machine, shared by every circuit breaker script.
--
-- One HASH per breaker name holds the whole state, so every script touches one key (cluster-safe)
-- and runs in one round trip. Fields:
--   state, openUntil, trips, consecutive, changedAt, probeOk   plain values
--   w0 … w<buckets-1>   ring of window buckets, "<absolute bucket>:<calls>:<failures>"
--   probes              JSON {token: expiresAtMs}: half-open probe tokens, each with its own expiry
--   failing             JSON {instanceId: lastFailureMs}: quorum mode only
-- Time is the server's (TIME). Every state change is PUBLISHed from inside the script, so the
-- notice cannot be lost between the write and a separate PUBLISH.
--
-- Reads KEYS[1] (the hash) and ARGV[1…14]: name, channel, instance id, failure-rate threshold
-- (-1 off), window ms, buckets, minimum calls, consecutive failures (-1 off), open ms, backoff
-- multiplier, max open ms, half-open probes, probe ttl ms, quorum. A script's own ARGV follow.
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

local stored = redis.call('HMGET', key, 'state', 'openUntil', 'trips', 'consecutive', 'changedAt', 'probeOk', 'probes',
  'failing')
local circuit = {
  state = stored[1] or 'closed',
  openUntil = tonumber(stored[2]) or 0,
  trips = tonumber(stored[3]) or 0,
  consecutive = tonumber(stored[4]) or 0,
  changedAt = tonumber(stored[5]) or 0,
  probeOk = tonumber(stored[6]) or 0,
  probes = stored[7] and cjson.decode(stored[7]) or {},
  failing = stored[8] and cjson.decode(stored[8]) or {},
}

local function bucketFields()
  local names = {}
  for bucket = 0, bucketCount - 1 do names[#names + 1] = 'w' .. bucket end
  return names
end

-- Calls and failures in the window; buckets left over from older windows do not count.
local function windowCounts()
  local values = redis.call('HMGET', key, unpack(bucketFields()))
  local calls, failures = 0, 0
  for position = 1, bucketCount do
    local value = values[position]
    if value then
      local bucket, bucketCalls, bucketFailures = string.match(value, '^(%d+):(%d+):(%d+)$')
      bucket = tonumber(bucket)
      if bucket and bucket > currentBucket - bucketCount and bucket <= currentBucket then
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
    local bucket, bucketCalls, bucketFailures = string.match(value, '^(%d+):(%d+):(%d+)$')
    if tonumber(bucket) == currentBucket then
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
  for instanceId, failedAt in pairs(circuit.failing) do
    if failedAt > now - windowMs then count = count + 1 else circuit.failing[instanceId] = nil end
  end
  return count
end

-- Live probe tokens (drops the expired ones).
local function liveProbes()
  local count, earliest = 0, nil
  for token, expiresAt in pairs(circuit.probes) do
    if expiresAt > now then
      count = count + 1
      if not earliest or expiresAt < earliest then earliest = expiresAt end
    else
      circuit.probes[token] = nil
    end
  end
  return count, earliest
end

local function save()
  redis.call('HSET', key, 'state', circuit.state, 'openUntil', string.format('%d', circuit.openUntil),
    'trips', circuit.trips, 'consecutive', circuit.consecutive, 'changedAt', string.format('%d', circuit.changedAt),
    'probeOk', circuit.probeOk, 'probes', cjson.encode(circuit.probes), 'failing', cjson.encode(circuit.failing))
  -- Idle breakers fade away: nothing in them outlives a window plus the longest open period.
  redis.call('PEXPIRE', key, 2 * windowMs + maxOpenMs + probeTtlMs)
end

local function transition(to, reason)
  local calls, failures = windowCounts()
  local event = {
    type = 'state-change', name = name, from = circuit.state, to = to, reason = reason, at = now,
    calls = calls, failures = failures, consecutiveFailures = circuit.consecutive,
    failingInstances = failingInstances(), trips = 0, openMs = 0, instanceId = instance,
  }
  circuit.state = to
  circuit.changedAt = now
  circuit.probes = {}
  circuit.probeOk = 0
  if to == 'closed' then
    circuit.trips, circuit.openUntil, circuit.consecutive, circuit.failing = 0, 0, 0, {}
    redis.call('HDEL', key, unpack(bucketFields()))
  elseif to == 'open' then
    event.openMs = circuit.openUntil - now
  end
  event.trips = circuit.trips
  local payload = cjson.encode(event)
  redis.call('PUBLISH', channel, payload)
  return payload
end

-- Each trip in a row stays open longer (openMs × multiplier^(trips - 1)), up to maxOpenMs.
local function open(reason)
  circuit.trips = circuit.trips + 1
  circuit.openUntil = now + math.min(maxOpenMs, math.floor(openMs * multiplier ^ (circuit.trips - 1) + 0.5))
  return transition('open', reason)
end

-- Reply: state, retry-after ms, changedAt, server now, trips, calls, failures, consecutive,
-- failing instances, live probes, probe successes, admitted (0/1), probe token, event JSON.
local function reply(admitted, token, event)
  local calls, failures = windowCounts()
  local probes, earliest = liveProbes()
  local retryAfter = 0
  if circuit.state == 'open' then
    retryAfter = math.max(0, circuit.openUntil - now)
  elseif circuit.state == 'half-open' and probes + circuit.probeOk >= halfOpenProbes and earliest then
    retryAfter = earliest - now
  end
  return { circuit.state, retryAfter, circuit.changedAt, now, circuit.trips, calls, failures, circuit.consecutive,
    failingInstances(), probes, circuit.probeOk, admitted or 0, token or '', event or '' }
end
