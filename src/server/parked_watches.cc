// Copyright (c) crdtdb authors.

#include "server/parked_watches.h"

#include <algorithm>
#include <utility>

#include "db/change_feed.h"

namespace crdtdb::server {

bool ParkedWatches::Park(Parked parked) {
  if (parked_.size() >= kMaxParked) return false;
  Result<std::string> prefix = db::ChangePrefix(parked.command.path);
  parked_.push_back({std::move(parked), prefix.ok() ? std::optional(std::move(prefix).value()) : std::nullopt});
  return true;
}

void ParkedWatches::Changed(std::vector<std::string> keys) {
  if (keys.empty()) return;
  std::sort(keys.begin(), keys.end());
  for (Held& held : parked_) {
    if (held.woken) continue;
    if (!held.prefix) {
      held.woken = true;
      continue;
    }
    // The first key not below the prefix is the only one that may start with it.
    auto it = std::lower_bound(keys.begin(), keys.end(), *held.prefix);
    held.woken = it != keys.end() && it->starts_with(*held.prefix);
  }
}

void ParkedWatches::ChangedAll() {
  for (Held& held : parked_) held.woken = true;
}

std::vector<ParkedWatches::Parked> ParkedWatches::Due(uint64_t now_ms, size_t budget) {
  std::vector<bool> taken(parked_.size(), false);
  std::vector<Parked> due;
  for (const bool woken_pass : {true, false}) {
    for (size_t i = 0; i < parked_.size() && due.size() < budget; ++i) {
      Held& held = parked_[i];
      if (taken[i] || !(woken_pass ? held.woken : held.parked.deadline_ms <= now_ms)) continue;
      taken[i] = true;
      due.push_back(std::move(held.parked));
    }
  }
  std::vector<Held> waiting;
  for (size_t i = 0; i < parked_.size(); ++i) {
    if (!taken[i]) waiting.push_back(std::move(parked_[i]));
  }
  parked_.swap(waiting);
  return due;
}

bool ParkedWatches::pending() const {
  return std::any_of(parked_.begin(), parked_.end(), [](const Held& h) { return h.woken; });
}

}  // namespace crdtdb::server
