// Small string helpers shared by subsystems (messages, PromQL rendering).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mw {

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
