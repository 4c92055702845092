--[[
  Cancels a job. A waiting, delayed or failed job ends at once; a running job gets a flag (seen by
  heartbeats) and a control entry (seen at once).

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  ARGV[3] unique id
  ARGV[4] reason ('' = none)

  Returns cancelled | requested | finished | not-found.
]]
--- @include "includes/job-prelude"

local unique, reason = ARGV[3], ARGV[4]
local jobHash = jobKey(unique)
local job = redis.call('HMGET', jobHash, 'state', 'entry', 'priority', 'tenantKey', 'idemKey', 'attempts')
local state = job[1]
if not state then return 'not-found' end
if state == 'completed' or state == 'dead' or state == 'cancelled' then return 'finished' end
if state == 'active' then
  redis.call('HSET', jobHash, 'cancel', '1', 'cancelReason', reason)
  redis.call('XADD', base .. ':control', 'MAXLEN', '~', 1000, '*', 'j', unique, 'r', reason)
  return 'requested'
end
if state == 'waiting' then
  redis.call('HINCRBY', base .. ':counts', 'waiting', -1)
  if job[2] then
    redis.call('XDEL', laneKey(job[3]), job[2])
    -- It may have been released from its tenant's parked list: pass that turn on.
    if job[4] then releaseParked(job[4]) end
  elseif job[4] then
    redis.call('LREM', base .. ':parked:' .. job[4], 0, unique)
  end
else
  redis.call('ZREM', base .. ':' .. state, unique)
end
finalize(unique, jobHash, 'cancelled', nowMs(), reason, job[5], job[6], reason ~= '' and { 'cancelReason', reason } or nil)
return 'cancelled'
