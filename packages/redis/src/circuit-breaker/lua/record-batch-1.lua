--[[
  Records a batch of outcomes of closed-state calls and trips the breaker when the failure rate or
  the consecutive failures reach the policy's threshold (in quorum mode: only once enough
  instances see failures).

  KEYS[1] the breaker's HASH (fields in includes/breaker-state.lua)

  ARGV[1…14] name, channel, instance id and the policy, as includes/breaker-state.lua reads them
  ARGV[15] successes
  ARGV[16] failures
  ARGV[17] failures after the batch's last success
  ARGV[18] '1' when the batch had a success, else '0'

  Returns the breaker reply of includes/breaker-state.lua: state, retry-after ms, changedAt,
  server time, trips, calls, failures, consecutive failures, failing instances, live probes,
  probe successes, admitted (0/1), probe token, state-change event JSON ('' when none).
]]
--- @include "includes/breaker-state"

-- Calls admitted before a trip finish while it is open: they say nothing new.
if circuit.state ~= 'closed' then return reply() end
local successes, failures = tonumber(ARGV[15]), tonumber(ARGV[16])
addToWindow(successes + failures, failures)
if ARGV[18] == '1' then circuit.consecutive = tonumber(ARGV[17]) else circuit.consecutive = circuit.consecutive + failures end
local event = ''
if failures > 0 then
  if quorum > 1 then circuit.failing[instance] = now end
  if quorum <= 1 or failingInstances() >= quorum then
    local calls, windowFailures = windowCounts()
    if threshold >= 0 and calls >= minimumCalls and windowFailures / calls >= threshold then
      event = open('failure-rate')
    elseif consecutiveLimit >= 0 and circuit.consecutive >= consecutiveLimit then
      event = open('consecutive-failures')
    end
  end
end
save()
return reply(0, '', event)
