-- Appended to the wrk scripts by run_bench.sh: prints machine-readable figures at the end.

-- wrk's percentiles include its coordinated-omission correction. Before done() runs, wrk adds to
-- its latency histogram, for every sample of n >= 2e microseconds, one synthetic sample at each of
-- n-e, n-2e, ... that is still above e, where e = duration / (requests / connections) is one
-- connection's mean time per request (stats_correct in wrk's stats.c). So one 40 ms stall at
-- e = 1.8 ms weighs like twenty slow requests. The corrected count at m > e is the sum of the
-- measured counts at m, m+e, m+2e, ..., hence measured(m) = corrected(m) - corrected(m+e), and
-- below e nothing was added. Returns the measured (uncorrected) percentile in microseconds, by
-- wrk's own rank rule, or -1 when WRK_CONNECTIONS is unset or the run was too short.
local function measured_percentile(summary, latency, p)
  local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "")
  if not connections or summary.requests < connections then return -1 end
  local e = math.floor(summary.duration / math.floor(summary.requests / connections))
  local corrected, values = {}, {}
  local i = 1
  while true do
    local value, count = latency(i)  -- the i-th non-empty bucket; value 0 past the last one
    if value == 0 then break end
    corrected[value] = count
    values[#values + 1] = value
    i = i + 1
  end
  local measured, total = {}, 0
  for _, v in ipairs(values) do
    local c = corrected[v]
    if v > e then c = c - (corrected[v + e] or 0) end
    if c < 0 then return -1 end  -- not wrk's correction after all: report nothing
    measured[v] = c
    total = total + c
  end
  local rank = math.floor(p / 100 * total + 0.5 + 0.5)  -- round(p/100 * count + 0.5), as wrk
  local seen = 0
  for _, v in ipairs(values) do
    seen = seen + measured[v]
    if seen >= rank then return v end
  end
  return -1
end

done = function(summary, latency, requests)
  local non2xx = (summary.errors.status or 0)
  io.write(string.format("WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d measured_p99_us=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non2xx, measured_percentile(summary, latency, 99)))
end
