--[[
  Stores an entry: writes it with its TTL, indexes it in its scope (sorted set by expiry), adds its
  vector, removes up to 'janitor batch' expired elements of the scope, lengthens the scope's keys to
  the entry's keysUntil (its expiry plus a slack, recorded in the entry), and counts the store.
  Fails with the error 'TRISTACK_DIMENSIONS <stored> <given>' before any write when the vector set
  holds vectors of other dimensions.

  KEYS[1] entry    HASH of ENTRY_FIELDS
  KEYS[2] index    ZSET entry id -> expires at ms, of the entry's scope
  KEYS[3] scopes   HASH scope digest -> scope JSON
  KEYS[4] vectors  the scope's vector set
  KEYS[5] stats    HASH of counters

  ARGV[1] scope digest
  ARGV[2] entry id
  ARGV[3] response JSON
  ARGV[4] ttl ms
  ARGV[5] tokens
  ARGV[6] cost
  ARGV[7] scope JSON
  ARGV[8] vector mode: 'none' | 'vector-sets' | 'redisearch'
  ARGV[9] FP32 vector ('' = none)
  ARGV[10] quantization (VADD option)
  ARGV[11] janitor batch
  ARGV[12] RediSearch vector field name
  ARGV[13] match text ('' = none: the entry has no vector)
  ARGV[14] keep the FP32 vector in the entry for rescoring: '1' | '0' (quantised vector sets)

  Returns how many expired entries the janitor removed.
]]
--- @include "includes/cache-helpers"

local entry, index, scopes, vectors, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local scope, id, ttl, mode, vector = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[8], ARGV[9]
local now = nowMs()
-- The vector goes first: VADD is the one write valid input can make fail (a vector set built by an
-- embedder of other dimensions), and a failure must leave nothing behind. A dimension mismatch is
-- answered before any write, with an error the driver reports as a configuration problem.
if mode == 'vector-sets' then
  if vector ~= '' then
    -- VADD writes nothing when it fails (a set of other dimensions, a key of another type); VDIM
    -- then tells a dimension mismatch from the rest, which fail as they are.
    local added = redis.pcall('VADD', vectors, 'FP32', vector, id, ARGV[10])
    if type(added) == 'table' and added.err then
      local dimensions = redis.pcall('VDIM', vectors)
      if type(dimensions) == 'number' and dimensions * 4 ~= #vector then
        return redis.error_reply('TRISTACK_DIMENSIONS ' .. dimensions .. ' ' .. (#vector / 4))
      end
      return redis.error_reply(added.err)
    end
  else
    -- Re-stored without a vector (embedder down): no stale vector may point at the new answer.
    redis.call('VREM', vectors, id)
  end
end
-- The scope's keys are set to outlive the entry by a slack (keysHorizon); the entry records that
-- horizon, so its hits lengthen them only once they would outlive it.
local horizon = keysHorizon(now, ttl)
redis.call('DEL', entry)
local fields = {'scope', scope, 'response', ARGV[3], 'created', now, 'ttl', ttl, 'tokens', ARGV[5], 'cost', ARGV[6], 'keysUntil', horizon, 'expires', now + ttl, 'restartedIn', vectors}
if vector ~= '' then
  -- The guard compares the stored match text with the query's; a quantised index's candidates are
  -- rescored on the FP32 copy.
  fields[#fields + 1] = 'match'
  fields[#fields + 1] = ARGV[13]
  if mode == 'redisearch' then
    fields[#fields + 1] = ARGV[12]
    fields[#fields + 1] = vector
  end
  if ARGV[14] == '1' then
    fields[#fields + 1] = 'vector'
    fields[#fields + 1] = vector
  end
end
-- One HSET: RediSearch indexes the hash once, with its vector.
redis.call('HSET', entry, unpack(fields))
-- Absolute: the entry's expiry is exactly its 'expires'.
redis.call('PEXPIREAT', entry, now + ttl)
redis.call('ZADD', index, now + ttl, id)
redis.call('HSET', scopes, scope, ARGV[7])
-- Vector Sets have no per-element TTL: the janitor removes what the index says has expired.
local expired = redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, tonumber(ARGV[11]))
for _, old in ipairs(expired) do
  if mode == 'vector-sets' then redis.call('VREM', vectors, old) end
  redis.call('ZREM', index, old)
end
extendTo(index, horizon)
extendTo(scopes, horizon)
if mode == 'vector-sets' then extendTo(vectors, horizon) end
countMany(stats, now, {'stores'}, {1})
return #expired
