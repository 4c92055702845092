-- Sliding-window rules of limit-template-1+.lua (format in its header): loadRule, charge, flush and
-- verdict of rate-limit-1+.lua for one rule, its constants written in. Fields: '<name>:t' total,
-- '<name>:o' / '<name>:n' oldest and newest bucket index, '<name>:<bucket index>' a bucket's usage.

--[[ @fragment sliding-window bucket ]]
local cur__R = floor(now / __SIZE)
local f__R = stringFormat('__NAME:%d', cur__R)
--[[ @end ]]

--[[ @fragment sliding-window read ]] local _ = '__NAME:t', '__NAME:o', '__NAME:n', f__R

--[[ @fragment sliding-window load ]]
local o__R, n__R = tonumber(row__K[__FIELD_1]), tonumber(row__K[__FIELD_2])
local cu__R = tonumber(row__K[__FIELD_3]) or 0
local oc__R = cur__R - __SEGMENTS
--- Fields of buckets that no longer count: deleted at the next write (a bucket rollover only).
local gone__R
local u__R = 0
if n__R == nil or n__R < oc__R then
  if n__R ~= nil then
    gone__R = {}
    for bucket = o__R, n__R do gone__R[#gone__R + 1] = '__NAME:' .. bucket end
  end
  o__R, n__R = nil, nil
else
  u__R = tonumber(row__K[__FIELD]) or 0
  if o__R < oc__R then
    gone__R = {}
    for bucket = o__R, oc__R - 1 do gone__R[#gone__R + 1] = '__NAME:' .. bucket end
    local values = redis.call('HMGET', KEYS[__K], unpack(gone__R))
    for index = 1, #values do u__R = u__R - (tonumber(values[index]) or 0) end
  end
  if u__R < __SLACK then u__R = 0 end
end
--[[ @end ]]

--[[ @fragment sliding-window admit ]]
local r__R = max(0, __CAPACITY - a__R)
local nr__R = n__R
if c__R > 0 then nr__R = cur__R end
local e__R = now
if nr__R ~= nil and a__R > 0 then e__R = (nr__R + __NEXT) * __SIZE end
--- The bounds before the charge: written only when they move.
local ob__R, nb__R = o__R, n__R
if c__R > 0 then
  if o__R == nil then o__R = cur__R else o__R = max(o__R, oc__R) end
  u__R = a__R
  n__R = cur__R
end
--[[ @end ]]

--[[ @fragment sliding-window keep ]] local _ = (n__R + __NEXT) * __SIZE

--[[ @fragment sliding-window charged ]] local _ = c__R > 0 and gone__R == nil and o__R == ob__R and n__R == nb__R

--[[ @fragment sliding-window pairs ]] local _ = f__R, (((cu__R + c__R) == floor((cu__R + c__R)) and (cu__R + c__R) < 1e14 and (cu__R + c__R) > -1e14) and stringFormat('%d', (cu__R + c__R)) or stringFormat('%.17g', (cu__R + c__R))), '__NAME:t', ((u__R == floor(u__R) and u__R < 1e14 and u__R > -1e14) and stringFormat('%d', u__R) or stringFormat('%.17g', u__R))

--[[ @fragment sliding-window stage ]]
if gone__R then for _, field in ipairs(gone__R) do remove[#remove + 1] = field end end
set[#set + 1] = f__R; set[#set + 1] = (((cu__R + c__R) == floor((cu__R + c__R)) and (cu__R + c__R) < 1e14 and (cu__R + c__R) > -1e14) and stringFormat('%d', (cu__R + c__R)) or stringFormat('%.17g', (cu__R + c__R)))
set[#set + 1] = '__NAME:t'; set[#set + 1] = ((u__R == floor(u__R) and u__R < 1e14 and u__R > -1e14) and stringFormat('%d', u__R) or stringFormat('%.17g', u__R))
if o__R ~= ob__R then set[#set + 1] = '__NAME:o'; set[#set + 1] = o__R end
if n__R ~= nb__R then set[#set + 1] = '__NAME:n'; set[#set + 1] = n__R end
--[[ @end ]]

--[[ @fragment sliding-window deny ]]
if n__R ~= nil and u__R > 0 then resetAt = (n__R + __NEXT) * __SIZE end
--- slidingRetry of the general script, for the cost and for zero, from one HMGET.
local wantRetry, wantExhausted = (not allowed and not never), not hasRoom
if n__R ~= nil and (wantRetry or wantExhausted) then
  local from = max(o__R, oc__R)
  local names = {}
  for bucket = from, n__R do names[#names + 1] = '__NAME:' .. bucket end
  local values = redis.call('HMGET', KEYS[__K], unpack(names))
  local left, retryFound, exhaustedFound = u__R, not wantRetry, not wantExhausted
  for bucket = from, n__R do
    left = left - (tonumber(values[bucket - from + 1]) or 0)
    local room = max(0, left)
    if not retryFound and room + c__R <= __UPPER and (c__R > 0 or room < __LOWER) then
      retry, retryFound = (bucket + __NEXT) * __SIZE - now, true
    end
    if not exhaustedFound and room <= __UPPER and room < __LOWER then
      exhausted, exhaustedFound = (bucket + __NEXT) * __SIZE - now, true
    end
    if retryFound and exhaustedFound then break end
  end
end
--[[ @end ]]
