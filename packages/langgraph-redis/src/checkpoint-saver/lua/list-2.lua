--[[
  Lists checkpoint members in a lex range, with their metadata when asked.

  KEYS[1] checkpoints  ZSET of members
  KEYS[2] data         HASH ("<member>\0m" metadata)

  ARGV[1] lex min
  ARGV[2] lex max
  ARGV[3] '1' to return metadata too

  Returns { members, metadata (when asked) }.
]]
--- @include "includes/hmget"

local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2])
local metadata = {}
if ARGV[3] == '1' then
  local fields = {}
  for i, member in ipairs(members) do fields[i] = member .. '\0m' end
  metadata = hmget(KEYS[2], fields)
end
return { members, metadata }
