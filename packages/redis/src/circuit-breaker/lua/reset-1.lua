--[[
  Closes the breaker and forgets everything it counted (announcing the change when it was not
  closed).

  KEYS[1] the breaker's HASH (fields in includes/breaker-state.lua)

  ARGV[1…14] name, channel, instance id and the policy, as includes/breaker-state.lua reads them

  Returns the breaker reply of includes/breaker-state.lua: state, retry-after ms, changedAt,
  server time, trips, calls, failures, consecutive failures, failing instances, live probes,
  probe successes, admitted (0/1), probe token, state-change event JSON ('' when none).
]]
--- @include "includes/breaker-state"

local event = ''
if circuit.state ~= 'closed' then event = transition('closed', 'reset') end
redis.call('DEL', key)
circuit.state, circuit.trips, circuit.consecutive, circuit.probes, circuit.probeOk, circuit.failing =
  'closed', 0, 0, {}, 0, {}
return reply(0, '', event)
