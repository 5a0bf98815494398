// Copyright (c) crdtdb authors.

#include "sync/sync_scope.h"

namespace crdtdb::sync {

bool SyncScope::SharesAllWith(const std::string& peer) const {
  if (!partitioning) return true;
  auto it = shared.find(peer);
  return owned.full() && it != shared.end() && it->second.full();
}

std::vector<merkle::NodeId> SyncScope::SubtreesWith(const std::string& peer) const {
  if (SharesAllWith(peer)) return {merkle::NodeId{0, 0}};
  auto it = shared.find(peer);
  const cluster::PartitionSet& partitions = it != shared.end() ? it->second : owned;
  std::vector<merkle::NodeId> subtrees;
  for (cluster::PartitionId p : partitions.ToVector()) {
    for (const merkle::NodeId& node : partitioning->SubtreesOf(p)) subtrees.push_back(node);
  }
  return subtrees;
}

}  // namespace crdtdb::sync
