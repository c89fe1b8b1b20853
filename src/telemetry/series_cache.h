// SeriesCache: a map from a tuple of label values to the series (a prometheus-cpp Counter*,
// Histogram*, ... or a struct of them) a metrics class built for it, so recording a known series
// builds no label map and allocates nothing.
//
// Contract: Get(labels, make) returns the value cached under `labels`, calling make() (which
// typically calls Family::Add) only the first time the tuple is seen. The key joins the values
// with '\x1f' (a byte no label value we export contains unescaped) in a per-thread buffer.
//
// Thread-safety: Get may be called from any thread concurrently; hits take a shared lock only.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/strings.h"

namespace mw::telemetry {

template <typename Series>
class SeriesCache {
 public:
  template <typename Make>
  Series Get(std::initializer_list<std::string_view> labels, Make make) {
    const std::string_view key = JoinKey(labels);
    {
      std::shared_lock lock(mutex_);
      if (auto it = map_.find(key); it != map_.end()) return it->second;
    }
    std::unique_lock lock(mutex_);
    if (auto it = map_.find(key); it != map_.end()) return it->second;
    Series value = make();
    map_.emplace(std::string(key), value);
    return value;
  }

 private:
  // Valid until the calling thread's next JoinKey.
  static std::string_view JoinKey(std::initializer_list<std::string_view> parts) {
    thread_local std::string key;
    key.clear();
    for (std::string_view p : parts) {
      key.append(p);
      key.push_back('\x1f');
    }
    return key;
  }

  std::shared_mutex mutex_;
  std::unordered_map<std::string, Series, StringHash, std::equal_to<>> map_;
};

}  // namespace mw::telemetry
