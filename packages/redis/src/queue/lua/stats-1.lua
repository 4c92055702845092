--[[
  Counts the jobs in each state.

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  (no arguments of its own)

  Returns { waiting, active, delayed, failed, dead, completed }.
]]
--- @include "includes/job-prelude"

local counts = redis.call('HMGET', base .. ':counts', 'waiting', 'completed')
return { tonumber(counts[1] or '0'), redis.call('SCARD', base .. ':active'),
  redis.call('ZCARD', base .. ':delayed'), redis.call('ZCARD', base .. ':failed'),
  redis.call('XLEN', base .. ':dead'), tonumber(counts[2] or '0') }
