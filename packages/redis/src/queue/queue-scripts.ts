import { RedisScript } from '../script.js';

// Keys of one queue name share the hash tag `<prefix>:queue:{<name>}` (the "base", KEYS[1] of
// every script, which also routes the call on a cluster):
//   base:lanes              SET     priorities in use ('0'…'9')
//   base:lane:<priority>    STREAM  one entry per waiting or active job (j = job's unique id), plus
//                                   wake markers (w); consumer group `workers`. A job's pending
//                                   entry is its lease: its idle time is the time since the last
//                                   heartbeat, and XAUTOCLAIM takes it back after leaseMs.
//   base:job:<unique>       HASH    the job (payload, state, attempts, options, result, error…);
//                                   PEXPIRE resultTtlMs once completed or cancelled
//   base:idem:<key>         STRING  idempotency key → unique id; same TTL as its job once final
//   base:delayed            ZSET    jobs enqueued with delayMs, by due time
//   base:failed             ZSET    jobs waiting out a retry backoff, by due time
//   base:active             SET     jobs running
//   base:tenants            HASH    escaped tenant id → jobs running
//   base:parked:<tenant>    LIST    jobs held back by perTenantConcurrency (out of their lane)
//   base:counts             HASH    waiting, completed
//   base:dead               STREAM  dead letters (j, e = last error, a = attempts, t = time)
//   base:events             STREAM  completed / dead / cancelled / progress, MAXLEN ~ eventsMaxLength
//   base:control            STREAM  cancellation requests for running jobs, MAXLEN ~ 1000
// Every script: ARGV[1] = eventsMaxLength, ARGV[2] = resultTtlMs; its own arguments follow.
// Time comes from the server; jitter from math.random seeded by the caller (scripts replicate as
// effects, so the draw need not be deterministic). Each job transition reads the job hash once
// (HMGET) and writes it once (HSET, plus an HDEL of what no longer applies).

const PRELUDE = `
local base = KEYS[1]
local EVENTS_MAX = ARGV[1]
local RESULT_TTL = ARGV[2]
local GROUP = 'workers'
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function ms(value) return string.format('%.0f', value) end
local function job_key(unique) return base .. ':job:' .. unique end
local function lane_key(lane) return base .. ':lane:' .. lane end
-- Final events carry what a waiter needs (d: result, error or reason; a: attempts) when small,
-- so the producer learns the outcome without another round trip.
local function emit(kind, unique, data, attempts)
  if data and #data <= 16384 then
    redis.call('XADD', base .. ':events', 'MAXLEN', '~', EVENTS_MAX, '*', 't', kind, 'j', unique, 'd', data, 'a', attempts)
  else
    redis.call('XADD', base .. ':events', 'MAXLEN', '~', EVENTS_MAX, '*', 't', kind, 'j', unique)
  end
end
local function ensure_lane(lane)
  if redis.call('SADD', base .. ':lanes', lane) == 1 then
    pcall(redis.call, 'XGROUP', 'CREATE', lane_key(lane), GROUP, '0', 'MKSTREAM')
    return true
  end
  return false
end
-- A marker entry on lane 0 wakes idle workers (they block on the lanes) so they re-arm their timer.
local function wake()
  ensure_lane('0')
  redis.call('XADD', lane_key('0'), '*', 'w', '1')
end
-- Appends the job to its lane; returns the entry id, which the caller stores as 'entry'.
local function push_lane(unique, lane)
  if ensure_lane(lane) and lane ~= '0' then wake() end
  return redis.call('XADD', lane_key(lane), '*', 'j', unique)
end
local function make_waiting(unique, jk, lane, extra)
  local fields = { 'state', 'waiting', 'entry', push_lane(unique, lane) }
  for _, value in ipairs(extra or {}) do fields[#fields + 1] = value end
  redis.call('HSET', jk, unpack(fields))
  redis.call('HDEL', jk, 'runAt')
  redis.call('HINCRBY', base .. ':counts', 'waiting', 1)
end
local function earliest_due()
  local due = nil
  for _, name in ipairs({ 'delayed', 'failed' }) do
    local first = redis.call('ZRANGE', base .. ':' .. name, 0, 0, 'WITHSCORES')
    if first[2] and (due == nil or tonumber(first[2]) < due) then due = tonumber(first[2]) end
  end
  return due
end
-- Adds to the delayed or failed set; the caller sets state and runAt in the hash.
local function schedule(unique, state, run_at)
  local due = earliest_due()
  redis.call('ZADD', base .. ':' .. state, ms(run_at), unique)
  if due == nil or run_at < due then wake() end
end
local function release_parked(tenant)
  local unique = redis.call('LPOP', base .. ':parked:' .. tenant)
  if not unique then return end
  local jk = job_key(unique)
  local job = redis.call('HMGET', jk, 'state', 'priority')
  if job[1] == 'waiting' then redis.call('HSET', jk, 'entry', push_lane(unique, job[2])) end
end
-- Final state: one HSET (with 'extra' fields), retention TTL unless dead, and the event.
local function finalize(unique, jk, state, now, data, idem_key, attempts, extra)
  local fields = { 'state', state, 'finishedAt', ms(now) }
  for _, value in ipairs(extra or {}) do fields[#fields + 1] = value end
  redis.call('HSET', jk, unpack(fields))
  redis.call('HDEL', jk, 'runAt', 'cancel', 'owner', 'entry')
  if state ~= 'dead' then
    redis.call('PEXPIRE', jk, RESULT_TTL)
    if idem_key then redis.call('PEXPIRE', base .. ':idem:' .. idem_key, RESULT_TTL) end
  end
  emit(state, unique, data, attempts)
end
-- The job leaves 'active': its entry is acknowledged and deleted, its tenant slot freed.
local function leave_active(unique, entry, lane, tenant)
  redis.call('XACK', lane_key(lane), GROUP, entry)
  redis.call('XDEL', lane_key(lane), entry)
  redis.call('SREM', base .. ':active', unique)
  if tenant then
    if redis.call('HINCRBY', base .. ':tenants', tenant, -1) <= 0 then
      redis.call('HDEL', base .. ':tenants', tenant)
    end
    release_parked(tenant)
  end
end
-- Records a failed attempt: retry after the backoff, or dead-letter when attempts are spent.
local function fail_attempt(unique, jk, err, now)
  local job = redis.call('HMGET', jk, 'attempts', 'maxAttempts', 'backoffType', 'backoffDelay', 'backoffMax',
    'backoffJitter', 'idemKey')
  local attempts = tonumber(job[1])
  if attempts >= tonumber(job[2]) then
    local entry = redis.call('XADD', base .. ':dead', '*', 'j', unique, 'e', err, 'a', attempts, 't', ms(now))
    finalize(unique, jk, 'dead', now, err, job[7], job[1], { 'error', err, 'failedAt', ms(now), 'deadEntry', entry })
    return
  end
  local delay = tonumber(job[4])
  if job[3] == 'exponential' then delay = delay * 2 ^ (attempts - 1) end
  delay = math.min(delay, tonumber(job[5]))
  delay = math.floor(delay * (1 - tonumber(job[6]) * math.random()))
  redis.call('HSET', jk, 'state', 'failed', 'runAt', ms(now + delay), 'error', err, 'failedAt', ms(now))
  redis.call('HDEL', jk, 'owner', 'entry')
  schedule(unique, 'failed', now + delay)
end
`;

// Records an attempt's outcome when 'owner' still holds the job; returns 1, or 0 when the lease was lost.
const FINISH = `
local function finish(unique, owner, kind, data, now)
  local jk = job_key(unique)
  local job = redis.call('HMGET', jk, 'owner', 'state', 'entry', 'priority', 'tenantKey', 'idemKey', 'attempts',
    'cancel', 'cancelReason')
  if job[1] ~= owner or job[2] ~= 'active' then return 0 end
  leave_active(unique, job[3], job[4], job[5])
  -- Cancelled while running: an attempt that did not complete ends the job, whatever it failed with.
  if job[8] and kind ~= 'completed' then kind, data = 'cancelled', job[9] or '' end
  if kind == 'completed' then
    redis.call('HINCRBY', base .. ':counts', 'completed', 1)
    finalize(unique, jk, 'completed', now, data, job[6], job[7], { 'result', data })
  elseif kind == 'failed' then
    fail_attempt(unique, jk, data, now)
  elseif kind == 'cancelled' then
    finalize(unique, jk, 'cancelled', now, data, job[6], job[7], data ~= '' and { 'cancelReason', data } or nil)
  else
    make_waiting(unique, jk, job[4], { 'attempts', tonumber(job[7]) - 1 })
    redis.call('HDEL', jk, 'owner')
  end
  return 1
end
`;

const script = (name: string, body: string, ...parts: string[]) =>
  new RedisScript(`queue.${name}`, [PRELUDE, ...parts, body].join('\n'));

/**
 * ARGV[3…]: unique, payload, priority, delayMs, maxAttempts, backoffType, backoffDelay,
 * backoffMax, backoffJitter, timeoutMs ('' = none), tenant, tenantKey, idempotencyKey, idemKey
 * ('' = none for the last four). Returns the unique id of the job: the new one, or the one the
 * idempotency key already names.
 */
export const enqueueScript = script(
  'enqueue',
  `
local unique, priority, delay = ARGV[3], ARGV[5], tonumber(ARGV[6])
local tenant, tenant_key, idem, idem_key = ARGV[13], ARGV[14], ARGV[15], ARGV[16]
if idem ~= '' then
  local existing = redis.call('GET', base .. ':idem:' .. idem_key)
  if existing and redis.call('EXISTS', job_key(existing)) == 1 then return existing end
  redis.call('SET', base .. ':idem:' .. idem_key, unique)
end
local now = now_ms()
local fields = { 'payload', ARGV[4], 'priority', priority, 'attempts', 0, 'starts', 0, 'maxAttempts', ARGV[7],
  'backoffType', ARGV[8], 'backoffDelay', ARGV[9], 'backoffMax', ARGV[10], 'backoffJitter', ARGV[11],
  'enqueuedAt', ms(now) }
local function add(...) for _, value in ipairs({ ... }) do fields[#fields + 1] = value end end
if ARGV[12] ~= '' then add('timeoutMs', ARGV[12]) end
if tenant ~= '' then add('tenant', tenant, 'tenantKey', tenant_key) end
if idem ~= '' then add('idem', idem, 'idemKey', idem_key) end
if delay > 0 then
  add('state', 'delayed', 'runAt', ms(now + delay))
  redis.call('HSET', job_key(unique), unpack(fields))
  schedule(unique, 'delayed', now + delay)
else
  add('state', 'waiting', 'entry', push_lane(unique, priority))
  redis.call('HSET', job_key(unique), unpack(fields))
  redis.call('HINCRBY', base .. ':counts', 'waiting', 1)
end
return unique
`,
);

/**
 * The worker's one call per step: records the outcomes of finished attempts, promotes due
 * delayed/failed jobs, reclaims expired leases (when asked), then takes up to `capacity` waiting
 * jobs, highest priority first, and starts them (attempt counted, tenant slot taken) — or parks
 * those whose tenant is at its limit.
 * ARGV[3…]: consumer, capacity, perTenantConcurrency (0 = none), reclaim idle ms (0 = skip),
 * random seed, number of outcomes, then per outcome: unique, owner, kind (completed | failed |
 * cancelled | released), data (result JSON, error, or cancel reason; '' for none).
 * Returns { started jobs (flat, 10 fields each), block ids (lane, last id … when every lane is
 * drained), ms until the next scheduled job (-1 = none), reclaimed count }.
 */
export const stepScript = script(
  'step',
  `
local consumer, capacity, tenant_limit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local reclaim_idle = tonumber(ARGV[6])
math.randomseed(tonumber(ARGV[7]))
local now = now_ms()
-- Outcomes first: they free tenant slots (and release parked jobs) this fetch may then use.
for index = 9, 8 + tonumber(ARGV[8]) * 4, 4 do
  finish(ARGV[index], ARGV[index + 1], ARGV[index + 2], ARGV[index + 3], now)
end
ensure_lane('0')

for _, state in ipairs({ 'delayed', 'failed' }) do
  local due = redis.call('ZRANGEBYSCORE', base .. ':' .. state, '-inf', ms(now), 'LIMIT', 0, 1000)
  for _, unique in ipairs(due) do
    redis.call('ZREM', base .. ':' .. state, unique)
    local jk = job_key(unique)
    local job = redis.call('HMGET', jk, 'state', 'priority')
    if job[1] == state then make_waiting(unique, jk, job[2]) end
  end
end

local lanes = redis.call('SMEMBERS', base .. ':lanes')
table.sort(lanes, function(a, b) return tonumber(a) > tonumber(b) end)

local reclaimed = 0
if reclaim_idle > 0 then
  for _, lane in ipairs(lanes) do
    local ok, claim = pcall(redis.call, 'XAUTOCLAIM', lane_key(lane), GROUP, consumer, reclaim_idle, '0-0', 'COUNT', 100)
    if ok then
      for _, item in ipairs(claim[2]) do
        -- Redis 6.2 lists entries deleted meanwhile as nil; later versions leave them out.
        if item then
          local entry, fields = item[1], item[2]
          local unique = fields and fields[1] == 'j' and fields[2]
          local jk = unique and job_key(unique)
          local job = jk and redis.call('HMGET', jk, 'state', 'entry', 'tenantKey', 'cancel', 'cancelReason',
            'idemKey', 'attempts') or {}
          if job[1] == 'active' and job[2] == entry then
            leave_active(unique, entry, lane, job[3])
            if job[4] then
              finalize(unique, jk, 'cancelled', now, job[5] or '', job[6], job[7])
            else
              fail_attempt(unique, jk, 'lease expired: the worker stopped renewing it (it crashed or stalled)', now)
            end
            reclaimed = reclaimed + 1
          else
            redis.call('XACK', lane_key(lane), GROUP, entry)
            redis.call('XDEL', lane_key(lane), entry)
          end
        end
      end
      -- Consumers without pending entries and idle past a lease are gone (or will re-register).
      local consumers = redis.call('XINFO', 'CONSUMERS', lane_key(lane), GROUP)
      for _, info in ipairs(consumers) do
        local name, pending, idle
        for index = 1, #info, 2 do
          if info[index] == 'name' then name = info[index + 1]
          elseif info[index] == 'pending' then pending = info[index + 1]
          elseif info[index] == 'idle' then idle = info[index + 1] end
        end
        if pending == 0 and idle and idle > reclaim_idle and name ~= consumer then
          redis.call('XGROUP', 'DELCONSUMER', lane_key(lane), GROUP, name)
        end
      end
    end
  end
end

local function read_lane(lane, count)
  local ok, reply = pcall(redis.call, 'XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', lane_key(lane), '>')
  if not ok then
    -- The stream or its group vanished (deleted, or the server lost its data): recreate it.
    redis.call('SADD', base .. ':lanes', lane)
    pcall(redis.call, 'XGROUP', 'CREATE', lane_key(lane), GROUP, '0', 'MKSTREAM')
    reply = redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', lane_key(lane), '>')
  end
  if not reply then return {} end
  return reply[1][2]
end

local started = {}
local count = 0
local function start(lane, entry, unique)
  local jk = job_key(unique)
  local job = redis.call('HMGET', jk, 'state', 'entry', 'tenantKey', 'attempts', 'starts', 'payload',
    'maxAttempts', 'tenant', 'idem', 'enqueuedAt', 'timeoutMs')
  if job[1] ~= 'waiting' or job[2] ~= entry then
    redis.call('XACK', lane_key(lane), GROUP, entry)
    redis.call('XDEL', lane_key(lane), entry)
    return
  end
  local tenant = job[3]
  if tenant then
    local running = tonumber(redis.call('HGET', base .. ':tenants', tenant) or '0')
    if tenant_limit > 0 and running >= tenant_limit then
      redis.call('XACK', lane_key(lane), GROUP, entry)
      redis.call('XDEL', lane_key(lane), entry)
      redis.call('HDEL', jk, 'entry')
      redis.call('RPUSH', base .. ':parked:' .. tenant, unique)
      return
    end
    redis.call('HINCRBY', base .. ':tenants', tenant, 1)
  end
  local attempts = tonumber(job[4]) + 1
  local starts = tonumber(job[5]) + 1
  local owner = consumer .. '#' .. starts
  redis.call('HSET', jk, 'state', 'active', 'owner', owner, 'startedAt', ms(now), 'attempts', attempts, 'starts', starts)
  redis.call('SADD', base .. ':active', unique)
  for _, value in ipairs({ unique, owner, attempts, job[6], job[7], lane, job[8] or '', job[9] or '', job[10],
      job[11] or '' }) do
    started[#started + 1] = value
  end
  count = count + 1
end

local drained = true
for _, lane in ipairs(lanes) do
  while count < capacity do
    local want = capacity - count
    local entries = read_lane(lane, want)
    for _, item in ipairs(entries) do
      local entry, fields = item[1], item[2]
      if fields[1] == 'j' then
        start(lane, entry, fields[2])
      else
        redis.call('XACK', lane_key(lane), GROUP, entry)
        redis.call('XDEL', lane_key(lane), entry)
      end
    end
    if #entries < want then break end
  end
  if count >= capacity then
    drained = false
    break
  end
end
if count > 0 then redis.call('HINCRBY', base .. ':counts', 'waiting', -count) end

local block = {}
if drained then
  for _, lane in ipairs(lanes) do
    local ok, info = pcall(redis.call, 'XINFO', 'STREAM', lane_key(lane))
    local last = '0-0'
    if ok then
      for index = 1, #info, 2 do
        if info[index] == 'last-generated-id' then last = info[index + 1] end
      end
    end
    block[#block + 1] = lane
    block[#block + 1] = last
  end
end
local due = earliest_due()
return { started, block, due and ms(math.max(0, due - now)) or '-1', reclaimed }
`,
  FINISH,
);

/**
 * Renews the leases of a worker's running jobs (XCLAIM JUSTID resets the entry's idle time)
 * when it still owns them. ARGV[3…]: consumer, then unique/owner pairs.
 * Returns per job: 0 (lost), 1 (renewed), 2 (renewed, cancellation requested) and the reason.
 */
export const heartbeatScript = script(
  'heartbeat',
  `
local consumer = ARGV[3]
local result = {}
for index = 4, #ARGV, 2 do
  local job = redis.call('HMGET', job_key(ARGV[index]), 'owner', 'entry', 'priority', 'cancel', 'cancelReason')
  if job[1] == ARGV[index + 1] then
    redis.call('XCLAIM', lane_key(job[3]), GROUP, consumer, 0, job[2], 'JUSTID')
    result[#result + 1] = job[4] and 2 or 1
  else
    result[#result + 1] = 0
  end
  result[#result + 1] = job[5] or ''
end
return result
`,
);

/** ARGV[3…]: unique, owner, progress JSON. Returns 1, or 0 when the lease was lost. */
export const progressScript = script(
  'progress',
  `
local jk = job_key(ARGV[3])
if redis.call('HGET', jk, 'owner') ~= ARGV[4] then return 0 end
redis.call('HSET', jk, 'progress', ARGV[5])
redis.call('XADD', base .. ':events', 'MAXLEN', '~', EVENTS_MAX, '*', 't', 'progress', 'j', ARGV[3], 'd', ARGV[5])
return 1
`,
);

/**
 * ARGV[3…]: unique, reason ('' = none). Returns cancelled | requested | finished | not-found.
 * A running job gets a flag (seen by heartbeats) and a control entry (seen at once).
 */
export const cancelScript = script(
  'cancel',
  `
local unique, reason = ARGV[3], ARGV[4]
local jk = job_key(unique)
local job = redis.call('HMGET', jk, 'state', 'entry', 'priority', 'tenantKey', 'idemKey', 'attempts')
local state = job[1]
if not state then return 'not-found' end
if state == 'completed' or state == 'dead' or state == 'cancelled' then return 'finished' end
if state == 'active' then
  redis.call('HSET', jk, 'cancel', '1', 'cancelReason', reason)
  redis.call('XADD', base .. ':control', 'MAXLEN', '~', 1000, '*', 'j', unique, 'r', reason)
  return 'requested'
end
if state == 'waiting' then
  redis.call('HINCRBY', base .. ':counts', 'waiting', -1)
  if job[2] then
    redis.call('XDEL', lane_key(job[3]), job[2])
    -- It may have been released from its tenant's parked list: pass that turn on.
    if job[4] then release_parked(job[4]) end
  elseif job[4] then
    redis.call('LREM', base .. ':parked:' .. job[4], 0, unique)
  end
else
  redis.call('ZREM', base .. ':' .. state, unique)
end
finalize(unique, jk, 'cancelled', now_ms(), reason, job[5], job[6], reason ~= '' and { 'cancelReason', reason } or nil)
return 'cancelled'
`,
);

/** ARGV[3…]: unique. Moves a dead job back to waiting with fresh attempts; returns 1, else 0. */
export const retryDeadScript = script(
  'retry-dead',
  `
local unique = ARGV[3]
local jk = job_key(unique)
local job = redis.call('HMGET', jk, 'state', 'deadEntry', 'priority')
if job[1] ~= 'dead' then return 0 end
redis.call('XDEL', base .. ':dead', job[2])
redis.call('HDEL', jk, 'deadEntry', 'finishedAt')
make_waiting(unique, jk, job[3], { 'attempts', 0 })
return 1
`,
);

/** Returns { waiting, active, delayed, failed, dead, completed }. */
export const statsScript = script(
  'stats',
  `
local counts = redis.call('HMGET', base .. ':counts', 'waiting', 'completed')
return { tonumber(counts[1] or '0'), redis.call('SCARD', base .. ':active'),
  redis.call('ZCARD', base .. ':delayed'), redis.call('ZCARD', base .. ':failed'),
  redis.call('XLEN', base .. ':dead'), tonumber(counts[2] or '0') }
`,
);
