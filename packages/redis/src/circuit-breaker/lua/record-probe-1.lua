--[[
  Records a half-open probe's verdict: a failure reopens the breaker, enough successes close it.

  KEYS[1] the breaker's HASH (fields in includes/breaker-state.lua)

  ARGV[1…14] name, channel, instance id and the policy, as includes/breaker-state.lua reads them
  ARGV[15] the probe token
  ARGV[16] verdict: 'success' | 'failure' | 'ignored'

  Returns the breaker reply of includes/breaker-state.lua: state, retry-after ms, changedAt,
  server time, trips, calls, failures, consecutive failures, failing instances, live probes,
  probe successes, admitted (0/1), probe token, state-change event JSON ('' when none).
]]
--- @include "includes/breaker-state"

local expiresAt = circuit.probes[ARGV[15]]
-- A probe that outlived its token lost its say: its slot may already be someone else's.
if circuit.state ~= 'half-open' or not expiresAt or expiresAt <= now then return reply() end
circuit.probes[ARGV[15]] = nil
local event = ''
if ARGV[16] == 'failure' then
  event = open('probe-failed')
elseif ARGV[16] == 'success' then
  circuit.probeOk = circuit.probeOk + 1
  if circuit.probeOk >= halfOpenProbes then event = transition('closed', 'probes-succeeded') end
end
save()
return reply(0, '', event)
