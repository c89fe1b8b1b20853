// Shared fixtures for the ingest decoder tests.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ingest/decode.h"

namespace mw::testing_ingest {

// 2025-06-15T15:06:40Z
inline constexpr int64_t kNowMs = 1'750'000'000'000;

// "churn" is a binary classifier, "eta" a regression model, anything else unknown. Generated ids
// are "gen-1", "gen-2", ... so tests can tell them apart from client ids.
inline ingest::DecodeOptions TestOptions() {
  ingest::DecodeOptions options;
  options.now_ms = kNowMs;
  options.task_of = [](std::string_view model) {
    if (model == "churn") return registry::ModelTask::kBinaryClassification;
    if (model == "eta") return registry::ModelTask::kRegression;
    return registry::ModelTask::kUnknown;
  };
  options.generate_id = [n = 0]() mutable { return "gen-" + std::to_string(++n); };
  return options;
}

inline ingest::DecodedPredictions Predictions(
    std::string_view body, ingest::BodyFormat format = ingest::BodyFormat::kJson,
    const ingest::DecodeOptions& options = TestOptions()) {
  return ingest::DecodePredictions(body, format, options);
}

inline ingest::DecodedActuals Actuals(std::string_view body,
                                      ingest::BodyFormat format = ingest::BodyFormat::kJson,
                                      const ingest::DecodeOptions& options = TestOptions()) {
  return ingest::DecodeActuals(body, format, options);
}

MATCHER_P2(FieldErr, pointer, detail_substring, "") {
  return arg.pointer == pointer && arg.detail.find(detail_substring) != std::string::npos;
}

}  // namespace mw::testing_ingest

namespace mw::ingest {
// Lets gtest print FieldError values in failure messages.
inline void PrintTo(const FieldError& e, std::ostream* os) {
  *os << "{pointer=\"" << e.pointer << "\", detail=\"" << e.detail << "\"}";
}
inline void PrintTo(ingest::DecodeFailure f, std::ostream* os) {
  switch (f) {
    case ingest::DecodeFailure::kNone:
      *os << "kNone";
      break;
    case ingest::DecodeFailure::kMalformed:
      *os << "kMalformed";
      break;
    case ingest::DecodeFailure::kInvalid:
      *os << "kInvalid";
      break;
    case ingest::DecodeFailure::kTooManyEvents:
      *os << "kTooManyEvents";
      break;
  }
}
}  // namespace mw::ingest
