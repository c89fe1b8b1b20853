#include "config/detail/validate.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace mw::config::detail {
namespace {

bool HasSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isspace(c) != 0 || std::iscntrl(c) != 0; });
}

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::optional<std::string> ValidateNonEmpty(const std::string& value) {
  if (value.empty()) return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> ValidateHost(const std::string& value) {
  if (value.empty()) return "must not be empty";
  if (HasSpace(value)) return "must not contain whitespace";
  if (value.find_first_of("[]/") != std::string::npos) {
    return "must be a host name or IP address without brackets";
  }
  return std::nullopt;
}

std::optional<std::string> ValidateBackend(const std::string& value) {
  if (value == "sqlite") return std::nullopt;
  if (value == "postgres") return "postgres is not supported yet (use sqlite)";
  return "must be sqlite";
}

bool IsValidLabelName(std::string_view name) {
  return !name.empty() && IsIdentStart(name.front()) &&
         std::all_of(name.begin(), name.end(), IsIdentChar);
}

bool IsReservedLabel(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kReserved = {
      "le",    "quantile", "method", "endpoint", "status", "model_type",
      "model", "version",  "job",    "instance", "metric", "matched"};
  return name.starts_with("__") ||
         std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end();
}

std::optional<std::string> ValidateMetricPrefix(const std::string& value) {
  if (!IsValidLabelName(value)) return "must match [a-zA-Z_][a-zA-Z0-9_]*";
  if (value.back() == '_') return "must not end with '_' (it is added when joining names)";
  if (value == "modelwatch") {
    return "\"modelwatch\" is reserved for modelwatch's own metrics (name the watched service, "
           "e.g. ml)";
  }
  return std::nullopt;
}

std::optional<std::string> ValidateSegmentLabel(const std::string& value) {
  if (!IsValidLabelName(value)) {
    return "must be a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*";
  }
  if (IsReservedLabel(value)) return "\"" + value + "\" is a reserved label name";
  return std::nullopt;
}

std::optional<std::string> ValidateRedisUrl(const std::string& value) {
  if (value.empty()) return std::nullopt;
  for (std::string_view scheme : {"redis://", "rediss://", "unix://"}) {
    if (value.starts_with(scheme) && value.size() > scheme.size() && !HasSpace(value)) {
      return std::nullopt;
    }
  }
  return "must be empty or a redis://, rediss:// or unix:// URL";
}

std::optional<std::string> ValidateOptionalHttpUrl(const std::string& value) {
  if (value.empty()) return std::nullopt;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (value.starts_with(scheme) && value.size() > scheme.size() && !HasSpace(value)) {
      return std::nullopt;
    }
  }
  return "must be empty or an http:// or https:// URL";
}

StringValidator OneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& value) -> std::optional<std::string> {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return std::nullopt;
    std::string reason = "must be one of:";
    for (size_t i = 0; i < allowed.size(); ++i) reason += (i ? ", " : " ") + allowed[i];
    return reason;
  };
}

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view text) {
  const auto bad = [] {
    return InvalidArgument("must be HOST:PORT, [IPv6]:PORT or :PORT with PORT 0..65535");
  };
  std::string host;
  std::string_view port_text;
  if (text.starts_with("[")) {
    auto close = text.find("]:");
    if (close == std::string_view::npos || close == 1) return bad();
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.find(':');
    if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
      return bad();  // no port, or an unbracketed IPv6 address
    }
    host = colon == 0 ? "0.0.0.0" : std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (HasSpace(host)) return bad();
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad();
  }
  return std::pair<std::string, uint16_t>(std::move(host), static_cast<uint16_t>(port));
}

}  // namespace mw::config::detail
