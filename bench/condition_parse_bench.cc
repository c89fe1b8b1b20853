// Parsing alert conditions (alerting/rules/condition.h) as they grow: a balanced sum of 2^k
// signals, (((s + s) + (s + s)) + ...), within the nesting limit, from 2^6 to 2^16 signals. Issue
// 17 found a chain of 4,000 "+" taking 45 s (cubic); the parser is linear now, which the reported
// complexity shows (the unit test bounds it by a work counter, without timing).
//   build/condition_parse_bench
#include <benchmark/benchmark.h>

#include <string>

#include "alerting/rules/condition.h"

namespace {

std::string BalancedSum(int k) {
  if (k == 0) return "error_rate[5m]";
  const std::string half = BalancedSum(k - 1);
  return "(" + half + " + " + half + ")";
}

void BM_ParseBalancedSum(benchmark::State& state) {
  const std::string text = BalancedSum(static_cast<int>(state.range(0))) + " > 0";
  for (auto _ : state) {
    auto parsed = mw::alerting::ParseCondition(text);
    if (!parsed.has_value()) state.SkipWithError(parsed.error().message().c_str());
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.SetComplexityN(static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseBalancedSum)->DenseRange(6, 16, 2)->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
