// Copyright (c) crdtdb authors.

#include "server/parked_watches.h"

#include <utility>

namespace crdtdb::server {

bool ParkedWatches::Park(Parked parked) {
  if (parked_.size() >= kMaxParked) return false;
  parked_.push_back(std::move(parked));
  return true;
}

std::vector<ParkedWatches::Parked> ParkedWatches::Due(uint64_t now_ms, uint64_t commits) {
  std::vector<Parked> due;
  if (commits != commits_seen_) {
    commits_seen_ = commits;
    due.swap(parked_);
    return due;
  }
  std::vector<Parked> waiting;
  for (Parked& p : parked_) (p.deadline_ms <= now_ms ? due : waiting).push_back(std::move(p));
  parked_.swap(waiting);
  return due;
}

}  // namespace crdtdb::server
