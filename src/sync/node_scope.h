// Copyright (c) crdtdb authors.
//
// What one node of a region keeps, shares and hands off, and whom it replicates with, as its
// placement (cluster/placement.h) and what it holds decide (docs/sharding.md): it keeps the
// partitions it owns, shares each with the other nodes that own it, in any region, and hands the
// partitions it holds without owning them off to their owners in its own region. Every other node
// of its region is a peer too, sharing no partition maybe: they exchange the catalog, the index
// definitions every node keeps (sync/catalog.h). It holds a
// partition when its Merkle subtrees are not empty, so that what is left to hand off survives a
// restart with no record of its own: a drop empties them.

#ifndef CRDTDB_SYNC_NODE_SCOPE_H_
#define CRDTDB_SYNC_NODE_SCOPE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/partition_set.h"
#include "cluster/placement.h"
#include "sync/local_replica.h"
#include "sync/sync_scope.h"

namespace crdtdb::sync {

struct NodeScope {
  SyncScope scope;
  std::vector<std::string> peers;  // ascending
};

// The scope of node `node` of region `region` by `placement`, holding `held`.
NodeScope ScopeOfNode(const cluster::Placement& placement, const std::string& region,
                      const std::string& node, const cluster::PartitionSet& held);

// Whether every node keeps document `key`, whatever partitions it owns (the database's index
// definitions): such documents neither make a partition held nor leave with it.
using KeptEverywhere = std::function<bool(std::string_view key)>;

// The partitions `replica` holds documents (or tombstones) of, other than those `kept_everywhere`
// names: those whose subtrees hold any other. What is checked is the Merkle tree, and the
// buckets' keys only where a subtree is not empty.
cluster::PartitionSet HeldPartitions(const cluster::Partitioning& partitioning, const LocalReplica& replica,
                                     const KeptEverywhere& kept_everywhere);

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_NODE_SCOPE_H_
