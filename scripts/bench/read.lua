-- Point reads of the documents the script loaded: paths given as "<prefix>{n}<suffix>"
-- in the environment, n in 1..BENCH_N.
local prefix = os.getenv("BENCH_PREFIX")
local suffix = os.getenv("BENCH_SUFFIX") or ""
local n = tonumber(os.getenv("BENCH_N") or "1000")
local i = 0
request = function()
  i = i % n + 1
  return wrk.format("GET", prefix .. i .. suffix)
end
