-- Creates: unique ids per run (BENCH_TAG) and request, the body a user document.
local path = os.getenv("BENCH_PATH")
local counter = 0
local tag = os.getenv("BENCH_TAG") or tostring(os.time())
request = function()
  counter = counter + 1
  local id = "c" .. tag .. "-" .. counter
  local body = '{"id":"' .. id .. '","tenantId":"acme","email":"' .. id .. '@example.test","displayName":"Bench User"}'
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end
