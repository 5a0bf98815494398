// Copyright (c) crdtdb authors.

#include "sync/sync_scope.h"

namespace crdtdb::sync {

bool SyncScope::SharesAllWith(const std::string& peer) const {
  if (!partitioning) return true;
  auto it = shared.find(peer);
  return owned.full() && it != shared.end() && it->second.full();
}

cluster::PartitionSet SyncScope::Moving() const {
  cluster::PartitionSet moving(handing_off.universe());
  size_t n = 0;
  for (cluster::PartitionId p = 0; p < handing_off.universe() && n < concurrent_moves; ++p) {
    if (handing_off.Contains(p)) {
      moving.Add(p);
      ++n;
    }
  }
  return moving;
}

std::vector<merkle::NodeId> SyncScope::SubtreesWith(const std::string& peer) const {
  if (SharesAllWith(peer)) return {merkle::NodeId{0, 0}};
  auto it = shared.find(peer);
  auto to = hand_off_to.find(peer);
  // A peer that is only a hand-off target shares nothing else; one not listed at all (a replica
  // run without a placement) gets everything kept.
  cluster::PartitionSet partitions = it != shared.end()        ? it->second
                                     : to != hand_off_to.end() ? cluster::PartitionSet(owned.universe())
                                                               : owned;
  if (to != hand_off_to.end()) {
    for (cluster::PartitionId p : to->second.Intersect(Moving()).ToVector()) partitions.Add(p);
  }
  std::vector<merkle::NodeId> subtrees;
  for (cluster::PartitionId p : partitions.ToVector()) {
    for (const merkle::NodeId& node : partitioning->SubtreesOf(p)) subtrees.push_back(node);
  }
  return subtrees;
}

void SyncScope::Dropped(cluster::PartitionId partition) {
  handing_off.Remove(partition);
  for (auto& [peer, partitions] : hand_off_to) partitions.Remove(partition);
}

}  // namespace crdtdb::sync
