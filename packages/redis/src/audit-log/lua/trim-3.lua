--[[
  Removes up to 'limit' entries older than 'cutoff' ms, keeping the anchor (sequence and hash of
  the last entry removed) so the remaining chain still verifies.

  KEYS[1] log
  KEYS[2] head
  KEYS[3] registry

  ARGV[1] cutoff ms
  ARGV[2] limit

  Returns the number of entries removed.
]]
--- @include "includes/audit-helpers"

return trimBatch(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]))
