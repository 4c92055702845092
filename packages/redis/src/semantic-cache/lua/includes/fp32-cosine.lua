-- Full-precision cosine against one query: fp32Cosine(query FP32 blob) returns cosine(blob), which
-- scores a stored FP32 vector (nil when the lengths disagree). One struct.unpack call per vector (a
-- format of `dimensions` floats), not one per component.
local function fp32Cosine(queryBlob)
  local dimensions = #queryBlob / 4
  local format = '<' .. string.rep('f', dimensions)
  local query = {struct.unpack(format, queryBlob)}
  local queryNorm = 0
  for component = 1, dimensions do queryNorm = queryNorm + query[component] * query[component] end
  return function(blob)
    if #blob ~= #queryBlob then return nil end
    local stored = {struct.unpack(format, blob)}
    local dot, storedNorm, value = 0, 0, 0
    for component = 1, dimensions do
      value = stored[component]
      dot = dot + query[component] * value
      storedNorm = storedNorm + value * value
    end
    if queryNorm == 0 or storedNorm == 0 then return 0 end
    return dot / math.sqrt(queryNorm * storedNorm)
  end
end
