// Decodes and validates one prediction event object (see ingest/decode.h for the rules).
// Not thread-safe; one instance per decode call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/decode.h"
#include "ingest/detail/error_sink.h"

namespace mw::ingest::detail {

class PredictionDecoder {
 public:
  static constexpr std::string_view kArrayKey = "events";
  static constexpr std::string_view kNoun = "events";

  // `options`, `errors` and `out` must outlive the decoder.
  PredictionDecoder(const DecodeOptions& options, ErrorSink* errors,
                    std::vector<PredictionEvent>* out)
      : options_(options), errors_(errors), out_(out) {}

  // Decodes the object at `pointer` ("" or "/events/3" or "/3"). Appends the event to `out`
  // unless the body has errors so far. Returns a simdjson error only for malformed JSON.
  simdjson::error_code Decode(ondemand::object& object, std::string_view pointer);

 private:
  struct Feature {
    std::string_view key;  // unescaped; points into the parser's string buffer
    JsonScalar value;
  };
  struct Presence;  // which fields were sent; defined in the .cc

  simdjson::error_code DecodeField(int field, ondemand::value& v, std::string_view pointer,
                                   PredictionEvent* event, Presence* presence);
  simdjson::error_code DecodeSegment(ondemand::value& v, std::string_view pointer,
                                     PredictionEvent* event);
  simdjson::error_code DecodeFeatures(ondemand::value& v, std::string_view pointer,
                                      PredictionEvent* event);
  simdjson::error_code AppendFeature(std::string_view key, ondemand::value& v,
                                     std::string_view pointer, std::string* json);
  void CheckDuplicateFeatures(std::string_view pointer);
  void CheckClassifierRange(std::string_view pointer, const PredictionEvent& event,
                            const Presence& presence);
  uint64_t Hash(const PredictionEvent& event, const Presence& presence) const;
  registry::ModelTask TaskOf(std::string_view model);

  const DecodeOptions& options_;
  ErrorSink* errors_;
  std::vector<PredictionEvent>* out_;
  std::vector<Feature> features_;  // scratch for the current event, sorted by key once read
  // Batches are usually all one model: remember the last answer of options_.task_of.
  std::string cached_model_;
  registry::ModelTask cached_task_ = registry::ModelTask::kUnknown;
  bool has_cached_task_ = false;
};

}  // namespace mw::ingest::detail
