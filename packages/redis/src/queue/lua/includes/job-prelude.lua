-- Keys, helpers and job transitions shared by every queue script.
--
-- Keys of one queue name share the hash tag `<prefix>:queue:{<name>}`, the "base": KEYS[1] of
-- every script, which also routes the call on a cluster; the others are built from it:
--   base:lanes              SET     priorities in use ('0'…'9')
--   base:lane:<priority>    STREAM  one entry per waiting or active job (j = job's unique id), plus
--                                   wake markers (w); consumer group `workers`. A job's pending
--                                   entry is its lease: its idle time is the time since the last
--                                   heartbeat, and XAUTOCLAIM takes it back after leaseMs.
--   base:job:<unique>       HASH    the job (payload, state, attempts, options, result, error…);
--                                   PEXPIRE resultTtlMs once completed or cancelled
--   base:idem:<scope>       STRING  idempotency scope (jobIdempotencyScope: tenant=…:idempotency=…) →
--                                   unique id; same TTL as its job once final
--   base:delayed            ZSET    jobs enqueued with delayMs, by due time
--   base:failed             ZSET    jobs waiting out a retry backoff, by due time
--   base:active             SET     jobs running
--   base:tenants            HASH    escaped tenant id → jobs running
--   base:parked:<tenant>    LIST    jobs held back by perTenantConcurrency (out of their lane)
--   base:counts             HASH    waiting, completed
--   base:dead               STREAM  dead letters (j, e = last error, a = attempts, t = time)
--   base:events             STREAM  completed / dead / cancelled / progress, MAXLEN ~ eventsMaxLength
--   base:control            STREAM  cancellation requests for running jobs, MAXLEN ~ 1000
-- Every script: ARGV[1] = eventsMaxLength, ARGV[2] = resultTtlMs; its own arguments follow.
-- Time comes from the server; jitter from math.random seeded by the caller (scripts replicate as
-- effects, so the draw need not be deterministic). Each job transition reads the job hash once
-- (HMGET) and writes it once (HSET, plus an HDEL of what no longer applies).
local base = KEYS[1]
local EVENTS_MAX_LENGTH = ARGV[1]
local RESULT_TTL_MS = ARGV[2]
local GROUP = 'workers'
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function formatMs(value) return string.format('%.0f', value) end
local function jobKey(unique) return base .. ':job:' .. unique end
local function laneKey(lane) return base .. ':lane:' .. lane end
-- Final events carry what a waiter needs (d: result, error or reason; a: attempts) when small,
-- so the producer learns the outcome without another round trip.
local function emit(kind, unique, data, attempts)
  if data and #data <= 16384 then
    redis.call('XADD', base .. ':events', 'MAXLEN', '~', EVENTS_MAX_LENGTH, '*', 't', kind, 'j', unique, 'd', data, 'a', attempts)
  else
    redis.call('XADD', base .. ':events', 'MAXLEN', '~', EVENTS_MAX_LENGTH, '*', 't', kind, 'j', unique)
  end
end
local function ensureLane(lane)
  if redis.call('SADD', base .. ':lanes', lane) == 1 then
    pcall(redis.call, 'XGROUP', 'CREATE', laneKey(lane), GROUP, '0', 'MKSTREAM')
    return true
  end
  return false
end
-- A marker entry on lane 0 wakes idle workers (they block on the lanes) so they re-arm their timer.
local function wake()
  ensureLane('0')
  redis.call('XADD', laneKey('0'), '*', 'w', '1')
end
-- Appends the job to its lane; returns the entry id, which the caller stores as 'entry'.
local function pushLane(unique, lane)
  if ensureLane(lane) and lane ~= '0' then wake() end
  return redis.call('XADD', laneKey(lane), '*', 'j', unique)
end
local function makeWaiting(unique, jobHash, lane, extra)
  local fields = { 'state', 'waiting', 'entry', pushLane(unique, lane) }
  for _, value in ipairs(extra or {}) do fields[#fields + 1] = value end
  redis.call('HSET', jobHash, unpack(fields))
  redis.call('HDEL', jobHash, 'runAt')
  redis.call('HINCRBY', base .. ':counts', 'waiting', 1)
end
local function earliestDue()
  local due = nil
  for _, name in ipairs({ 'delayed', 'failed' }) do
    local first = redis.call('ZRANGE', base .. ':' .. name, 0, 0, 'WITHSCORES')
    if first[2] and (due == nil or tonumber(first[2]) < due) then due = tonumber(first[2]) end
  end
  return due
end
-- Adds to the delayed or failed set; the caller sets state and runAt in the hash.
local function schedule(unique, state, runAt)
  local due = earliestDue()
  redis.call('ZADD', base .. ':' .. state, formatMs(runAt), unique)
  if due == nil or runAt < due then wake() end
end
local function releaseParked(tenant)
  local unique = redis.call('LPOP', base .. ':parked:' .. tenant)
  if not unique then return end
  local jobHash = jobKey(unique)
  local job = redis.call('HMGET', jobHash, 'state', 'priority')
  if job[1] == 'waiting' then redis.call('HSET', jobHash, 'entry', pushLane(unique, job[2])) end
end
-- Final state: one HSET (with 'extra' fields), retention TTL unless dead, and the event.
local function finalize(unique, jobHash, state, now, data, idempotencyScope, attempts, extra)
  local fields = { 'state', state, 'finishedAt', formatMs(now) }
  for _, value in ipairs(extra or {}) do fields[#fields + 1] = value end
  redis.call('HSET', jobHash, unpack(fields))
  redis.call('HDEL', jobHash, 'runAt', 'cancel', 'owner', 'entry')
  if state ~= 'dead' then
    redis.call('PEXPIRE', jobHash, RESULT_TTL_MS)
    if idempotencyScope then redis.call('PEXPIRE', base .. ':idem:' .. idempotencyScope, RESULT_TTL_MS) end
  end
  emit(state, unique, data, attempts)
end
-- The job leaves 'active': its entry is acknowledged and deleted, its tenant slot freed.
local function leaveActive(unique, entry, lane, tenant)
  redis.call('XACK', laneKey(lane), GROUP, entry)
  redis.call('XDEL', laneKey(lane), entry)
  redis.call('SREM', base .. ':active', unique)
  if tenant then
    if redis.call('HINCRBY', base .. ':tenants', tenant, -1) <= 0 then
      redis.call('HDEL', base .. ':tenants', tenant)
    end
    releaseParked(tenant)
  end
end
-- Records a failed attempt: retry after the backoff, or dead-letter when attempts are spent.
local function failAttempt(unique, jobHash, errorText, now)
  local job = redis.call('HMGET', jobHash, 'attempts', 'maxAttempts', 'backoffType', 'backoffDelay', 'backoffMax',
    'backoffJitter', 'idemKey')
  local attempts = tonumber(job[1])
  if attempts >= tonumber(job[2]) then
    local entry = redis.call('XADD', base .. ':dead', '*', 'j', unique, 'e', errorText, 'a', attempts, 't', formatMs(now))
    finalize(unique, jobHash, 'dead', now, errorText, job[7], job[1], { 'error', errorText, 'failedAt', formatMs(now), 'deadEntry', entry })
    return
  end
  local delay = tonumber(job[4])
  if job[3] == 'exponential' then delay = delay * 2 ^ (attempts - 1) end
  delay = math.min(delay, tonumber(job[5]))
  delay = math.floor(delay * (1 - tonumber(job[6]) * math.random()))
  redis.call('HSET', jobHash, 'state', 'failed', 'runAt', formatMs(now + delay), 'error', errorText, 'failedAt', formatMs(now))
  redis.call('HDEL', jobHash, 'owner', 'entry')
  schedule(unique, 'failed', now + delay)
end
