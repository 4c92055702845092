import { RedisScript } from '../script.js';

/**
 * One script for every rate limiter operation, a port of `@tristack/core`'s rate-limit-algorithms.
 * KEYS: one hash per (limiter, scope, id). All of them are checked before any is written, so a
 * call is all-or-nothing; on a cluster the driver passes one key per call.
 *
 * ARGV: mode ('limit' | 'peek' | 'reconcile' | 'block'), extra (reconcile: checkedAt or '';
 * block: duration ms), then per key: rule count, then per rule: name, algorithm ('s' sliding,
 * 'f' fixed, 't' token bucket), limit, windowMs, parameter (segments | burst | 'e' epoch / 'h'
 * first hit), cost (reconcile: the signed difference).
 *
 * Fields of a hash: `!b` blocked-until, `!h` the expiry last set; per rule `<name>:s`/`:u` (fixed: window start, used),
 * `<name>:t`/`:o`/`:n`/`:<index>` (sliding: total, oldest and newest bucket index, buckets),
 * `<name>:tat` (token bucket: theoretical arrival time). The hash expires when nothing in it
 * counts any more.
 *
 * Reply: the server's TIME (seconds, microseconds), then per key: blocked-until, deny-everything-for
 * ms (only on a denial), then per rule: fits (1/0), remaining, resetAt, retryAfterMs (-1: never).
 * Times are whole ms, rounded up; a fractional `remaining` travels as a string (Lua would
 * truncate it to an integer).
 */
const SOURCE = `
local mode = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local floor, max, min = math.floor, math.max, math.min

-- Formatting numbers is the costliest thing a call does: whole numbers (below 1e14) go to Redis as
-- Lua numbers (printed exactly, or returned as integer replies), the rest with all 17 digits.
local function num(x)
  if x == floor(x) and x < 1e14 and x > -1e14 then return x end
  return string.format('%.17g', x)
end
local function fits(used, cost, limit)
  local slack = limit * 1e-9
  return used + cost <= limit + slack and (cost > 0 or used < limit - slack)
end

-- Parse the rules of each key.
local targets = {}
local a = 3
for k = 1, #KEYS do
  local rules = {}
  local count = tonumber(ARGV[a])
  a = a + 1
  for r = 1, count do
    local rule = { name = ARGV[a], algo = ARGV[a + 1], limit = tonumber(ARGV[a + 2]),
      window = tonumber(ARGV[a + 3]), param = ARGV[a + 4], cost = tonumber(ARGV[a + 5]) }
    rule.p = rule.name .. ':'
    if rule.algo == 's' then
      rule.segments = tonumber(rule.param)
      rule.size = rule.window / rule.segments
      rule.idx = floor(now / rule.size)
      rule.oldest = rule.idx - rule.segments
    end
    rules[r] = rule
    a = a + 6
  end
  targets[k] = rules
end

-- Load each rule's state and how much of it counts now.
local function load(key, rule, row, i)
  if rule.algo == 'f' then
    rule.cap = rule.limit
    local s, u = tonumber(row[i]), tonumber(row[i + 1])
    if rule.param == 'e' then rule.start = floor(now / rule.window) * rule.window
    elseif s and now < s + rule.window then rule.start = s
    else rule.start = floor(now) end
    rule.used = (s ~= nil and s == rule.start) and u or 0
    return i + 2
  elseif rule.algo == 's' then
    rule.cap = rule.limit
    local t, o, n = tonumber(row[i]) or 0, tonumber(row[i + 1]), tonumber(row[i + 2])
    rule.o, rule.n, rule.current = o, n, tonumber(row[i + 3]) or 0
    rule.expired = {}
    if n == nil or n < rule.oldest then
      -- Everything expired: its fields (at most segments + 1 of them) go at the next write.
      rule.used = 0
      if n ~= nil then for j = o, n do rule.expired[#rule.expired + 1] = rule.p .. j end end
      rule.o, rule.n = nil, nil
    else
      local used = t
      if o < rule.oldest then
        for j = o, rule.oldest - 1 do rule.expired[#rule.expired + 1] = rule.p .. j end
        for _, v in ipairs(redis.call('HMGET', key, unpack(rule.expired))) do used = used - (tonumber(v) or 0) end
      end
      if used < rule.limit * 1e-9 then used = 0 end
      rule.used = used
    end
    return i + 4
  else
    rule.interval = rule.window / rule.limit
    rule.cap = tonumber(rule.param)
    rule.tat = max(tonumber(row[i]) or now, now)
    rule.used = (rule.tat - now) / rule.interval
    return i + 1
  end
end

-- Sliding window: ms until the usage, dropping as buckets expire, leaves room for cost.
local function slidingRetry(key, rule, cost)
  if rule.n == nil then return 0 end
  local from = max(rule.o, rule.oldest)
  local names = {}
  for j = from, rule.n do names[#names + 1] = rule.p .. j end
  local values = redis.call('HMGET', key, unpack(names))
  local left = rule.used
  for j = from, rule.n do
    left = left - (tonumber(values[j - from + 1]) or 0)
    if fits(max(0, left), cost, rule.limit) then return (j + rule.segments + 1) * rule.size - now end
  end
  return 0
end

-- One rule's verdict: fits, remaining, resetAt, retry (-1 never), deny-everything-for.
local function verdict(key, rule, cost, charging, denied)
  local ok = fits(rule.used, cost, rule.cap)
  local never = (not ok) and cost > rule.cap + rule.cap * 1e-9
  local after = (ok and charging) and rule.used + cost or rule.used
  local remaining, resetAt, retry, exhausted = max(0, rule.cap - after), now, 0, 0
  local empty = fits(rule.used, 0, rule.cap)
  if rule.algo == 'f' then
    local finish = rule.start + rule.window
    if after > 0 then resetAt = finish end
    if not ok then retry = finish - now end
    if denied and not empty then exhausted = finish - now end
  elseif rule.algo == 's' then
    local newest = rule.n
    if ok and charging and cost > 0 then newest = rule.idx end
    if newest ~= nil and after > 0 then resetAt = (newest + rule.segments + 1) * rule.size end
    if not ok and not never then retry = slidingRetry(key, rule, cost) end
    if denied and not empty then exhausted = slidingRetry(key, rule, 0) end
  else
    local capacity = rule.cap * rule.interval
    local tat = rule.tat
    if ok and charging then tat = tat + cost * rule.interval end
    remaining = max(0, (capacity - (tat - now)) / rule.interval)
    resetAt = tat
    if not ok then retry = max(0, rule.tat + cost * rule.interval - capacity - now) end
    if denied and not empty then exhausted = max(0, rule.tat - capacity - now) + 1 end
  end
  if never then retry = -1 end
  return ok, remaining, resetAt, retry, exhausted
end

-- Add amount (negative: a refund at checkedAt) to a rule, updating its loaded state too. Field
-- writes are collected in out.set / out.del: one HSET (and rarely one HDEL) per key.
local function put(out, field, value) out.set[#out.set + 1] = field; out.set[#out.set + 1] = value end
local function charge(key, rule, amount, checkedAt, out)
  if rule.algo == 'f' then
    local used = rule.used
    if amount >= 0 then used = used + amount
    elseif used > 0 and checkedAt >= rule.start and checkedAt < rule.start + rule.window then
      used = max(0, used + amount)
    else return end
    rule.used = used
    put(out, rule.p .. 's', num(rule.start)); put(out, rule.p .. 'u', num(used))
  elseif rule.algo == 's' then
    for _, field in ipairs(rule.expired) do out.del[#out.del + 1] = field end
    rule.expired = {}
    local o, n = rule.o, rule.n
    if rule.o == nil then rule.o = rule.idx else rule.o = max(rule.o, rule.oldest) end
    if amount >= 0 then
      put(out, rule.p .. rule.idx, num(rule.current + amount))
      rule.used = rule.used + amount
      rule.n = rule.idx
    else
      local at = min(rule.idx, floor(checkedAt / rule.size))
      if rule.n ~= nil and at >= rule.o and at <= rule.n then
        local field = rule.p .. at
        local held = tonumber(redis.call('HGET', key, field)) or 0
        local refund = min(held, -amount)
        if refund >= held - rule.limit * 1e-9 then out.del[#out.del + 1] = field
        else put(out, field, num(held - refund)) end
        rule.used = max(0, rule.used - refund)
        if rule.used < rule.limit * 1e-9 then rule.used = 0 end
      end
    end
    if rule.n == nil then rule.n = rule.idx end
    put(out, rule.p .. 't', num(rule.used))
    -- Within one bucket (most calls) the bucket bounds stay as they are.
    if rule.o ~= o then put(out, rule.p .. 'o', rule.o) end
    if rule.n ~= n then put(out, rule.p .. 'n', rule.n) end
  else
    rule.tat = max(now, rule.tat + amount * rule.interval)
    rule.used = (rule.tat - now) / rule.interval
    put(out, rule.p .. 'tat', num(rule.tat))
  end
end

-- When nothing of a rule counts any more.
local function keepUntil(rule)
  if rule.used <= 0 then return 0 end
  if rule.algo == 'f' then return rule.start + rule.window end
  if rule.algo == 's' then return (rule.n + rule.segments + 1) * rule.size end
  return rule.tat
end

-- Writes a key's collected fields and keeps it alive while anything in it counts. The expiry only
-- moves forward, by at least min(1 s, longest window) at a time, and '!h' remembers it: most calls
-- then need no PEXPIRE. A key in which nothing counts any more is deleted.
local function flush(key, rules, blockedUntil, expiresAt, out)
  local horizon, longest = blockedUntil, 0
  for _, rule in ipairs(rules) do
    horizon = max(horizon, keepUntil(rule))
    longest = max(longest, rule.window)
  end
  if horizon <= now then redis.call('DEL', key) return end
  if #out.del > 0 then redis.call('HDEL', key, unpack(out.del)) end
  local target = 0
  if horizon > expiresAt then
    target = math.ceil(horizon + min(1000, longest))
    put(out, '!h', target)
  end
  if #out.set > 0 then redis.call('HSET', key, unpack(out.set)) end
  -- After the HSET: a PEXPIRE on a key that does not exist yet would be lost.
  if target > 0 then redis.call('PEXPIRE', key, target - floor(now)) end
end

-- Read every key.
local blocked, expiresAt = {}, {}
local anyBlocked, allFit = false, true
for k = 1, #KEYS do
  local fields = { '!b', '!h' }
  for _, rule in ipairs(targets[k]) do
    if rule.algo == 'f' then fields[#fields + 1] = rule.p .. 's'; fields[#fields + 1] = rule.p .. 'u'
    elseif rule.algo == 's' then
      fields[#fields + 1] = rule.p .. 't'; fields[#fields + 1] = rule.p .. 'o'; fields[#fields + 1] = rule.p .. 'n'
      fields[#fields + 1] = rule.p .. rule.idx
    else fields[#fields + 1] = rule.p .. 'tat' end
  end
  local row = redis.call('HMGET', KEYS[k], unpack(fields))
  blocked[k] = tonumber(row[1]) or 0
  expiresAt[k] = tonumber(row[2]) or 0
  if blocked[k] > now then anyBlocked = true end
  local i = 3
  for _, rule in ipairs(targets[k]) do
    i = load(KEYS[k], rule, row, i)
    if mode == 'limit' or mode == 'peek' then
      if not fits(rule.used, rule.cost, rule.cap) then allFit = false end
    end
  end
end

local reply = { time[1], time[2] }
local admitted = allFit and not anyBlocked
local charging = mode == 'limit' and admitted
local denied = (mode == 'limit' or mode == 'peek') and not admitted
local checkedAt = now
if mode == 'reconcile' and ARGV[2] ~= '' then checkedAt = tonumber(ARGV[2]) end

for k = 1, #KEYS do
  local key, rules = KEYS[k], targets[k]
  local out = { set = {}, del = {} }
  local exhausted = 0
  -- Two slots for blocked-until and deny-everything-for, filled once the rules are done.
  local slot = #reply + 1
  reply[slot], reply[slot + 1] = 0, 0
  if denied and blocked[k] > now then exhausted = blocked[k] - now end
  for _, rule in ipairs(rules) do
    if mode == 'reconcile' then
      if rule.cost ~= 0 then charge(key, rule, rule.cost, checkedAt, out) end
      rule.cost = 0
    end
    local ok, remaining, resetAt, retry, rest = verdict(key, rule, rule.cost, charging, denied)
    exhausted = max(exhausted, rest)
    local at = #reply
    reply[at + 1], reply[at + 2], reply[at + 3], reply[at + 4] =
      ok and 1 or 0, num(remaining), math.ceil(resetAt), math.ceil(retry)
    if charging and rule.cost > 0 then charge(key, rule, rule.cost, now, out) end
  end
  if mode == 'block' then
    blocked[k] = max(blocked[k], now + tonumber(ARGV[2]))
    put(out, '!b', num(blocked[k]))
  end
  if charging or mode == 'reconcile' or mode == 'block' then flush(key, rules, blocked[k], expiresAt[k], out) end
  reply[slot], reply[slot + 1] = num(blocked[k]), math.ceil(exhausted)
end
return reply
`;

export const rateLimiterScript = new RedisScript('rate-limiter', SOURCE);
