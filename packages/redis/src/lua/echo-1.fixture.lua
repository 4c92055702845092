--[[
  Test fixture (script.test.ts): writes a value and reads it back, to exercise RedisScript.

  KEYS[1] any string key

  ARGV[1] the value

  Returns the value read back.
]]
redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])
