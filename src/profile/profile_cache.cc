#include "profile/profile_cache.h"

#include <utility>

namespace mw::profile {

ProfileCache::ProfileCache(size_t capacity) : capacity_(capacity) {}

Result<std::shared_ptr<const ReferenceProfile>> ProfileCache::Get(const std::string& key,
                                                                  const Loader& loader) {
  uint64_t invalidations_at_start;
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      ++hits_;
      order_.splice(order_.begin(), order_, it->second);
      return it->second->profile;
    }
    ++misses_;
    invalidations_at_start = invalidations_;
  }

  Result<std::shared_ptr<const ReferenceProfile>> loaded = loader();
  if (!loaded.has_value()) return loaded;
  if (*loaded == nullptr) return Internal("profile loader for \"" + key + "\" returned nothing");

  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    // Another thread loaded it meanwhile: keep one copy in circulation.
    order_.splice(order_.begin(), order_, it->second);
    return it->second->profile;
  }
  if (capacity_ == 0 || invalidations_ != invalidations_at_start) return loaded;
  if (order_.size() >= capacity_) {
    index_.erase(order_.back().key);
    order_.pop_back();
    ++evictions_;
  }
  order_.push_front({key, *loaded});
  index_.emplace(key, order_.begin());
  return loaded;
}

bool ProfileCache::Unload(const std::string& key) {
  std::lock_guard lock(mu_);
  ++invalidations_;
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  order_.erase(it->second);
  index_.erase(it);
  return true;
}

void ProfileCache::Clear() {
  std::lock_guard lock(mu_);
  ++invalidations_;
  order_.clear();
  index_.clear();
}

size_t ProfileCache::size() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

int64_t ProfileCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

int64_t ProfileCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

int64_t ProfileCache::evictions() const {
  std::lock_guard lock(mu_);
  return evictions_;
}

std::vector<std::string> ProfileCache::Keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> keys;
  keys.reserve(order_.size());
  for (const Entry& entry : order_) keys.push_back(entry.key);
  return keys;
}

}  // namespace mw::profile
