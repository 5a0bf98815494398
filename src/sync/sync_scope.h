// Copyright (c) crdtdb authors.
//
// What part of the key space a replica keeps, and shares with each of its peers (docs/sharding.md).
// The replica of a one-node region keeps every key and shares the whole Merkle tree with every
// peer; a node of a region of several keeps the partitions it owns and shares with each peer the
// partitions both own. The sync engine applies a peer's deltas only for keys it keeps, and runs
// anti-entropy with a peer from the subtrees of the partitions they share, so an in-sync check
// costs messages in proportion to the shared partitions, never to the documents.
//
// A plain value; thread-compatible.

#ifndef CRDTDB_SYNC_SYNC_SCOPE_H_
#define CRDTDB_SYNC_SYNC_SCOPE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/partition_set.h"
#include "cluster/partitioning.h"
#include "merkle/merkle_tree.h"
#include "sync/messages.h"

namespace crdtdb::sync {

struct SyncScope {
  // nullopt: every key, shared with every peer (a one-node region, an embedded store).
  std::optional<cluster::Partitioning> partitioning;
  cluster::PartitionSet owned;                          // the partitions this replica keeps
  bool keeps_all = false;                               // owned.full(), computed once by Set
  // Sets `partitioning` and `owned` together (keeps_all follows from them).
  void Set(const cluster::Partitioning& p, cluster::PartitionSet partitions) {
    partitioning = p;
    owned = std::move(partitions);
    keeps_all = owned.full();
    handing_off = cluster::PartitionSet(p.count());
  }
  std::map<std::string, cluster::PartitionSet> shared;  // per peer: the partitions both keep

  // Moves (docs/sharding.md, "Moves"). Partitions this replica holds but no longer owns: kept, and
  // served, until a new owner in its region holds all of it (sync_engine.h, hand-off); then
  // dropped. `hand_off_to` names, per peer, the partitions handing off that it owns: those are
  // copied to it by anti-entropy and asked about in HandOffRequests, at most `concurrent_moves`
  // partitions at a time per peer (the lowest ids first), so that a target that is down holds up
  // only its own.
  cluster::PartitionSet handing_off;
  std::map<std::string, cluster::PartitionSet> hand_off_to;
  size_t concurrent_moves = 4;
  // What this replica's placement is (cluster::Placement::version): a hand-off completes only
  // with a new owner that runs by the same placement, so two nodes that each think the other owns
  // a partition never both drop it.
  uint64_t placement_version = 0;

  // On every delta received: a replica that keeps everything hashes no key.
  bool Keeps(std::string_view key) const {
    if (!partitioning || keeps_all) return true;
    const cluster::PartitionId p = partitioning->PartitionOf(key);
    return owned.Contains(p) || handing_off.Contains(p);
  }
  // True when this replica and `peer` keep the same whole key space, so that their Merkle roots
  // are comparable.
  bool SharesAllWith(const std::string& peer) const;
  // The partitions being moved to `peer` now: the first `concurrent_moves` of those handing off
  // to it.
  cluster::PartitionSet MovingTo(const std::string& peer) const;
  // Whether `partition` is being moved to some peer now.
  bool Moving(cluster::PartitionId partition) const;
  // Where an anti-entropy round with `peer` starts: the root when SharesAllWith(peer), otherwise
  // the subtrees of the partitions shared (those this replica keeps, for a peer not listed), and
  // of the partitions Moving to it.
  std::vector<merkle::NodeId> SubtreesWith(const std::string& peer) const;
  // Stops keeping `partition` once it is dropped.
  void Dropped(cluster::PartitionId partition);
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_SYNC_SCOPE_H_
