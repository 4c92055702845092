--[[
  Admits a call: always when closed; when open and its time is up, moves to half-open and hands out
  a probe token while fewer probes than allowed are in flight.

  KEYS[1] the breaker's HASH (fields in includes/breaker-state.lua)

  ARGV[1…14] name, channel, instance id and the policy, as includes/breaker-state.lua reads them
  ARGV[15] the probe token to hand out (client-generated, so the script stays deterministic)

  Returns the breaker reply of includes/breaker-state.lua: state, retry-after ms, changedAt,
  server time, trips, calls, failures, consecutive failures, failing instances, live probes,
  probe successes, admitted (0/1), probe token, state-change event JSON ('' when none).
]]
--- @include "includes/breaker-state"

if circuit.state == 'closed' then return reply(1) end
local event = ''
if circuit.state == 'open' then
  if now < circuit.openUntil then return reply(0) end
  event = transition('half-open', 'open-elapsed')
end
local probes = liveProbes()
if probes + circuit.probeOk >= halfOpenProbes then
  save()
  return reply(0, '', event)
end
circuit.probes[ARGV[15]] = now + probeTtlMs
save()
return reply(1, ARGV[15], event)
