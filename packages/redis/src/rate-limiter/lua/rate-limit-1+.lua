--[[
  Every rate limiter operation in one script, a port of @tristack/core's rate-limit-algorithms.
  All keys are checked before any is written, so a call is all-or-nothing; on a cluster the driver
  passes one key per call.

  KEYS[1] one HASH per (limiter, scope, id)
  KEYS[2…] more of them, checked and charged together with the first

  ARGV[1] mode: 'limit' | 'peek' | 'reconcile' | 'block'
  ARGV[2] extra: reconcile: checkedAt ms or ''; block: duration ms
  ARGV[3…] per key: rule count, then per rule six values:
    name, algorithm ('s' sliding window, 'f' fixed window, 't' token bucket), limit, windowMs,
    parameter (sliding: segments; token bucket: burst; fixed: 'e' epoch-aligned or 'h' from the
    first hit), cost (reconcile: the signed difference to apply)

  Fields of a hash: '!b' blocked-until, '!h' the expiry last set; per rule
    fixed:        '<name>:s' window start, '<name>:u' used
    sliding:      '<name>:t' total, '<name>:o' / '<name>:n' oldest and newest bucket index,
                  '<name>:<bucket index>' a bucket's usage
    token bucket: '<name>:tat' theoretical arrival time
  The hash expires when nothing in it counts any more.

  Returns the server's TIME (seconds, microseconds), then per key: blocked-until,
  deny-everything-for ms (only on a denial), then per rule: fits (1/0), remaining, resetAt,
  retryAfterMs (-1: never). Times are whole ms, rounded up; a fractional remaining travels as a
  string (Lua would truncate it to an integer).
]]
local mode = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
-- Locals are cheaper to call than table lookups, and this script runs on every limited call.
local floor, max, min = math.floor, math.max, math.min
-- @tristack/core's MAX_RATE_LIMIT_HORIZON_MS (2^47; a test keeps the two equal): no stored time
-- lies further ahead, so every PEXPIRE and reply stays an integer Redis accepts. The driver rejects
-- single calls that would reach past it; debt piled up by many reconciles (or stored by an older
-- release) saturates here, before anything is written.
local MAX_HORIZON_MS = 140737488355328
local horizon = now + MAX_HORIZON_MS

-- Formatting numbers is the costliest thing a call does: whole numbers (below 1e14) go to Redis as
-- Lua numbers (printed exactly, or returned as integer replies), the rest with all 17 digits.
local function formatNumber(value)
  if value == floor(value) and value < 1e14 and value > -1e14 then return value end
  return string.format('%.17g', value)
end
-- A relative slack of 1e-9 of the limit absorbs floating point drift from fractional costs.
local function fits(used, cost, limit)
  local slack = limit * 1e-9
  return used + cost <= limit + slack and (cost > 0 or used < limit - slack)
end

-- Parse the rules of each key.
local targets = {}
local argumentIndex = 3
for keyIndex = 1, #KEYS do
  local rules = {}
  local ruleCount = tonumber(ARGV[argumentIndex])
  argumentIndex = argumentIndex + 1
  for ruleIndex = 1, ruleCount do
    local rule = {
      name = ARGV[argumentIndex],
      algorithm = ARGV[argumentIndex + 1],
      limit = tonumber(ARGV[argumentIndex + 2]),
      window = tonumber(ARGV[argumentIndex + 3]),
      parameter = ARGV[argumentIndex + 4],
      cost = tonumber(ARGV[argumentIndex + 5]),
    }
    rule.fieldPrefix = rule.name .. ':'
    if rule.algorithm == 's' then
      rule.segments = tonumber(rule.parameter)
      rule.bucketSize = rule.window / rule.segments
      rule.currentBucket = floor(now / rule.bucketSize)
      rule.oldestCounted = rule.currentBucket - rule.segments
    end
    rules[ruleIndex] = rule
    argumentIndex = argumentIndex + 6
  end
  targets[keyIndex] = rules
end

-- Load each rule's state and how much of it counts now. Returns the index of the next rule's fields.
local function loadRule(key, rule, row, fieldIndex)
  if rule.algorithm == 'f' then
    rule.capacity = rule.limit
    local storedStart, storedUsed = tonumber(row[fieldIndex]), tonumber(row[fieldIndex + 1])
    if rule.parameter == 'e' then rule.windowStart = floor(now / rule.window) * rule.window
    elseif storedStart and now < storedStart + rule.window then rule.windowStart = storedStart
    else rule.windowStart = floor(now) end
    rule.used = (storedStart ~= nil and storedStart == rule.windowStart) and storedUsed or 0
    return fieldIndex + 2
  elseif rule.algorithm == 's' then
    rule.capacity = rule.limit
    local total = tonumber(row[fieldIndex]) or 0
    local oldest, newest = tonumber(row[fieldIndex + 1]), tonumber(row[fieldIndex + 2])
    rule.oldestBucket, rule.newestBucket = oldest, newest
    rule.currentBucketUsed = tonumber(row[fieldIndex + 3]) or 0
    rule.expiredFields = {}
    if newest == nil or newest < rule.oldestCounted then
      -- Everything expired: its fields (at most segments + 1 of them) go at the next write.
      rule.used = 0
      if newest ~= nil then
        for bucket = oldest, newest do rule.expiredFields[#rule.expiredFields + 1] = rule.fieldPrefix .. bucket end
      end
      rule.oldestBucket, rule.newestBucket = nil, nil
    else
      local used = total
      if oldest < rule.oldestCounted then
        for bucket = oldest, rule.oldestCounted - 1 do
          rule.expiredFields[#rule.expiredFields + 1] = rule.fieldPrefix .. bucket
        end
        for _, value in ipairs(redis.call('HMGET', key, unpack(rule.expiredFields))) do
          used = used - (tonumber(value) or 0)
        end
      end
      if used < rule.limit * 1e-9 then used = 0 end
      rule.used = used
    end
    return fieldIndex + 4
  else
    rule.interval = rule.window / rule.limit
    rule.capacity = tonumber(rule.parameter)
    rule.tat = min(horizon, max(tonumber(row[fieldIndex]) or now, now))
    rule.used = (rule.tat - now) / rule.interval
    return fieldIndex + 1
  end
end

-- Sliding window: ms until the usage, dropping as buckets expire, leaves room for cost.
local function slidingRetry(key, rule, cost)
  if rule.newestBucket == nil then return 0 end
  local fromBucket = max(rule.oldestBucket, rule.oldestCounted)
  local names = {}
  for bucket = fromBucket, rule.newestBucket do names[#names + 1] = rule.fieldPrefix .. bucket end
  local values = redis.call('HMGET', key, unpack(names))
  local usageLeft = rule.used
  for bucket = fromBucket, rule.newestBucket do
    usageLeft = usageLeft - (tonumber(values[bucket - fromBucket + 1]) or 0)
    if fits(max(0, usageLeft), cost, rule.limit) then
      return (bucket + rule.segments + 1) * rule.bucketSize - now
    end
  end
  return 0
end

-- One rule's verdict: allowed, remaining, resetAt, retry (-1 never), deny-everything-for.
local function verdict(key, rule, cost, charging, denied)
  local allowed = fits(rule.used, cost, rule.capacity)
  local never = (not allowed) and cost > rule.capacity + rule.capacity * 1e-9
  local usedAfter = (allowed and charging) and rule.used + cost or rule.used
  local remaining, resetAt, retry, exhausted = max(0, rule.capacity - usedAfter), now, 0, 0
  -- Room for a zero-cost call: when there is none, a denied call reports how long until there is.
  local hasRoom = fits(rule.used, 0, rule.capacity)
  if rule.algorithm == 'f' then
    local windowEnd = rule.windowStart + rule.window
    if usedAfter > 0 then resetAt = windowEnd end
    if not allowed then retry = windowEnd - now end
    if denied and not hasRoom then exhausted = windowEnd - now end
  elseif rule.algorithm == 's' then
    local newest = rule.newestBucket
    if allowed and charging and cost > 0 then newest = rule.currentBucket end
    if newest ~= nil and usedAfter > 0 then resetAt = (newest + rule.segments + 1) * rule.bucketSize end
    if not allowed and not never then retry = slidingRetry(key, rule, cost) end
    if denied and not hasRoom then exhausted = slidingRetry(key, rule, 0) end
  else
    local burstDuration = rule.capacity * rule.interval
    local tat = rule.tat
    if allowed and charging then tat = tat + cost * rule.interval end
    remaining = max(0, (burstDuration - (tat - now)) / rule.interval)
    resetAt = tat
    if not allowed then retry = max(0, rule.tat + cost * rule.interval - burstDuration - now) end
    if denied and not hasRoom then exhausted = max(0, rule.tat - burstDuration - now) + 1 end
  end
  if never then retry = -1 end
  return allowed, remaining, resetAt, retry, exhausted
end

-- Add amount (negative: a refund at checkedAt) to a rule, updating its loaded state too. Field
-- writes are collected in writes.set / writes.remove: one HSET (and rarely one HDEL) per key.
local function setField(writes, field, value)
  writes.set[#writes.set + 1] = field
  writes.set[#writes.set + 1] = value
end
local function charge(key, rule, amount, checkedAt, writes)
  if rule.algorithm == 'f' then
    local used = rule.used
    if amount >= 0 then used = used + amount
    elseif used > 0 and checkedAt >= rule.windowStart and checkedAt < rule.windowStart + rule.window then
      used = max(0, used + amount)
    else return end
    rule.used = used
    setField(writes, rule.fieldPrefix .. 's', formatNumber(rule.windowStart))
    setField(writes, rule.fieldPrefix .. 'u', formatNumber(used))
  elseif rule.algorithm == 's' then
    for _, field in ipairs(rule.expiredFields) do writes.remove[#writes.remove + 1] = field end
    rule.expiredFields = {}
    local oldestBefore, newestBefore = rule.oldestBucket, rule.newestBucket
    if rule.oldestBucket == nil then rule.oldestBucket = rule.currentBucket
    else rule.oldestBucket = max(rule.oldestBucket, rule.oldestCounted) end
    if amount >= 0 then
      setField(writes, rule.fieldPrefix .. rule.currentBucket, formatNumber(rule.currentBucketUsed + amount))
      rule.used = rule.used + amount
      rule.newestBucket = rule.currentBucket
    else
      -- A refund comes out of the bucket the call was charged to, if that still counts.
      local chargedBucket = min(rule.currentBucket, floor(checkedAt / rule.bucketSize))
      if rule.newestBucket ~= nil and chargedBucket >= rule.oldestBucket and chargedBucket <= rule.newestBucket then
        local field = rule.fieldPrefix .. chargedBucket
        local held = tonumber(redis.call('HGET', key, field)) or 0
        local refund = min(held, -amount)
        if refund >= held - rule.limit * 1e-9 then writes.remove[#writes.remove + 1] = field
        else setField(writes, field, formatNumber(held - refund)) end
        rule.used = max(0, rule.used - refund)
        if rule.used < rule.limit * 1e-9 then rule.used = 0 end
      end
    end
    if rule.newestBucket == nil then rule.newestBucket = rule.currentBucket end
    setField(writes, rule.fieldPrefix .. 't', formatNumber(rule.used))
    -- Within one bucket (most calls) the bucket bounds stay as they are.
    if rule.oldestBucket ~= oldestBefore then setField(writes, rule.fieldPrefix .. 'o', rule.oldestBucket) end
    if rule.newestBucket ~= newestBefore then setField(writes, rule.fieldPrefix .. 'n', rule.newestBucket) end
  else
    rule.tat = min(horizon, max(now, rule.tat + amount * rule.interval))
    rule.used = (rule.tat - now) / rule.interval
    setField(writes, rule.fieldPrefix .. 'tat', formatNumber(rule.tat))
  end
end

-- When nothing of a rule counts any more.
local function keepUntil(rule)
  if rule.used <= 0 then return 0 end
  if rule.algorithm == 'f' then return rule.windowStart + rule.window end
  if rule.algorithm == 's' then return (rule.newestBucket + rule.segments + 1) * rule.bucketSize end
  return rule.tat
end

-- Writes a key's collected fields and keeps it alive while anything in it counts. The expiry only
-- moves forward, by at least min(1 s, longest window) at a time, and '!h' remembers it: most calls
-- then need no PEXPIRE. A key in which nothing counts any more is deleted.
local function flush(key, rules, blockedUntil, expiresAt, writes)
  local countsUntil, longestWindow = blockedUntil, 0
  for _, rule in ipairs(rules) do
    countsUntil = max(countsUntil, keepUntil(rule))
    longestWindow = max(longestWindow, rule.window)
  end
  if countsUntil <= now then redis.call('DEL', key) return end
  if #writes.remove > 0 then redis.call('HDEL', key, unpack(writes.remove)) end
  local newExpiry = 0
  if countsUntil > expiresAt then
    newExpiry = math.ceil(countsUntil + min(1000, longestWindow))
    setField(writes, '!h', newExpiry)
  end
  if #writes.set > 0 then redis.call('HSET', key, unpack(writes.set)) end
  -- After the HSET: a PEXPIRE on a key that does not exist yet would be lost.
  if newExpiry > 0 then redis.call('PEXPIRE', key, newExpiry - floor(now)) end
end

-- Read every key.
local blocked, expiresAt = {}, {}
local anyBlocked, allFit = false, true
for keyIndex = 1, #KEYS do
  local fields = { '!b', '!h' }
  for _, rule in ipairs(targets[keyIndex]) do
    local prefix = rule.fieldPrefix
    if rule.algorithm == 'f' then
      fields[#fields + 1] = prefix .. 's'
      fields[#fields + 1] = prefix .. 'u'
    elseif rule.algorithm == 's' then
      fields[#fields + 1] = prefix .. 't'
      fields[#fields + 1] = prefix .. 'o'
      fields[#fields + 1] = prefix .. 'n'
      fields[#fields + 1] = prefix .. rule.currentBucket
    else
      fields[#fields + 1] = prefix .. 'tat'
    end
  end
  local row = redis.call('HMGET', KEYS[keyIndex], unpack(fields))
  blocked[keyIndex] = tonumber(row[1]) or 0
  expiresAt[keyIndex] = tonumber(row[2]) or 0
  if blocked[keyIndex] > now then anyBlocked = true end
  local fieldIndex = 3
  for _, rule in ipairs(targets[keyIndex]) do
    fieldIndex = loadRule(KEYS[keyIndex], rule, row, fieldIndex)
    if mode == 'limit' or mode == 'peek' then
      if not fits(rule.used, rule.cost, rule.capacity) then allFit = false end
    end
  end
end

local reply = { time[1], time[2] }
local admitted = allFit and not anyBlocked
local charging = mode == 'limit' and admitted
local denied = (mode == 'limit' or mode == 'peek') and not admitted
local checkedAt = now
if mode == 'reconcile' and ARGV[2] ~= '' then checkedAt = tonumber(ARGV[2]) end

for keyIndex = 1, #KEYS do
  local key, rules = KEYS[keyIndex], targets[keyIndex]
  local writes = { set = {}, remove = {} }
  local exhausted = 0
  -- Two slots for blocked-until and deny-everything-for, filled once the rules are done.
  local keySlot = #reply + 1
  reply[keySlot], reply[keySlot + 1] = 0, 0
  if denied and blocked[keyIndex] > now then exhausted = blocked[keyIndex] - now end
  for _, rule in ipairs(rules) do
    if mode == 'reconcile' then
      if rule.cost ~= 0 then charge(key, rule, rule.cost, checkedAt, writes) end
      rule.cost = 0
    end
    local allowed, remaining, resetAt, retry, ruleExhausted = verdict(key, rule, rule.cost, charging, denied)
    exhausted = max(exhausted, ruleExhausted)
    local replyEnd = #reply
    reply[replyEnd + 1], reply[replyEnd + 2], reply[replyEnd + 3], reply[replyEnd + 4] =
      allowed and 1 or 0, formatNumber(remaining), math.ceil(resetAt), math.ceil(retry)
    if charging and rule.cost > 0 then charge(key, rule, rule.cost, now, writes) end
  end
  if mode == 'block' then
    blocked[keyIndex] = max(blocked[keyIndex], now + tonumber(ARGV[2]))
    setField(writes, '!b', formatNumber(blocked[keyIndex]))
  end
  if charging or mode == 'reconcile' or mode == 'block' then
    flush(key, rules, blocked[keyIndex], expiresAt[keyIndex], writes)
  end
  reply[keySlot], reply[keySlot + 1] = formatNumber(blocked[keyIndex]), math.ceil(exhausted)
end
return reply
