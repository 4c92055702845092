-- Rejects a token older than the highest one the thread saw (KEYS[6] meta 'fence') and, with a
-- live-lease check, any token that is not the live lease's (KEYS[7]). Returns the token to report
-- on rejection, nil to proceed; a newer token becomes the thread's highest.
local function fence(token, requireLiveLease)
  if token == '' then return nil end
  local highest = redis.call('HGET', KEYS[6], 'fence')
  if highest and tonumber(token) < tonumber(highest) then return highest end
  if requireLiveLease == '1' then
    local live = redis.call('HGET', KEYS[7], 'fence')
    if live ~= token then return live or '' end
  end
  if not highest or tonumber(token) > tonumber(highest) then redis.call('HSET', KEYS[6], 'fence', token) end
  return nil
end
