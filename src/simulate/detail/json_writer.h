// Appends JSON text for the simulator's bulk payloads (event batches, NDJSON references) without
// building a DOM: they are the bulk of what the simulator writes. Doubles use the shortest form
// that reads back to the same value (std::to_chars), so values round-trip exactly. Strings go
// through common/json.h's AppendJsonString.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/json.h"
#include "simulate/world.h"

namespace mw::simulate::detail {

// Precondition: finite (the ingest API rejects NaN and infinities; the simulator makes none).
inline void AppendJsonNumber(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

inline void AppendJsonNumber(std::string& out, int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

inline void AppendJsonValue(std::string& out, const FeatureValue& value) {
  if (const auto* d = std::get_if<double>(&value)) {
    AppendJsonNumber(out, *d);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    AppendJsonNumber(out, *i);
  } else if (const auto* b = std::get_if<bool>(&value)) {
    out += *b ? "true" : "false";
  } else {
    AppendJsonString(&out, std::get<std::string>(value));
  }
}

// The members "name":value,... of the features (no braces), in `specs` order.
inline void AppendFeatureMembers(std::string& out, const std::vector<FeatureSpec>& specs,
                                 const std::vector<FeatureValue>& values) {
  for (size_t i = 0; i < specs.size() && i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(&out, specs[i].name);
    out += ':';
    AppendJsonValue(out, values[i]);
  }
}

}  // namespace mw::simulate::detail
