// Copyright (c) crdtdb authors.

#include "sync/node_scope.h"

#include <set>

namespace crdtdb::sync {

NodeScope ScopeOfNode(const cluster::Placement& placement, const std::string& region,
                      const std::string& node, const cluster::PartitionSet& held) {
  const cluster::Partitioning& partitioning = placement.partitioning();
  NodeScope out;
  out.scope.Set(partitioning, placement.OwnedBy(node));
  out.scope.placement_version = placement.version();
  std::set<std::string> peers;
  for (auto& [peer, shared] : placement.PeersOf(node)) {
    peers.insert(peer);
    out.scope.shared.emplace(peer, std::move(shared));
  }
  for (cluster::PartitionId p = 0; p < partitioning.count(); ++p) {
    if (!held.Contains(p) || out.scope.owned.Contains(p)) continue;
    out.scope.handing_off.Add(p);
    for (const std::string& owner : placement.Owners(region, p)) {
      auto [it, inserted] = out.scope.hand_off_to.try_emplace(owner, partitioning.count());
      it->second.Add(p);
      peers.insert(owner);
    }
  }
  out.peers.assign(peers.begin(), peers.end());
  return out;
}

cluster::PartitionSet HeldPartitions(const cluster::Partitioning& partitioning, const LocalReplica& replica) {
  cluster::PartitionSet held(partitioning.count());
  for (cluster::PartitionId p = 0; p < partitioning.count(); ++p) {
    for (const merkle::NodeId& node : partitioning.SubtreesOf(p)) {
      if (replica.merkle_node(node) != merkle::Hash{}) {
        held.Add(p);
        break;
      }
    }
  }
  return held;
}

}  // namespace crdtdb::sync
