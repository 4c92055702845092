-- The user's index is a ZSET: conversation -> ms of its last index refresh. An append refreshes
-- it only when the conversation starts or its previous append lies in an earlier TTL period
-- (floor(ms / ttl)), so a busy conversation writes its index about once per TTL instead of on
-- every append. That is enough to keep two promises:
--  * the index outlives every live conversation in it: a refresh at r sets the index to expire
--    at r + 2 TTL or later, and every append of the same period (ms < r + TTL) gives its list an
--    expiry ms + TTL < r + 2 TTL;
--  * a member not refreshed for two TTLs is dead: a live conversation was appended to (or
--    touched, which refreshes) within one TTL, and its period's first append refreshed it at
--    most one TTL before that. So such members are dropped here without looking at their lists.
-- Activity, expiry and message count are read from the lists themselves when listing.
local function keepIndex(index, conversation, at, ttl)
  redis.call('ZADD', index, at, conversation)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. string.format('%.0f', at - 2 * ttl))
  local left = redis.call('PTTL', index)
  if left < 0 or now + left < at + 2 * ttl then
    redis.call('PEXPIREAT', index, string.format('%.0f', at + 2 * ttl))
  end
end
