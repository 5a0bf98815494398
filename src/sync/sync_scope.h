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
  }
  std::map<std::string, cluster::PartitionSet> shared;  // per peer: the partitions both keep

  // On every delta received: a replica that keeps everything hashes no key.
  bool Keeps(std::string_view key) const {
    return !partitioning || keeps_all || owned.Contains(partitioning->PartitionOf(key));
  }
  // True when this replica and `peer` keep the same whole key space, so that their Merkle roots
  // are comparable.
  bool SharesAllWith(const std::string& peer) const;
  // Where an anti-entropy round with `peer` starts: the root when SharesAllWith(peer), otherwise
  // the subtrees of the partitions shared (those this replica keeps, for a peer not listed).
  std::vector<merkle::NodeId> SubtreesWith(const std::string& peer) const;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_SYNC_SCOPE_H_
