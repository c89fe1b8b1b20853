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
inline DecodeOptions TestOptions() {
  DecodeOptions options;
  options.now_ms = kNowMs;
  options.task_of = [](std::string_view model) {
    if (model == "churn") return ModelTask::kBinaryClassification;
    if (model == "eta") return ModelTask::kRegression;
    return ModelTask::kUnknown;
  };
  options.generate_id = [n = 0]() mutable { return "gen-" + std::to_string(++n); };
  return options;
}

inline DecodedPredictions Predictions(std::string_view body, BodyFormat format = BodyFormat::kJson,
                                      const DecodeOptions& options = TestOptions()) {
  return DecodePredictions(body, format, options);
}

inline DecodedActuals Actuals(std::string_view body, BodyFormat format = BodyFormat::kJson,
                              const DecodeOptions& options = TestOptions()) {
  return DecodeActuals(body, format, options);
}

MATCHER_P2(FieldErr, pointer, detail_substring, "") {
  return arg.pointer == pointer && arg.detail.find(detail_substring) != std::string::npos;
}

}  // namespace mw::testing_ingest

namespace mw {
// Lets gtest print FieldError values in failure messages.
inline void PrintTo(const FieldError& e, std::ostream* os) {
  *os << "{pointer=\"" << e.pointer << "\", detail=\"" << e.detail << "\"}";
}
inline void PrintTo(DecodeFailure f, std::ostream* os) {
  switch (f) {
    case DecodeFailure::kNone:
      *os << "kNone";
      break;
    case DecodeFailure::kMalformed:
      *os << "kMalformed";
      break;
    case DecodeFailure::kInvalid:
      *os << "kInvalid";
      break;
    case DecodeFailure::kTooManyEvents:
      *os << "kTooManyEvents";
      break;
  }
}
}  // namespace mw
