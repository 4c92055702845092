--[[
  Writes cache entries and records them in their namespace's index. The entry and index keys come
  in ARGV: a batch spans namespaces unknown in advance, and every key shares the cache's hash tag
  (redisKey builds them), so the script still runs in one slot.

  KEYS[1] namespaces  SET of the index keys in use

  ARGV[1…] per entry: entry key, index key, value, ttl ms (0 = none)

  Returns 1.
]]
for i = 1, #ARGV, 4 do
  if ARGV[i + 3] ~= '0' then
    redis.call('SET', ARGV[i], ARGV[i + 2], 'PX', ARGV[i + 3])
  else
    redis.call('SET', ARGV[i], ARGV[i + 2])
  end
  redis.call('SADD', ARGV[i + 1], ARGV[i])
  redis.call('SADD', KEYS[1], ARGV[i + 1])
end
return 1
