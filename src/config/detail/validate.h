// Value checks for single config keys. Internal to src/config.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace mw::config::detail {

// Returns the reason a value is wrong, or nullopt when it is fine.
using StringValidator = std::function<std::optional<std::string>(const std::string&)>;

std::optional<std::string> ValidateNonEmpty(const std::string& value);
std::optional<std::string> ValidateHost(const std::string& value);
std::optional<std::string> ValidateBackend(const std::string& value);
// [a-zA-Z_][a-zA-Z0-9_]*, not ending in '_' (the prefix is joined to names with '_').
std::optional<std::string> ValidateMetricPrefix(const std::string& value);
// A Prometheus label name, not reserved (see IsReservedLabel).
std::optional<std::string> ValidateSegmentLabel(const std::string& value);
// "" (not configured) or a redis://, rediss:// or unix:// URL.
std::optional<std::string> ValidateRedisUrl(const std::string& value);
// "" (not configured) or an http:// or https:// URL.
std::optional<std::string> ValidateOptionalHttpUrl(const std::string& value);
StringValidator OneOf(std::vector<std::string> allowed);

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidLabelName(std::string_view name);
// Labels modelwatch's own metrics or Prometheus use: le, quantile, method, endpoint, status,
// model_type, model, version, job, instance, and every name starting with "__".
bool IsReservedLabel(std::string_view name);

// "HOST:PORT", "[IPv6]:PORT" or ":PORT" (host 0.0.0.0). kInvalidArgument with the reason.
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view text);

}  // namespace mw::config::detail
