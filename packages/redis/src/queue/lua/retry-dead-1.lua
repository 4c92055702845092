--[[
  Moves a dead job back to waiting with fresh attempts.

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  ARGV[3] unique id

  Returns 1 when moved, else 0.
]]
--- @include "includes/job-prelude"

local unique = ARGV[3]
local jobHash = jobKey(unique)
local job = redis.call('HMGET', jobHash, 'state', 'deadEntry', 'priority')
if job[1] ~= 'dead' then return 0 end
redis.call('XDEL', base .. ':dead', job[2])
redis.call('HDEL', jobHash, 'deadEntry', 'finishedAt')
makeWaiting(unique, jobHash, job[3], { 'attempts', 0 })
return 1
