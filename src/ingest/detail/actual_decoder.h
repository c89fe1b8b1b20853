// Decodes and validates one actual (ground truth) object: {"id", "actual", "timestamp"}.
// Not thread-safe; one instance per decode call.
#pragma once

#include <string_view>
#include <vector>

#include "ingest/decode.h"
#include "ingest/detail/error_sink.h"

namespace mw::ingest::detail {

class ActualDecoder {
 public:
  static constexpr std::string_view kArrayKey = "actuals";
  static constexpr std::string_view kNoun = "actuals";

  // `options`, `errors` and `out` must outlive the decoder.
  ActualDecoder(const DecodeOptions& options, ErrorSink* errors, std::vector<ActualEvent>* out)
      : options_(options), errors_(errors), out_(out) {}

  // Same contract as PredictionDecoder::Decode.
  simdjson::error_code Decode(ondemand::object& object, std::string_view pointer);

 private:
  const DecodeOptions& options_;
  ErrorSink* errors_;
  std::vector<ActualEvent>* out_;
};

}  // namespace mw::ingest::detail
