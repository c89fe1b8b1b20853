// Ingest request bodies (ingest/decode.h): POST /v1/predictions and POST /v1/actuals.
//
// The first byte picks what the rest is decoded as; its low three bits:
//   bit 0: 0 = JSON (one object, {"events":[...]} / {"actuals":[...]}), 1 = NDJSON
//   bit 1: 0 = DecodePredictions, 1 = DecodeActuals
//   bit 2: 1 = every model is a binary classifier (the prediction/actual range checks)
// so the seed files start with a digit: '0' predictions JSON, '1' predictions NDJSON, '2' actuals
// JSON, '3' actuals NDJSON, '4'-'7' the same for a binary classifier.
//
// Checked besides memory safety: the decoders' contract (decode.h) — failure and errors agree,
// kMalformed / kTooManyEvents carry exactly one error, at most 100 errors, no events from a body
// with an error, and every decoded event's features_json is a JSON object.
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_check.h"
#include "ingest/decode.h"

namespace {

constexpr int64_t kNowMs = 1'750'000'000'000;  // 2025-06-15T15:06:40Z

template <typename Decoded>
void CheckErrors(const Decoded& decoded, size_t decoded_count) {
  FUZZ_CHECK((decoded.failure == mw::ingest::DecodeFailure::kNone) == decoded.errors.empty());
  if (decoded.failure == mw::ingest::DecodeFailure::kMalformed ||
      decoded.failure == mw::ingest::DecodeFailure::kTooManyEvents) {
    FUZZ_CHECK(decoded.errors.size() == 1);
  }
  FUZZ_CHECK(decoded.errors.size() <= 100);
  if (decoded.failure != mw::ingest::DecodeFailure::kNone) FUZZ_CHECK(decoded_count == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view body = mw::fuzz::AsText(data + 1, size - 1);
  const mw::ingest::BodyFormat format =
      (selector & 1) ? mw::ingest::BodyFormat::kNdjson : mw::ingest::BodyFormat::kJson;
  const bool actuals = (selector & 2) != 0;
  const mw::registry::ModelTask task = (selector & 4)
                                           ? mw::registry::ModelTask::kBinaryClassification
                                           : mw::registry::ModelTask::kUnknown;

  mw::ingest::DecodeOptions options;
  options.now_ms = kNowMs;
  options.max_events = 1000;  // small enough for the fuzzer to reach the limit
  options.task_of = [task](std::string_view) { return task; };
  options.generate_id = [n = 0]() mutable { return "gen-" + std::to_string(++n); };

  if (actuals) {
    const mw::ingest::DecodedActuals decoded = mw::ingest::DecodeActuals(body, format, options);
    CheckErrors(decoded, decoded.actuals.size());
    for (const mw::ingest::ActualEvent& a : decoded.actuals) FUZZ_CHECK(!a.id.empty());
  } else {
    const mw::ingest::DecodedPredictions decoded =
        mw::ingest::DecodePredictions(body, format, options);
    CheckErrors(decoded, decoded.events.size());
    for (const mw::ingest::PredictionEvent& e : decoded.events) {
      FUZZ_CHECK(!e.model.empty());
      FUZZ_CHECK(std::isfinite(e.prediction));
      FUZZ_CHECK(!e.id.empty());
      const auto features = nlohmann::json::parse(e.features_json, nullptr, false);
      FUZZ_CHECK(features.is_object());
    }
  }
  return 0;
}
