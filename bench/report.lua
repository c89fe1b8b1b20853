-- Appended to the wrk scripts by run_bench.sh: prints machine-readable figures at the end.
done = function(summary, latency, requests)
  local non2xx = (summary.errors.status or 0)
  io.write(string.format("WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non2xx))
end
