-- now: the server's time in ms, and nowText the same as a string for the meta hash's 'beat'.
-- The server's clock, so "silent for longer than the heartbeat timeout" means the same on every worker.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nowText = time[1] .. string.format('%03d', math.floor(tonumber(time[2]) / 1000))
