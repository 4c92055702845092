--[[
  Tampering as an attacker with write access would do it. A stream entry cannot be changed in
  place, so the stream is rebuilt (DEL + XADD of every entry) with one entry's data edited (its
  hash kept), one entry edited and re-hashed with SHA-1 like the writer does, and one forged entry
  inserted with a valid-looking link (it copies the predecessor's link and sequence and hashes
  itself). The deletion is a plain XDEL.

  KEYS[1] the tenant's log stream

  ARGV[1] id of the entry whose data is edited (hash kept)
  ARGV[2] id of the entry edited and re-hashed
  ARGV[3] id of the entry after which a forged entry is inserted
  ARGV[4] the forged entry's id

  Returns the number of entries the log had.
]]
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
redis.call('DEL', KEYS[1])
local function field(fields, name)
  for i = 1, #fields, 2 do if fields[i] == name then return i end end
end
for _, entry in ipairs(entries) do
  local fields = entry[2]
  if entry[1] == ARGV[1] then
    fields[field(fields, 'data') + 1] = '{"tool":"Search.Web","outcome":"success","edited":true}'
  end
  if entry[1] == ARGV[2] then
    fields[field(fields, 'data') + 1] = '{"tool":"Search.Web","outcome":"success","rehashed":true}'
    local parts = {}
    for _, name in ipairs({ 'prev', 'seq' }) do table.insert(parts, fields[field(fields, name) + 1]) end
    table.insert(parts, entry[1])
    for _, name in ipairs({ 'layer', 'type', 'user', 'conversation' }) do
      local at = field(fields, name)
      table.insert(parts, at and fields[at + 1] or '')
    end
    table.insert(parts, '')
    table.insert(parts, fields[field(fields, 'data') + 1])
    fields[field(fields, 'hash') + 1] = redis.sha1hex(table.concat(parts, '\n'))
  end
  redis.call('XADD', KEYS[1], entry[1], unpack(fields))
  if entry[1] == ARGV[3] then
    local forged = {}
    for i = 1, #fields do forged[i] = fields[i] end
    forged[field(forged, 'data') + 1] = '{"tool":"Search.Web","outcome":"success","forged":true}'
    redis.call('XADD', KEYS[1], ARGV[4], unpack(forged))
  end
end
return #entries
