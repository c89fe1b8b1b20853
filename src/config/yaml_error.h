// The text to show for a yaml-cpp exception. yaml-cpp 0.7 refuses a document nested past its
// recursion limit (a guard against stack overflow, around 500 levels of flow collections) with a
// DeepRecursion whose only message is "bad file"; that case is said plainly.
#pragma once

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>

#include <string>

namespace mw::config {

inline std::string YamlErrorText(const YAML::Exception& e) {
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    return "nested too deeply (past yaml-cpp's recursion limit)";
  }
  return e.msg;
}

}  // namespace mw::config
