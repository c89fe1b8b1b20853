// Reference profiles kept loaded, least recently used evicted first. A profile is loaded from the
// store (and deserialized) only when a check needs it and it is not already here.
//
// Thread-safety: all methods may be called from any thread. The loader runs outside the lock, so
// a slow load blocks nobody else; two threads missing the same key at once may both load it, and
// the first result stored is the one both get back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "profile/profile.h"

namespace mw::profile {

class ProfileCache {
 public:
  using Loader = std::function<Result<std::shared_ptr<const ReferenceProfile>>()>;

  // Keeps at most `capacity` profiles; 0 keeps none (every Get loads).
  explicit ProfileCache(size_t capacity = 10);
  ProfileCache(const ProfileCache&) = delete;
  ProfileCache& operator=(const ProfileCache&) = delete;

  // The profile under `key`: the cached one (a hit, which makes it the most recently used), or
  // else what `loader` returns (a miss), which is then cached, evicting the least recently used
  // profile when full. A loader error is returned as is and nothing is cached; a null profile
  // from the loader is kInternal. A result whose load began before an Unload or Clear that
  // completed while it ran is returned but not cached, so a stale profile cannot outlive the
  // invalidation.
  Result<std::shared_ptr<const ReferenceProfile>> Get(const std::string& key, const Loader& loader);

  // Drops `key`; true when it was loaded. Profiles already handed out stay valid (shared_ptr).
  bool Unload(const std::string& key);
  // Drops everything (the counters are kept).
  void Clear();

  size_t size() const;
  size_t capacity() const { return capacity_; }
  int64_t hits() const;
  int64_t misses() const;
  int64_t evictions() const;              // profiles dropped to make room (not Unload/Clear)
  std::vector<std::string> Keys() const;  // most recently used first

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const ReferenceProfile> profile;
  };
  using Order = std::list<Entry>;  // front = most recently used

  const size_t capacity_;
  mutable std::mutex mu_;
  Order order_;
  std::unordered_map<std::string, Order::iterator> index_;
  uint64_t invalidations_ = 0;  // Unload/Clear calls so far (guards in-flight loads)
  int64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace mw::profile
