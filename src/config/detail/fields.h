// The Field table's building blocks: one key, how its value is converted, checked and assigned.
// Shared by config.cc (the table) and the section readers. Internal to src/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

#include "common/duration.h"
#include "config/config.h"
#include "config/detail/validate.h"

namespace mw::config::detail {

// A setter converts one scalar, checks it and assigns it; it returns the reason on failure.
using Setter = std::function<std::optional<std::string>(const YAML::Node&, Config&)>;
// `keyed`: the setter's reason is keyed problems, one a line, each "<suffix>: <reason>" that
// completes the key (a list's "[2].path: must start with /"; detail/proxy.h).
struct Field {
  std::string key;
  Setter set;
  bool keyed = false;
};

// Hand-written rather than YAML::convert<int64_t>: yaml-cpp's stream conversion guesses the base
// from a leading 0 / 0x, so "08080" would be rejected and "010" read as 8.
inline std::optional<int64_t> ParseInt(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  const std::string& s = node.Scalar();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

inline std::string IntReason(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) {
    return "must be an integer >= " + std::to_string(min);
  }
  return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
}

inline std::string FormatNumber(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

template <typename Assign>
Field IntField(std::string key, int64_t min, int64_t max, Assign assign) {
  return {std::move(key),
          [min, max, assign](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            auto v = ParseInt(node);
            if (!v || *v < min || *v > max) return IntReason(min, max);
            assign(c, *v);
            return std::nullopt;
          }};
}

template <typename Ref>
Field BoolField(std::string key, Ref ref) {
  return {std::move(key), [ref](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            bool v = false;
            if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) {
              return "must be a boolean (true or false)";
            }
            ref(c) = v;
            return std::nullopt;
          }};
}

template <typename Assign>
Field DoubleField(std::string key, double min, double max, Assign assign) {
  return {std::move(key),
          [min, max, assign](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            double v = 0;
            const std::string& s = node.IsScalar() ? node.Scalar() : std::string();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (!node.IsScalar() || s.empty() || ec != std::errc() || end != s.data() + s.size() ||
                !(v >= min && v <= max)) {
              return "must be a number between " + FormatNumber(min) + " and " + FormatNumber(max);
            }
            assign(c, v);
            return std::nullopt;
          }};
}

// `validate` returns the reason a value is wrong, or nullopt. A YAML null reads as "".
template <typename Ref>
Field StringField(std::string key, StringValidator validate, Ref ref) {
  return {std::move(key),
          [validate, ref](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            if (!node.IsScalar() && !node.IsNull()) return "must be a string";
            std::string v = node.IsNull() ? "" : node.Scalar();
            if (validate) {
              if (auto reason = validate(v)) return reason;
            }
            ref(c) = std::move(v);
            return std::nullopt;
          }};
}

// One number and a unit ("500ms", "1s", "5m"), stored as milliseconds, within [min_ms, max_ms].
template <typename Assign>
Field DurationField(std::string key, int64_t min_ms, int64_t max_ms, Assign assign) {
  return {
      std::move(key),
      [min_ms, max_ms, assign](const YAML::Node& node, Config& c) -> std::optional<std::string> {
        const std::string text = node.IsScalar() ? node.Scalar() : std::string();
        const std::optional<int64_t> ms = ParseDurationMillis(text);
        if (!ms) {
          return "bad duration \"" + text + "\" (one number and a unit: 500ms, 1s, 5m)";
        }
        if (*ms < min_ms || *ms > max_ms) {
          return "must be between " + FormatDurationMillis(min_ms) + " and " +
                 FormatDurationMillis(max_ms);
        }
        assign(c, *ms);
        return std::nullopt;
      }};
}

}  // namespace mw::config::detail
