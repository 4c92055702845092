--[[
  Adds a job: waiting on its priority lane, or delayed; with an idempotency key, a job the key
  already names is returned instead.

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  ARGV[3] unique id
  ARGV[4] payload JSON
  ARGV[5] priority
  ARGV[6] delayMs
  ARGV[7] maxAttempts
  ARGV[8] backoffType
  ARGV[9] backoffDelay
  ARGV[10] backoffMax
  ARGV[11] backoffJitter
  ARGV[12] timeoutMs ('' = none)
  ARGV[13] tenant ('' = none)
  ARGV[14] tenantKey: the escaped tenant id ('' = none)
  ARGV[15] idempotency key ('' = none)
  ARGV[16] idempotency scope: the key scoped to the tenant ('' = none)
  ARGV[17] traceparent: the enqueuing span's W3C trace context ('' = none)

  Returns the unique id of the job: the new one, or the one the idempotency key already names.
]]
--- @include "includes/job-prelude"

local unique, priority, delay = ARGV[3], ARGV[5], tonumber(ARGV[6])
local tenant, tenantKey, idempotencyKey, idempotencyScope = ARGV[13], ARGV[14], ARGV[15], ARGV[16]
if idempotencyKey ~= '' then
  local existing = redis.call('GET', base .. ':idem:' .. idempotencyScope)
  if existing and redis.call('EXISTS', jobKey(existing)) == 1 then return existing end
  redis.call('SET', base .. ':idem:' .. idempotencyScope, unique)
end
local now = nowMs()
local fields = { 'payload', ARGV[4], 'priority', priority, 'attempts', 0, 'starts', 0, 'maxAttempts', ARGV[7],
  'backoffType', ARGV[8], 'backoffDelay', ARGV[9], 'backoffMax', ARGV[10], 'backoffJitter', ARGV[11],
  'enqueuedAt', formatMs(now) }
local function add(...) for _, value in ipairs({ ... }) do fields[#fields + 1] = value end end
if ARGV[12] ~= '' then add('timeoutMs', ARGV[12]) end
if tenant ~= '' then add('tenant', tenant, 'tenantKey', tenantKey) end
if idempotencyKey ~= '' then add('idem', idempotencyKey, 'idemKey', idempotencyScope) end
if ARGV[17] and ARGV[17] ~= '' then add('traceparent', ARGV[17]) end
if delay > 0 then
  add('state', 'delayed', 'runAt', formatMs(now + delay))
  redis.call('HSET', jobKey(unique), unpack(fields))
  schedule(unique, 'delayed', now + delay)
else
  add('state', 'waiting', 'entry', pushLane(unique, priority))
  redis.call('HSET', jobKey(unique), unpack(fields))
  redis.call('HINCRBY', base .. ':counts', 'waiting', 1)
end
return unique
