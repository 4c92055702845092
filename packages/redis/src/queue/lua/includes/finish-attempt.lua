-- Records an attempt's outcome when 'owner' still holds the job; returns 1, or 0 when the lease was lost.
--- @include "job-prelude"
local function finish(unique, owner, kind, data, now)
  local jobHash = jobKey(unique)
  local job = redis.call('HMGET', jobHash, 'owner', 'state', 'entry', 'priority', 'tenantKey', 'idemKey', 'attempts',
    'cancel', 'cancelReason')
  if job[1] ~= owner or job[2] ~= 'active' then return 0 end
  leaveActive(unique, job[3], job[4], job[5])
  -- Cancelled while running: an attempt that did not complete ends the job, whatever it failed with.
  if job[8] and kind ~= 'completed' then kind, data = 'cancelled', job[9] or '' end
  if kind == 'completed' then
    redis.call('HINCRBY', base .. ':counts', 'completed', 1)
    finalize(unique, jobHash, 'completed', now, data, job[6], job[7], { 'result', data })
  elseif kind == 'failed' then
    failAttempt(unique, jobHash, data, now)
  elseif kind == 'cancelled' then
    finalize(unique, jobHash, 'cancelled', now, data, job[6], job[7], data ~= '' and { 'cancelReason', data } or nil)
  else
    makeWaiting(unique, jobHash, job[4], { 'attempts', tonumber(job[7]) - 1 })
    redis.call('HDEL', jobHash, 'owner')
  end
  return 1
end
