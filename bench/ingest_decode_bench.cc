// Throughput of the ingest decoders: one ~200-byte event (the per-request hot path at 20k+
// requests/s) and batches of 1000 events as {"events":[...]} and as NDJSON.
#include <benchmark/benchmark.h>

#include <string>

#include "ingest/decode.h"

namespace {

std::string Event(int i) {
  std::string event = R"({"id":"req-)";
  event += std::to_string(100000 + i);
  event += R"(","model":"delivery_eta","version":"v12","segment":17,)"
           R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"distance_km":3.42,)"
           R"("hour":18,"rain":false,"zone":"north-3"},"prediction":27.5,"latency_ms":4.2})";
  return event;
}

mw::ingest::DecodeOptions Options() {
  mw::ingest::DecodeOptions options;
  options.now_ms = 1'750'000'000'000;
  options.task_of = [](std::string_view) { return mw::registry::ModelTask::kRegression; };
  return options;
}

void Report(benchmark::State& state, size_t bytes, int events) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(state.iterations() * events);
}

void BM_DecodeSingleEvent(benchmark::State& state) {
  const std::string body = Event(0);
  const mw::ingest::DecodeOptions options = Options();
  for (auto _ : state) {
    auto result = mw::ingest::DecodePredictions(body, mw::ingest::BodyFormat::kJson, options);
    if (result.failure != mw::ingest::DecodeFailure::kNone) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(result);
  }
  Report(state, body.size(), 1);
}
BENCHMARK(BM_DecodeSingleEvent);

void BM_DecodeSingleEventWithoutId(benchmark::State& state) {
  const std::string body =
      R"({"model":"delivery_eta","segment":17,"features":{"distance_km":3.42,"hour":18},)"
      R"("prediction":27.5})";
  const mw::ingest::DecodeOptions options = Options();  // generate_id unset: GenerateUlid
  for (auto _ : state) {
    auto result = mw::ingest::DecodePredictions(body, mw::ingest::BodyFormat::kJson, options);
    if (result.failure != mw::ingest::DecodeFailure::kNone) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(result);
  }
  Report(state, body.size(), 1);
}
BENCHMARK(BM_DecodeSingleEventWithoutId);

void BM_DecodeEventsArray(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::string body = R"({"events":[)";
  for (int i = 0; i < n; ++i) {
    if (i) body += ',';
    body += Event(i);
  }
  body += "]}";
  const mw::ingest::DecodeOptions options = Options();
  for (auto _ : state) {
    auto result = mw::ingest::DecodePredictions(body, mw::ingest::BodyFormat::kJson, options);
    if (result.failure != mw::ingest::DecodeFailure::kNone) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(result);
  }
  Report(state, body.size(), n);
}
BENCHMARK(BM_DecodeEventsArray)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_DecodeNdjson(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::string body;
  for (int i = 0; i < n; ++i) body += Event(i) + "\n";
  const mw::ingest::DecodeOptions options = Options();
  for (auto _ : state) {
    auto result = mw::ingest::DecodePredictions(body, mw::ingest::BodyFormat::kNdjson, options);
    if (result.failure != mw::ingest::DecodeFailure::kNone) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(result);
  }
  Report(state, body.size(), n);
}
BENCHMARK(BM_DecodeNdjson)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_DecodeActualsArray(benchmark::State& state) {
  std::string body = R"({"actuals":[)";
  for (int i = 0; i < 1000; ++i) {
    body += i ? R"(,{"id":"req-)" : R"({"id":"req-)";
    body += std::to_string(100000 + i);
    body += R"(","actual":26.0,"timestamp":1735725600.5})";
  }
  body += "]}";
  const mw::ingest::DecodeOptions options = Options();
  for (auto _ : state) {
    auto result = mw::ingest::DecodeActuals(body, mw::ingest::BodyFormat::kJson, options);
    if (result.failure != mw::ingest::DecodeFailure::kNone) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(result);
  }
  Report(state, body.size(), 1000);
}
BENCHMARK(BM_DecodeActualsArray)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
