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
  // Every other node of the region, whatever the two share: each gives the others the catalog
  // documents (index definitions) it holds of partitions they do not own (sync/catalog.h).
  for (const std::string& other : placement.NodesOf(region)) {
    if (other == node) continue;
    peers.insert(other);
    out.scope.shared.try_emplace(other, partitioning.count());
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

namespace {

// Whether buckets first..last hold a document `kept_everywhere` does not name. A bucket that
// cannot be read counts as holding one: being held only starts a hand-off, which drops nothing
// until an owner holds the same (sync_hand_off.cc).
bool HoldsOthers(const LocalReplica& replica, std::pair<uint32_t, uint32_t> buckets,
                 const KeptEverywhere& kept_everywhere) {
  for (uint32_t bucket = buckets.first; bucket <= buckets.second; ++bucket) {
    if (replica.merkle_node(merkle::NodeId{merkle::kDepth, bucket}) == merkle::Hash{}) continue;
    Result<std::vector<LeafEntry>> entries = replica.ReadLeaf(bucket);
    if (!entries.ok()) return true;
    for (const LeafEntry& entry : *entries) {
      if (!kept_everywhere(entry.key)) return true;
    }
  }
  return false;
}

}  // namespace

cluster::PartitionSet HeldPartitions(const cluster::Partitioning& partitioning, const LocalReplica& replica,
                                     const KeptEverywhere& kept_everywhere) {
  cluster::PartitionSet held(partitioning.count());
  for (cluster::PartitionId p = 0; p < partitioning.count(); ++p) {
    bool empty = true;
    for (const merkle::NodeId& node : partitioning.SubtreesOf(p)) {
      if (replica.merkle_node(node) != merkle::Hash{}) {
        empty = false;
        break;
      }
    }
    if (!empty && HoldsOthers(replica, partitioning.BucketsOf(p), kept_everywhere)) held.Add(p);
  }
  return held;
}

}  // namespace crdtdb::sync
