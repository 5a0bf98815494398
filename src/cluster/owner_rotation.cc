// Copyright (c) crdtdb authors.

#include "cluster/owner_rotation.h"

#include <algorithm>
#include <utility>

namespace crdtdb::cluster {

OwnerRotation::OwnerRotation(const Placement& placement, std::string region)
    : placement_(placement), region_(std::move(region)) {
  for (PartitionId p = 0; p < placement.partitioning().count(); ++p) next_owner_[p] = 0;
}

std::map<std::string, std::vector<PartitionId>> OwnerRotation::NextAsks() {
  std::map<std::string, std::vector<PartitionId>> asks;
  for (auto it = next_owner_.begin(); it != next_owner_.end();) {
    const std::vector<std::string>& owners = placement_.Owners(region_, it->first);
    while (it->second < owners.size() && failed_.count(owners[it->second]) > 0) ++it->second;
    if (it->second == owners.size()) {
      missing_.insert(std::upper_bound(missing_.begin(), missing_.end(), it->first), it->first);
      it = next_owner_.erase(it);
      continue;
    }
    asks[owners[it->second]].push_back(it->first);
    ++it;
  }
  return asks;
}

void OwnerRotation::Done(const std::vector<PartitionId>& partitions) {
  for (PartitionId p : partitions) next_owner_.erase(p);
}

}  // namespace crdtdb::cluster
