-- Loads the meta hash (as meta) and refuses unless the stream is open and not abandoned (silent
-- past its timeout): a late write after readers were told "producer gone" must not revive it.
-- Returns {0, 'missing' | state | 'abandoned'} from the script when it refuses.
--- @include "server-now"
local meta = redis.call('HMGET', KEYS[2], 'state', 'beat', 'timeout', 'chunks', 'ttl', 'cancel')
if not meta[1] then return {0, 'missing'} end
if meta[1] ~= 'open' then return {0, meta[1]} end
if now - tonumber(meta[2]) > tonumber(meta[3]) then return {0, 'abandoned'} end
