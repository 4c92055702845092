--[[
  Test fixture (script.test.ts): fails with a server error reply, which RedisScript passes through.

  KEYS[1] unused (RedisScript routes by the first key)

  ARGV: none

  Returns the error reply 'BOOM nope'.
]]
return redis.error_reply('BOOM nope')
