// Small string helpers shared by subsystems (messages, PromQL rendering, string-keyed maps).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mw {

// A transparent hash for unordered containers keyed by std::string, so that they can be probed
// with a std::string_view (or a literal) without building a std::string: pair it with
// std::equal_to<>, e.g. std::unordered_map<std::string, V, StringHash, std::equal_to<>>.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The items joined by `separator` ("a, b, c"); an empty item adds no separator before the next one.
inline std::string JoinStrings(const std::vector<std::string>& items,
                               std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace mw
