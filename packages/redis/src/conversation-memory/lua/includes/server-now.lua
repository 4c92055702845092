-- now: the server's time in whole ms (TIME), so every client sees one clock.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
