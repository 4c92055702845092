--[[
  One page of the chain together with the head, read atomically: the page that reaches the end
  of the stream shows exactly the entries the head covers, so an entry appended without moving
  the head (not through the record script) is caught.

  KEYS[1] log
  KEYS[2] head

  ARGV[1] low id
  ARGV[2] high id
  ARGV[3] count

  Returns { the head fields seq, hash, ms, n, anchor_seq, anchor_hash, anchor_id ('' when unset)
  — HEAD_FIELDS in audit-log-scripts.ts, in this order —, entries… }.
]]
local result = redis.call('HMGET', KEYS[2], 'seq', 'hash', 'ms', 'n', 'anchor_seq', 'anchor_hash', 'anchor_id')
for i = 1, #result do
  if not result[i] then result[i] = '' end
end
local page = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
for i = 1, #page do table.insert(result, page[i]) end
return result
