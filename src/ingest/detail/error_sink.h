// What the ingest decoders share besides the JSON token helpers of common/json.h (internal to
// src/ingest): the On Demand namespace alias and the bounded list of one body's field errors.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/field_error.h"
#include "common/json.h"
#include "ingest/decode.h"

namespace mw::ingest::detail {

namespace ondemand = simdjson::ondemand;

// The errors of one body: at most kMaxReportedErrors are kept (later ones are counted only).
class ErrorSink {
 public:
  static constexpr size_t kMaxReportedErrors = kMaxReportedFieldErrors;

  void Add(std::string pointer, std::string_view detail) {
    ++count_;
    if (errors_.size() < kMaxReportedErrors)
      errors_.push_back({std::move(pointer), std::string(detail)});
  }
  // Adds an error at `base` + "/" + escaped `key`.
  void AddAt(std::string_view base, std::string_view key, std::string_view detail) {
    std::string pointer(base);
    AppendJsonPointerToken(&pointer, key);
    Add(std::move(pointer), detail);
  }
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  std::vector<FieldError> Take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
  size_t count_ = 0;
};

}  // namespace mw::ingest::detail
