--[[
  Renews the leases of a worker's running jobs it still owns (XCLAIM JUSTID resets the entry's
  idle time).

  KEYS[1] the queue's base key <prefix>:queue:{<name>} (the other keys are built from it: see
          includes/job-prelude.lua)

  ARGV[1] eventsMaxLength
  ARGV[2] resultTtlMs
  ARGV[3] consumer
  ARGV[4…] unique id / owner pairs

  Returns per job: 0 (lost), 1 (renewed) or 2 (renewed, cancellation requested), then the
  cancel reason ('' when none).
]]
--- @include "includes/job-prelude"

local consumer = ARGV[3]
local result = {}
for index = 4, #ARGV, 2 do
  local job = redis.call('HMGET', jobKey(ARGV[index]), 'owner', 'entry', 'priority', 'cancel', 'cancelReason')
  if job[1] == ARGV[index + 1] then
    redis.call('XCLAIM', laneKey(job[3]), GROUP, consumer, 0, job[2], 'JUSTID')
    result[#result + 1] = job[4] and 2 or 1
  else
    result[#result + 1] = 0
  end
  result[#result + 1] = job[5] or ''
end
return result
