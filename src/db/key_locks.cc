// Copyright (c) crdtdb authors.

#include "db/key_locks.h"

#include <algorithm>
#include <functional>

namespace crdtdb::db {

size_t KeyLocks::StripeOf(std::string_view key) {
  return std::hash<std::string_view>{}(key) % kStripes;
}

KeyLocks::Guard KeyLocks::Lock(std::string_view key) {
  std::mutex* mu = &stripes_[StripeOf(key)];
  mu->lock();
  return Guard(mu);
}

KeyLocks::Guard KeyLocks::Lock(const std::vector<std::string_view>& keys) {
  std::vector<size_t> stripes;
  stripes.reserve(keys.size());
  for (std::string_view key : keys) stripes.push_back(StripeOf(key));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<std::mutex*> held;
  held.reserve(stripes.size());
  for (size_t stripe : stripes) {
    stripes_[stripe].lock();
    held.push_back(&stripes_[stripe]);
  }
  return Guard(std::move(held));
}

}  // namespace crdtdb::db
