--[[
  Both tiers on Vector Sets in one call: the exact tier and, on a miss, the semantic tier's
  candidates (VSIM, rescored at full precision, expired elements removed on the way). The best
  candidate at or above the hit floor is counted as the hit in the same call, ahead of the client's
  near-miss guard: the guard accepts it almost always, and when it does not, the client's next call
  (confirm-hit) takes the count back. A Q8 score is an int8 approximation, so
  an entry that keeps its FP32 vector ('vector' field) is scored on it; entries without one
  (NOQUANT sets, whose scores are exact) keep VSIM's score. Only candidates that can matter are
  read: those whose VSIM score is within READ_MARGIN of the read floor or of the nearest one.

  KEYS[1] entry    HASH of ENTRY_FIELDS, the exact tier's
  KEYS[2] stats    HASH of counters
  KEYS[3] index    ZSET entry id -> expires at ms, of the scope
  KEYS[4] vectors  the scope's vector set
  KEYS[5] scopes   HASH scope digest -> scope JSON

  ARGV[1] scope digest
  ARGV[2] restart TTLs on a hit: '1' | '0' (see renews)
  ARGV[3] entry id of the exact tier ('' = the caller already missed it and counted the lookup)
  ARGV[4] FP32 query vector (unit length)
  ARGV[5] candidates (VSIM COUNT)
  ARGV[6] entry key prefix
  ARGV[7] EF ('' = the server's default)
  ARGV[8] read floor: a cosine (candidates well below it and below the nearest are not read)
  ARGV[9] hit floor: a reported similarity ('' = count no hit: the client confirms one)

  Returns {1, response, ageMs, tokens, cost} on an exact hit, else
  {0, hit position (0 = none), response, ageMs, tokens, cost, restart due (1 | false), id, cosine,
  match text | false, …} with the live in-scope candidates in VSIM's order (the hit position counts
  among them, from 1). The hit is counted but its TTL not restarted: when the guard accepts it and a
  restart is due (see renews), the client runs restart-ttl; when the guard turns it down,
  confirm-hit takes the count back.
]]
--- @include "includes/cache-helpers"
--- @include "includes/fp32-cosine"

local READ_MARGIN = 0.05
local entry, stats, index, vectors, scopes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local scope, refresh = ARGV[1], ARGV[2]
local exactChecked = ARGV[3] == ''
if not exactChecked then
  local fields = redis.call('HMGET', entry, unpack(ENTRY_FIELDS))
  -- The scope check is defence in depth: the entry id already hashes the scope.
  if fields[1] and fields[1] == scope then
    local now = nowMs()
    local age = hit(entry, fields, ARGV[3], 'exactHits', refresh, renews(refresh, now, fields), now, stats, index, vectors, scopes, true)
    return {1, fields[2], age, fields[5], fields[6]}
  end
end

local search = {'VSIM', vectors, 'FP32', ARGV[4], 'WITHSCORES', 'COUNT', ARGV[5]}
if ARGV[7] ~= '' then
  search[#search + 1] = 'EF'
  search[#search + 1] = ARGV[7]
end
-- A missing vector set answers an empty list.
local found = redis.call(unpack(search))

local cosine = fp32Cosine(ARGV[4])
-- What the client reports for a cosine: clamped to [0, 1], rounded to 6 decimals.
local function reported(value)
  return math.floor(math.min(1, math.max(0, value)) * 1e6 + 0.5) / 1e6
end

local readFloor = tonumber(ARGV[8]) - READ_MARGIN
local nearest = found[2] and (2 * tonumber(found[2]) - 1) - READ_MARGIN or 0
local candidates = {}
local best, bestCosine, bestFields
for at = 1, #found, 2 do
  local id, score = found[at], found[at + 1]
  -- VSIM scores are (1 + cosine) / 2.
  local approximate = 2 * tonumber(score) - 1
  if approximate >= readFloor or approximate >= nearest then
    local fields = redis.call('HMGET', ARGV[6] .. id, 'scope', 'match', 'vector', 'response', 'created', 'ttl', 'tokens', 'cost', 'keysUntil', 'expires', 'restartedIn')
    if not fields[1] then
      redis.call('VREM', vectors, id)
      redis.call('ZREM', index, id)
    elseif fields[1] == scope then
      local exact = fields[3] and cosine(fields[3]) or approximate
      candidates[#candidates + 1] = {id, exact, fields[2] or false}
      if not best or exact > bestCosine then
        best, bestCosine, bestFields = #candidates, exact, fields
      end
    end
  end
end

local reply = {0, 0, false, false, false, false, false}
if best and ARGV[9] ~= '' and reported(bestCosine) >= tonumber(ARGV[9]) then
  -- ENTRY_FIELDS order for hit(): scope, response, created, ttl, tokens, cost, keysUntil, expires,
  -- restartedIn.
  local fields = {bestFields[1], bestFields[4], bestFields[5], bestFields[6], bestFields[7], bestFields[8], bestFields[9], bestFields[10], bestFields[11]}
  local id = candidates[best][1]
  local now = nowMs()
  -- Ahead of the guard nothing restarts: the client restarts a hit it accepts when this is due.
  local due = renews(refresh, now, fields) and 1 or false
  local age = hit(ARGV[6] .. id, fields, id, 'semanticHits', refresh, false, now, stats, index, vectors, scopes, not exactChecked)
  reply = {0, best, fields[2], age, fields[5], fields[6], due}
elseif not exactChecked then
  countMany(stats, nowMs(), {'lookups'}, {1})
end
for _, candidate in ipairs(candidates) do
  reply[#reply + 1] = candidate[1]
  reply[#reply + 1] = string.format('%.17g', candidate[2])
  reply[#reply + 1] = candidate[3]
end
return reply
