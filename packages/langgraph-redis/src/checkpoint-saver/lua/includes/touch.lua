-- Refreshes the TTL of the thread's six data keys (KEYS[1…6]) when ttl > 0.
local function touch(ttl)
  if ttl > 0 then for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], ttl) end end
end
