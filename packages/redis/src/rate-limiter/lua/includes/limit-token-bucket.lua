-- Token-bucket (GCRA) rules of limit-template-1+.lua (format in its header): loadRule, charge, flush
-- and verdict of rate-limit-1+.lua for one rule, its constants written in. Field: '<name>:tat'
-- theoretical arrival time.

--[[ @fragment token-bucket read ]] local _ = '__NAME:tat'

--[[ @fragment token-bucket load ]]
local tat__R = min(horizon, max(tonumber(row__K[__FIELD]) or now, now))
local u__R = (tat__R - now) / __INTERVAL
--[[ @end ]]

--[[ @fragment token-bucket admit ]]
local e__R = tat__R + c__R * __INTERVAL
local r__R = max(0, (__BURST_DURATION - (e__R - now)) / __INTERVAL)
if c__R > 0 then
  tat__R = min(horizon, max(now, e__R))
  u__R = (tat__R - now) / __INTERVAL
end
--[[ @end ]]

--[[ @fragment token-bucket keep ]] local _ = tat__R

--[[ @fragment token-bucket pairs ]] local _ = '__NAME:tat', ((tat__R == floor(tat__R) and tat__R < 1e14 and tat__R > -1e14) and stringFormat('%d', tat__R) or stringFormat('%.17g', tat__R))

--[[ @fragment token-bucket stage ]]
set[#set + 1] = '__NAME:tat'; set[#set + 1] = ((tat__R == floor(tat__R) and tat__R < 1e14 and tat__R > -1e14) and stringFormat('%d', tat__R) or stringFormat('%.17g', tat__R))
--[[ @end ]]

--[[ @fragment token-bucket deny ]]
remaining = max(0, (__BURST_DURATION - (tat__R - now)) / __INTERVAL)
resetAt = tat__R
if not allowed then retry = max(0, tat__R + c__R * __INTERVAL - __BURST_DURATION - now) end
if not hasRoom then exhausted = max(0, tat__R - __BURST_DURATION - now) + 1 end
--[[ @end ]]
