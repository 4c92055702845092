--[[
  Records a running job's progress and announces it on the events stream.

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  ARGV[3] unique id
  ARGV[4] owner
  ARGV[5] progress JSON

  Returns 1, or 0 when the lease was lost.
]]
--- @include "includes/job-prelude"

local jobHash = jobKey(ARGV[3])
if redis.call('HGET', jobHash, 'owner') ~= ARGV[4] then return 0 end
redis.call('HSET', jobHash, 'progress', ARGV[5])
redis.call('XADD', base .. ':events', 'MAXLEN', '~', EVENTS_MAX_LENGTH, '*', 't', 'progress', 'j', ARGV[3], 'd', ARGV[5])
return 1
