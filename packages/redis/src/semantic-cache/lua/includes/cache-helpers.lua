-- Helpers of every semantic cache script: server time, TTL extension, saturating counters and the
-- bookkeeping of a hit. Every key a script touches shares the {<name>:<tenant>} hash tag; entry and
-- vector-set keys found at run time are built from prefixes passed in ARGV, inside the same tag,
-- so each script stays in one slot on Redis Cluster.
-- An entry is a HASH of ENTRY_FIELDS (scope digest, response, created ms, ttl ms, tokens, cost,
-- keysUntil: a server time in ms until which the scope's keys are known to live, see refreshTtls;
-- expires: the expiry the store or the last restart set, see renews; restartedIn, see
-- refreshTtls).
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
-- Lengthens a key's life to at least the server time at (ms; sets an expiry if the key has none);
-- never shortens it. Absolute, so what a script records as the horizon is exactly what was set.
local function extendTo(key, at)
  -- GT leaves a key without an expiry alone (it counts as infinite): NX then gives it one. One
  -- command when the key is lengthened, two when it is new or already lives longer.
  if redis.call('PEXPIREAT', key, at, 'GT') == 0 then redis.call('PEXPIREAT', key, at, 'NX') end
end
-- The scope's keys (index, vector set, scopes hash) are set to outlive an entry by a slack: one
-- TTL, at most an hour. A hit then lengthens them only when the entry's refreshed expiry passes
-- the horizon it recorded (keysUntil): at most once per slack per entry, not on every hit.
local KEYS_SLACK_MAX = 3600000
local function keysHorizon(now, ttl)
  return now + ttl + math.min(ttl, KEYS_SLACK_MAX)
end
-- Counters live as long as the cache is used, and go a while after a tenant's last call.
local STATS_TTL = 400 * 86400 * 1000
-- Counters saturate at 2^53 - 1 (what a JavaScript number reads exactly) instead of failing: a hit
-- counts after restarting TTLs, and an overflow there would leave a half-counted hit.
local COUNTER_MAX = 9007199254740991
-- Counting: adds amounts[i] to counter names[i] in two commands whatever their number (one HMGET,
-- one HSET), saturating (a counter past the limit is left as it is; none goes below 0).
-- costSavedUsd is a float. The hash's TTL is renewed once a day at most:
-- the day of the last renewal is kept in its 'ttlDay' field.
local function countMany(stats, now, names, amounts)
  local read = {}
  for position, name in ipairs(names) do read[position] = name end
  read[#read + 1] = 'ttlDay'
  local current = redis.call('HMGET', stats, unpack(read))
  local writes = {}
  for position, name in ipairs(names) do
    local old = tonumber(current[position]) or 0
    local sum = old + amounts[position]
    local text
    if name == 'costSavedUsd' then
      if sum < 0 then sum = 0 end
      text = string.format('%.17g', sum)
    else
      if sum > COUNTER_MAX then sum = math.max(old, COUNTER_MAX) end
      if sum < 0 then sum = 0 end
      if sum ~= old or not current[position] then text = string.format('%.0f', sum) end
    end
    if text then
      writes[#writes + 1] = name
      writes[#writes + 1] = text
    end
  end
  local day = tostring(math.floor(now / 86400000))
  local renew = current[#read] ~= day
  if renew then
    writes[#writes + 1] = 'ttlDay'
    writes[#writes + 1] = day
  end
  if #writes > 0 then redis.call('HSET', stats, unpack(writes)) end
  if renew then redis.call('PEXPIRE', stats, STATS_TTL) end
end
-- Whether a hit restarts the entry's TTL: when asked, unless the last restart (or the store) was
-- less than a tenth of the TTL ago, at most a minute. Hits on a hot entry then write only their
-- counters, and an entry hit at t still lives until at least t + ttl - min(ttl / 10, 1 min). An entry
-- without 'expires' (stored before it existed) restarts.
local RESTART_STEP_MAX = 60000
local function renews(refresh, now, fields)
  if refresh ~= '1' then return false end
  local ttl = tonumber(fields[4])
  return now + ttl - (tonumber(fields[8]) or 0) >= math.min(ttl / 10, RESTART_STEP_MAX)
end
-- A hit's TTL restart: the entry and its index score get a full TTL again ('expires' records it,
-- 'restartedIn' the vector set of the instance that restarted it), the hitting embedder's vector set
-- at least as much. The scope's index and scopes hash must outlive the entry: store set them at
-- least to the entry's keysUntil (the horizon, recorded in the entry), so they are touched only
-- when now + ttl passes it — then lengthened to a new horizon with one PEXPIREAT … GT each (never
-- shortened), recorded in the entry. keysUntil is a lower bound of their expiry: nothing shortens
-- them, and none is deleted while the entry lives in it (an entry without it, stored before it
-- existed, reads 0: the first hit lengthens them). On RediSearch the HSET reindexes the entry: once
-- per restart step at most.
local function refreshTtls(entryKey, id, ttl, now, index, vectors, scopes, keysUntil)
  -- Absolute: the entry's expiry is exactly its 'expires' and its index score.
  local expires = string.format('%.0f', now + ttl)
  redis.call('PEXPIREAT', entryKey, expires)
  redis.call('ZADD', index, expires, id)
  -- The vector set is the hitting embedder's (another instance may hit the same entry with another
  -- embedder, whose set the horizon says nothing about): lengthened on every restart.
  if vectors ~= entryKey then redis.call('PEXPIRE', vectors, ttl, 'GT') end
  -- On RediSearch (vectors is the entry) the store's restartedIn stands: no vector set to name.
  local fields = {'expires', expires}
  if vectors ~= entryKey then
    fields[3] = 'restartedIn'
    fields[4] = vectors
  end
  if now + ttl > (tonumber(keysUntil) or 0) then
    local at = keysHorizon(now, ttl)
    redis.call('PEXPIREAT', index, at, 'GT')
    redis.call('PEXPIREAT', scopes, at, 'GT')
    fields[#fields + 1] = 'keysUntil'
    fields[#fields + 1] = at
  end
  redis.call('HSET', entryKey, unpack(fields))
end
-- A hit that restarts nothing (refresh asked, the last restart recent): the entry's expiry stands.
-- A restart another embedder's instance made lengthened only its own vector set: this embedder's is
-- lengthened to the entry's expiry (one command, only when the last restart came from elsewhere).
local function keepTtls(entryKey, fields, vectors)
  if vectors ~= entryKey and fields[9] ~= vectors and fields[8] then
    redis.call('PEXPIREAT', vectors, fields[8], 'GT')
  end
end
-- A hit at server time now: restarts TTLs (entry, scope index, vector set, scopes) when renew, else
-- keeps them (keepTtls) when refresh is '1'; counts what it saved (and the lookup itself when
-- countLookup). fields in ENTRY_FIELDS order. Returns the entry's age.
local function hit(entryKey, fields, id, kind, refresh, renew, now, stats, index, vectors, scopes, countLookup)
  if renew then
    refreshTtls(entryKey, id, tonumber(fields[4]), now, index, vectors, scopes, fields[7])
  elseif refresh == '1' then
    keepTtls(entryKey, fields, vectors)
  end
  local names = {kind, 'tokensSaved', 'costSavedUsd'}
  local amounts = {1, tonumber(fields[5]) or 0, tonumber(fields[6]) or 0}
  if countLookup then
    names[4] = 'lookups'
    amounts[4] = 1
  end
  countMany(stats, now, names, amounts)
  return now - tonumber(fields[3])
end
local ENTRY_FIELDS = {'scope', 'response', 'created', 'ttl', 'tokens', 'cost', 'keysUntil', 'expires', 'restartedIn'}
