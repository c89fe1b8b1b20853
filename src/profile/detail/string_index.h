// A name -> index map that looks names up by std::string_view without building a std::string
// (internal to src/profile; used on the per-value hot paths).
#pragma once

#include <functional>
#include <string>
#include <unordered_map>

#include "common/strings.h"

namespace mw::profile::detail {

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, mw::StringHash, std::equal_to<>>;

}  // namespace mw::profile::detail
