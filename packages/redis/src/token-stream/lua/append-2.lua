--[[
  Appends one entry {s: first chunk index, c: chunk…, t: terminal, r/k: failure}, trims, records
  the write as a heartbeat and renews both TTLs.

  KEYS[1] entries  STREAM of appended chunks
  KEYS[2] meta     HASH state, chunks, beat, timeout, ttl, cancel, reason, code

  ARGV[1] maxLength (MAXLEN ~)
  ARGV[2] terminal: '' | 'end' | 'fail'
  ARGV[3] failure reason
  ARGV[4] failure code
  ARGV[5…] chunks

  Returns {1, cancel reason | false} or {0, state}.
]]
--- @include "includes/require-open"

local first = tonumber(meta[4])
local count = #ARGV - 4
local fields = {'s', meta[4]}
for index = 5, #ARGV do
  fields[#fields + 1] = 'c'
  fields[#fields + 1] = ARGV[index]
end
local updates = {'chunks', tostring(first + count), 'beat', nowText}
if ARGV[2] == 'end' then
  fields[#fields + 1] = 't'; fields[#fields + 1] = 'end'
  updates[#updates + 1] = 'state'; updates[#updates + 1] = 'ended'
elseif ARGV[2] == 'fail' then
  for _, value in ipairs({'t', 'fail', 'r', ARGV[3], 'k', ARGV[4]}) do fields[#fields + 1] = value end
  for _, value in ipairs({'state', 'failed', 'reason', ARGV[3], 'code', ARGV[4]}) do updates[#updates + 1] = value end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
redis.call('HSET', KEYS[2], unpack(updates))
redis.call('PEXPIRE', KEYS[1], meta[5])
redis.call('PEXPIRE', KEYS[2], meta[5])
return {1, meta[6] or false}
