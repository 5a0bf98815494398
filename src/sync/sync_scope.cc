// Copyright (c) crdtdb authors.

#include "sync/sync_scope.h"

namespace crdtdb::sync {

bool SyncScope::SharesAllWith(const std::string& peer) const {
  if (!partitioning) return true;
  auto it = shared.find(peer);
  return owned.full() && it != shared.end() && it->second.full();
}

cluster::PartitionSet SyncScope::MovingTo(const std::string& peer) const {
  cluster::PartitionSet moving(handing_off.universe());
  auto to = hand_off_to.find(peer);
  if (to == hand_off_to.end()) return moving;
  size_t n = 0;
  for (cluster::PartitionId p : to->second.Intersect(handing_off).ToVector()) {
    if (n++ == concurrent_moves) break;
    moving.Add(p);
  }
  return moving;
}

bool SyncScope::Moving(cluster::PartitionId partition) const {
  for (const auto& [peer, partitions] : hand_off_to) {
    if (partitions.Contains(partition) && MovingTo(peer).Contains(partition)) return true;
  }
  return false;
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
    for (cluster::PartitionId p : MovingTo(peer).ToVector()) partitions.Add(p);
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
