--[[
  The worker's one call per step: records the outcomes of finished attempts, promotes due
  delayed/failed jobs, reclaims expired leases (when asked), then takes up to capacity waiting
  jobs, highest priority first, and starts them (attempt counted, tenant slot taken) — or parks
  those whose tenant is at its limit.

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  ARGV[3] consumer
  ARGV[4] capacity
  ARGV[5] perTenantConcurrency (0 = none)
  ARGV[6] reclaim idle ms (0 = skip reclaiming)
  ARGV[7] random seed (backoff jitter)
  ARGV[8] number of outcomes
  ARGV[9…] per outcome: unique, owner, kind (completed | failed | cancelled | released), data
           (result JSON, error, or cancel reason; '' for none)

  Returns { started jobs (flat, 11 fields each), block ids (lane, last id … when every lane is
  drained), ms until the next scheduled job (-1 = none), reclaimed count }.
]]
--- @include "includes/job-prelude"
--- @include "includes/finish-attempt"

local consumer, capacity, tenantLimit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local reclaimIdleMs = tonumber(ARGV[6])
math.randomseed(tonumber(ARGV[7]))
local now = nowMs()
-- Outcomes first: they free tenant slots (and release parked jobs) this fetch may then use.
for index = 9, 8 + tonumber(ARGV[8]) * 4, 4 do
  finish(ARGV[index], ARGV[index + 1], ARGV[index + 2], ARGV[index + 3], now)
end

-- The first of each schedule tells whether anything is due (most steps: nothing) and, unless this
-- step schedules or promotes, when the next job is: one ZRANGE per set instead of two reads.
local firstDue, scheduleMoved = nil, false
for _, state in ipairs({ 'delayed', 'failed' }) do
  local first = redis.call('ZRANGE', base .. ':' .. state, 0, 0, 'WITHSCORES')
  local at = first[2] and tonumber(first[2])
  if at and at <= now then
    scheduleMoved = true
    local due = redis.call('ZRANGEBYSCORE', base .. ':' .. state, '-inf', formatMs(now), 'LIMIT', 0, 1000)
    for _, unique in ipairs(due) do
      redis.call('ZREM', base .. ':' .. state, unique)
      local jobHash = jobKey(unique)
      local job = redis.call('HMGET', jobHash, 'state', 'priority')
      if job[1] == state then makeWaiting(unique, jobHash, job[2]) end
    end
  elseif at and (firstDue == nil or at < firstDue) then
    firstDue = at
  end
end

local lanes = redis.call('SMEMBERS', base .. ':lanes')
-- Lane 0 carries the wake markers idle workers block on: it always exists.
local hasLaneZero = false
for _, lane in ipairs(lanes) do
  if lane == '0' then hasLaneZero = true end
end
if not hasLaneZero then
  ensureLane('0')
  lanes[#lanes + 1] = '0'
end
table.sort(lanes, function(left, right) return tonumber(left) > tonumber(right) end)

local reclaimed = 0
if reclaimIdleMs > 0 then
  for _, lane in ipairs(lanes) do
    local ok, claim = pcall(redis.call, 'XAUTOCLAIM', laneKey(lane), GROUP, consumer, reclaimIdleMs, '0-0', 'COUNT', 100)
    if ok then
      for _, item in ipairs(claim[2]) do
        -- Redis 6.2 lists entries deleted meanwhile as nil; later versions leave them out.
        if item then
          local entry, fields = item[1], item[2]
          local unique = fields and fields[1] == 'j' and fields[2]
          local jobHash = unique and jobKey(unique)
          local job = jobHash and redis.call('HMGET', jobHash, 'state', 'entry', 'tenantKey', 'cancel', 'cancelReason',
            'idemKey', 'attempts') or {}
          if job[1] == 'active' and job[2] == entry then
            leaveActive(unique, entry, lane, job[3])
            if job[4] then
              finalize(unique, jobHash, 'cancelled', now, job[5] or '', job[6], job[7])
            else
              failAttempt(unique, jobHash, 'lease expired: the worker stopped renewing it (it crashed or stalled)', now)
            end
            reclaimed = reclaimed + 1
          else
            redis.call('XACK', laneKey(lane), GROUP, entry)
            redis.call('XDEL', laneKey(lane), entry)
          end
        end
      end
      -- Consumers without pending entries and idle past a lease are gone (or will re-register).
      local consumers = redis.call('XINFO', 'CONSUMERS', laneKey(lane), GROUP)
      for _, info in ipairs(consumers) do
        local name, pending, idle
        for index = 1, #info, 2 do
          if info[index] == 'name' then name = info[index + 1]
          elseif info[index] == 'pending' then pending = info[index + 1]
          elseif info[index] == 'idle' then idle = info[index + 1] end
        end
        if pending == 0 and idle and idle > reclaimIdleMs and name ~= consumer then
          redis.call('XGROUP', 'DELCONSUMER', laneKey(lane), GROUP, name)
        end
      end
    end
  end
end

local function readLane(lane, count)
  local ok, reply = pcall(redis.call, 'XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', laneKey(lane), '>')
  if not ok then
    -- The stream or its group vanished (deleted, or the server lost its data): recreate it.
    redis.call('SADD', base .. ':lanes', lane)
    pcall(redis.call, 'XGROUP', 'CREATE', laneKey(lane), GROUP, '0', 'MKSTREAM')
    reply = redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', laneKey(lane), '>')
  end
  if not reply then return {} end
  return reply[1][2]
end

local started = {}
local count = 0
local function start(lane, entry, unique)
  local jobHash = jobKey(unique)
  local job = redis.call('HMGET', jobHash, 'state', 'entry', 'tenantKey', 'attempts', 'starts', 'payload',
    'maxAttempts', 'tenant', 'idem', 'enqueuedAt', 'timeoutMs', 'traceparent')
  if job[1] ~= 'waiting' or job[2] ~= entry then
    redis.call('XACK', laneKey(lane), GROUP, entry)
    redis.call('XDEL', laneKey(lane), entry)
    return
  end
  local tenant = job[3]
  if tenant then
    local running = tonumber(redis.call('HGET', base .. ':tenants', tenant) or '0')
    if tenantLimit > 0 and running >= tenantLimit then
      redis.call('XACK', laneKey(lane), GROUP, entry)
      redis.call('XDEL', laneKey(lane), entry)
      redis.call('HDEL', jobHash, 'entry')
      redis.call('RPUSH', base .. ':parked:' .. tenant, unique)
      return
    end
    redis.call('HINCRBY', base .. ':tenants', tenant, 1)
  end
  local attempts = tonumber(job[4]) + 1
  local starts = tonumber(job[5]) + 1
  local owner = consumer .. '#' .. starts
  redis.call('HSET', jobHash, 'state', 'active', 'owner', owner, 'startedAt', formatMs(now), 'attempts', attempts, 'starts', starts)
  redis.call('SADD', base .. ':active', unique)
  for _, value in ipairs({ unique, owner, attempts, job[6], job[7], lane, job[8] or '', job[9] or '', job[10],
      job[11] or '', job[12] or '' }) do
    started[#started + 1] = value
  end
  count = count + 1
end

local drained = true
-- Per lane, the newest entry a read returned: when the read came back short, nothing newer is
-- left to read, so an idle worker may block from there (no XINFO needed for that lane).
local lastRead = {}
for _, lane in ipairs(lanes) do
  while count < capacity do
    local want = capacity - count
    local entries = readLane(lane, want)
    if #entries > 0 then lastRead[lane] = entries[#entries][1] end
    for _, item in ipairs(entries) do
      local entry, fields = item[1], item[2]
      if fields[1] == 'j' then
        start(lane, entry, fields[2])
      else
        redis.call('XACK', laneKey(lane), GROUP, entry)
        redis.call('XDEL', laneKey(lane), entry)
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
    local last = lastRead[lane]
    if not last then
      last = '0-0'
      local ok, info = pcall(redis.call, 'XINFO', 'STREAM', laneKey(lane))
      if ok then
        for index = 1, #info, 2 do
          if info[index] == 'last-generated-id' then last = info[index + 1] end
        end
      end
    end
    block[#block + 1] = lane
    block[#block + 1] = last
  end
end
-- Reclaiming may have scheduled retries; promoting changed the schedule: look again then.
local due = firstDue
if scheduleMoved or reclaimed > 0 then due = earliestDue() end
return { started, block, due and formatMs(math.max(0, due - now)) or '-1', reclaimed }
