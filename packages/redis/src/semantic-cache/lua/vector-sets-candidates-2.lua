--[[
  Semantic tier on Vector Sets, step 1 (no hit counted: the near-miss guard decides in the client):
  VSIM's nearest elements, or the given ones, rescored at full precision. Expired elements are
  removed on the way (lazy janitor). Q8 scores are int8 approximations that can round a different
  question to 1, so an entry that keeps its FP32 vector ('vector' field) is scored on it; entries
  without one (NOQUANT sets, whose scores are exact) keep VSIM's score.

  KEYS[1] vectors  the scope's vector set
  KEYS[2] index    ZSET entry id -> expires at ms

  ARGV[1] FP32 query vector (unit length)
  ARGV[2] candidates (VSIM COUNT)
  ARGV[3] entry key prefix
  ARGV[4] scope digest
  ARGV[5] EF ('' = the server's default)
  ARGV[6..] element, score, element, score…: rescore these instead of running VSIM (the VSIM ran
            on its own, threaded)

  Returns { id, cosine, match text | false, … } for live elements of the scope, in VSIM's order.
]]
--- @include "includes/fp32-cosine"

local vectors, index = KEYS[1], KEYS[2]
local found
if #ARGV > 5 then
  found = {}
  for position = 6, #ARGV do found[#found + 1] = ARGV[position] end
else
  if redis.call('EXISTS', vectors) == 0 then return {} end
  local query = {'VSIM', vectors, 'FP32', ARGV[1], 'WITHSCORES', 'COUNT', ARGV[2]}
  if ARGV[5] ~= '' then
    table.insert(query, 'EF')
    table.insert(query, ARGV[5])
  end
  found = redis.call(unpack(query))
end

local cosine = fp32Cosine(ARGV[1])

local reply = {}
for at = 1, #found, 2 do
  local id, score = found[at], found[at + 1]
  local fields = redis.call('HMGET', ARGV[3] .. id, 'scope', 'match', 'vector')
  if not fields[1] then
    redis.call('VREM', vectors, id)
    redis.call('ZREM', index, id)
  elseif fields[1] == ARGV[4] then
    -- VSIM scores are (1 + cosine) / 2.
    local exact = fields[3] and cosine(fields[3]) or (2 * tonumber(score) - 1)
    reply[#reply + 1] = id
    reply[#reply + 1] = string.format('%.17g', exact)
    reply[#reply + 1] = fields[2] or false
  end
end
return reply
