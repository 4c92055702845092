import { RedisScript } from '../script.js';

/**
 * Lua of the semantic cache. Every key a script touches shares the `{<name>:<tenant>}` hash tag;
 * entry and vector-set keys found at run time are built from prefixes passed in ARGV, inside the
 * same tag, so each script stays in one slot on Redis Cluster.
 */

const HELPERS = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
-- Lengthens a key's TTL to at least ttl ms (sets one if the key has none); never shortens it.
local function extend(key, ttl)
  local current = redis.call('PTTL', key)
  if current == -1 or (current >= 0 and current < ttl) then redis.call('PEXPIRE', key, ttl) end
end
-- Counters live as long as the cache is used, and go a while after a tenant's last call.
local STATS_TTL = 400 * 86400 * 1000
local function count(stats, field, amount)
  redis.call('HINCRBY', stats, field, amount)
  redis.call('PEXPIRE', stats, STATS_TTL)
end
-- A hit: refresh TTLs (entry, scope index, vector set, scopes) when asked, count what it saved.
local function hit(entry_key, fields, id, kind, refresh, stats, index, vectors, scopes)
  local now = now_ms()
  if refresh == '1' then
    local ttl = tonumber(fields[4])
    redis.call('PEXPIRE', entry_key, ttl)
    redis.call('ZADD', index, now + ttl, id)
    extend(index, ttl)
    extend(vectors, ttl)
    extend(scopes, ttl)
  end
  count(stats, kind, 1)
  count(stats, 'tokensSaved', tonumber(fields[5]))
  redis.call('HINCRBYFLOAT', stats, 'costSavedUsd', fields[6])
  return now - tonumber(fields[3])
end
local ENTRY_FIELDS = {'scope', 'response', 'created', 'ttl', 'tokens', 'cost'}
`;

/**
 * Exact tier. KEYS: entry, stats, index, vectors, scopes. ARGV: scope digest, refresh ('1'|'0'), entry id.
 * Returns false on a miss, else { response, ageMs, tokens, cost }.
 */
export const exactLookupScript = new RedisScript(
  'semantic-cache-exact',
  `${HELPERS}
count(KEYS[2], 'lookups', 1)
local fields = redis.call('HMGET', KEYS[1], unpack(ENTRY_FIELDS))
-- The scope check is defence in depth: the entry id already hashes the scope.
if not fields[1] or fields[1] ~= ARGV[1] then return false end
local age = hit(KEYS[1], fields, ARGV[3], 'exactHits', ARGV[2], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return {fields[2], age, fields[5], fields[6]}
`,
);

/**
 * Store. KEYS: entry, index, scopes, vectors, stats.
 * ARGV: scope digest, entry id, response JSON, ttl ms, tokens, cost, scope JSON, vector mode
 * ('none' | 'vector-sets' | 'redisearch'), FP32 vector ('' for none), quantization, janitor batch,
 * RediSearch vector field name.
 * Writes the entry with its TTL, indexes it in its scope (sorted set by expiry), adds the vector,
 * removes up to `janitor batch` expired elements of the scope, and counts the store.
 */
export const storeScript = new RedisScript(
  'semantic-cache-store',
  `${HELPERS}
local entry, index, scopes, vectors, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local scope, id, ttl, mode, vector = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[8], ARGV[9]
local now = now_ms()
redis.call('DEL', entry)
redis.call('HSET', entry, 'scope', scope, 'response', ARGV[3], 'created', now, 'ttl', ttl, 'tokens', ARGV[5], 'cost', ARGV[6])
if vector ~= '' and mode == 'redisearch' then redis.call('HSET', entry, ARGV[12], vector) end
redis.call('PEXPIRE', entry, ttl)
redis.call('ZADD', index, now + ttl, id)
redis.call('HSET', scopes, scope, ARGV[7])
if mode == 'vector-sets' then
  if vector ~= '' then
    redis.call('VADD', vectors, 'FP32', vector, id, ARGV[10])
  elseif redis.call('EXISTS', vectors) == 1 then
    -- Re-stored without a vector (embedder down): no stale vector may point at the new answer.
    redis.call('VREM', vectors, id)
  end
end
-- Vector Sets have no per-element TTL: the janitor removes what the index says has expired.
local expired = redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, tonumber(ARGV[11]))
for _, old in ipairs(expired) do
  if mode == 'vector-sets' then redis.call('VREM', vectors, old) end
  redis.call('ZREM', index, old)
end
extend(index, ttl)
extend(scopes, ttl)
if mode == 'vector-sets' then extend(vectors, ttl) end
count(stats, 'stores', 1)
return #expired
`,
);

/**
 * Semantic tier on Vector Sets. KEYS: vectors, index, stats, scopes.
 * ARGV: FP32 query, candidates, minimum cosine, entry key prefix, scope digest, refresh, EF ('' = default).
 * VSIM returns the nearest candidates best first; expired ones are removed on the way (lazy janitor).
 * Returns { 0, nearest score | '' } on a miss, { 1, score, id, response, ageMs, tokens, cost } on a hit.
 */
export const vectorSetsLookupScript = new RedisScript(
  'semantic-cache-vector-sets-lookup',
  `${HELPERS}
local vectors, index, stats, scopes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('EXISTS', vectors) == 0 then return {0, ''} end
local query = {'VSIM', vectors, 'FP32', ARGV[1], 'WITHSCORES', 'COUNT', ARGV[2]}
if ARGV[7] ~= '' then
  table.insert(query, 'EF')
  table.insert(query, ARGV[7])
end
local found = redis.call(unpack(query))
local minimum = tonumber(ARGV[3])
local nearest = ''
for position = 1, #found, 2 do
  local id, score = found[position], found[position + 1]
  local entry_key = ARGV[4] .. id
  local fields = redis.call('HMGET', entry_key, unpack(ENTRY_FIELDS))
  if not fields[1] then
    redis.call('VREM', vectors, id)
    redis.call('ZREM', index, id)
  elseif fields[1] == ARGV[5] then
    if nearest == '' then nearest = score end
    -- VSIM scores are (1 + cosine) / 2, best first: the first live candidate decides.
    if 2 * tonumber(score) - 1 < minimum then return {0, nearest} end
    local age = hit(entry_key, fields, id, 'semanticHits', ARGV[6], stats, index, vectors, scopes)
    return {1, score, id, fields[2], age, fields[5], fields[6]}
  end
end
return {0, nearest}
`,
);

/**
 * Second step of a semantic hit found outside a script (RediSearch's FT.SEARCH, or VSIM run as its
 * own command so Redis threads it): re-checks the entry, refreshes it and counts the hit.
 * KEYS: entry, stats, index, scopes, vectors (the entry again for RediSearch).
 * ARGV: scope digest, refresh, entry id. Returns false if the entry went meanwhile, else { response, ageMs, tokens, cost }.
 */
export const confirmHitScript = new RedisScript(
  'semantic-cache-confirm-hit',
  `${HELPERS}
local fields = redis.call('HMGET', KEYS[1], unpack(ENTRY_FIELDS))
if not fields[1] or fields[1] ~= ARGV[1] then return false end
local age = hit(KEYS[1], fields, ARGV[3], 'semanticHits', ARGV[2], KEYS[2], KEYS[3], KEYS[5], KEYS[4])
return {fields[2], age, fields[5], fields[6]}
`,
);

/**
 * Invalidate within one tenant. KEYS: scopes.
 * ARGV: entry prefix, index prefix, vectors prefix, vectors suffix (':' .. embedder key), vector mode,
 * model ('' = any), tags JSON ('' = any), entry ids JSON ('' = all).
 * Returns how many live entries were removed.
 */
export const invalidateScript = new RedisScript(
  'semantic-cache-invalidate',
  `
local scopes = KEYS[1]
local entry_prefix, index_prefix, vectors_prefix, vectors_suffix, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local model = ARGV[6]
local tags = ARGV[7] ~= '' and cjson.decode(ARGV[7]) or nil
local function matches(digest)
  local raw = redis.call('HGET', scopes, digest)
  if not raw then return false end
  local info = cjson.decode(raw)
  if model ~= '' and info.model ~= model then return false end
  if tags then
    for key, value in pairs(tags) do
      if type(info.tags) ~= 'table' or info.tags[key] ~= value then return false end
    end
  end
  return true
end
local function remove(digest, id)
  redis.call('ZREM', index_prefix .. digest, id)
  if mode == 'vector-sets' then redis.call('VREM', vectors_prefix .. digest .. vectors_suffix, id) end
  return redis.call('DEL', entry_prefix .. id)
end
local removed = 0
if ARGV[8] ~= '' then
  for _, id in ipairs(cjson.decode(ARGV[8])) do
    local digest = redis.call('HGET', entry_prefix .. id, 'scope')
    if digest and matches(digest) then removed = removed + remove(digest, id) end
  end
  return removed
end
local all = redis.call('HKEYS', scopes)
for _, digest in ipairs(all) do
  if matches(digest) then
    local index = index_prefix .. digest
    local ids = redis.call('ZRANGE', index, 0, -1)
    for _, id in ipairs(ids) do removed = removed + redis.call('DEL', entry_prefix .. id) end
    redis.call('UNLINK', index)
    if mode == 'vector-sets' then redis.call('UNLINK', vectors_prefix .. digest .. vectors_suffix) end
    redis.call('HDEL', scopes, digest)
  end
end
return removed
`,
);
