--[[
  Reads the breaker's state; writes nothing.

  KEYS[1] the breaker's HASH (fields in includes/breaker-state.lua)

  ARGV[1…14] name, channel, instance id and the policy, as includes/breaker-state.lua reads them

  Returns the breaker reply of includes/breaker-state.lua: state, retry-after ms, changedAt,
  server time, trips, calls, failures, consecutive failures, failing instances, live probes,
  probe successes, admitted (0/1), probe token, state-change event JSON ('' when none).
]]
--- @include "includes/breaker-state"

return reply()
