-- Fixed-window rules of limit-template-1+.lua (format in its header): loadRule, charge, flush and
-- verdict of rate-limit-1+.lua for one rule, its constants written in. Fields: '<name>:s' window
-- start, '<name>:u' used.

--[[ @fragment fixed-window read ]] local _ = '__NAME:s', '__NAME:u'

--[[ @fragment fixed-window load ]]
local st__R = tonumber(row__K[__FIELD])
--[[ @if anchor=epoch ]]
local ws__R = floor(now / __WINDOW) * __WINDOW
--[[ @end ]]
--[[ @if anchor=first-hit ]]
local ws__R = floor(now)
if st__R and now < st__R + __WINDOW then ws__R = st__R end
--[[ @end ]]
local u__R = (st__R ~= nil and st__R == ws__R) and tonumber(row__K[__FIELD_1]) or 0
--[[ @end ]]

--[[ @fragment fixed-window admit ]]
local r__R = max(0, __CAPACITY - a__R)
local e__R = now
if a__R > 0 then e__R = ws__R + __WINDOW end
if c__R > 0 then u__R = a__R end
--[[ @end ]]

--[[ @fragment fixed-window keep ]] local _ = ws__R + __WINDOW

-- The common path (every rule charged) is taken only inside the stored window: its start is
-- already written, as it would be written again. A new window goes through the stage fragment.
--[[ @fragment fixed-window charged ]] local _ = c__R > 0 and st__R == ws__R

--[[ @fragment fixed-window pairs ]] local _ = '__NAME:u', ((u__R == floor(u__R) and u__R < 1e14 and u__R > -1e14) and stringFormat('%d', u__R) or stringFormat('%.17g', u__R))

--[[ @fragment fixed-window stage ]]
set[#set + 1] = '__NAME:s'; set[#set + 1] = ((ws__R == floor(ws__R) and ws__R < 1e14 and ws__R > -1e14) and stringFormat('%d', ws__R) or stringFormat('%.17g', ws__R))
set[#set + 1] = '__NAME:u'; set[#set + 1] = ((u__R == floor(u__R) and u__R < 1e14 and u__R > -1e14) and stringFormat('%d', u__R) or stringFormat('%.17g', u__R))
--[[ @end ]]

--[[ @fragment fixed-window deny ]]
local windowEnd = ws__R + __WINDOW
if u__R > 0 then resetAt = windowEnd end
if not allowed then retry = windowEnd - now end
if not hasRoom then exhausted = windowEnd - now end
--[[ @end ]]
