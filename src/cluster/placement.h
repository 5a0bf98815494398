// Copyright (c) crdtdb authors.
//
// Placement: which nodes of each region own which partitions (docs/sharding.md, "Placement").
// It follows from the configuration alone (partition count, and per region its node names and
// replication factor), so every node and every client computes the same placement without asking
// anyone, and no placement service sits on the data path.
//
// Within a region, each partition gets replication_factor distinct owners by balanced rendezvous
// hashing: every (partition, node) pair has a pseudo-random weight, hash(node name, partition);
// pairs are taken by descending weight, and a pair is kept while its partition needs owners and
// its node holds fewer than its share, floor(partitions x replication_factor / nodes), or one
// more for the first nodes to reach it while the remainder lasts. So every node owns its share
// to one partition (plain rendezvous hashing spreads 256 partitions over 4 nodes with a standard
// deviation of ~11% of the share), and a node joining or leaving moves few partitions besides
// its own (measured in tests/cluster/placement_test.cc and docs/sharding.md).
// Node order in the file and other regions change nothing.
//
// A plain value; copies are independent; const ones may be shared by threads.

#ifndef CRDTDB_CLUSTER_PLACEMENT_H_
#define CRDTDB_CLUSTER_PLACEMENT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/partition_set.h"
#include "cluster/partitioning.h"
#include "config/cluster_config.h"

namespace crdtdb::cluster {

// The owners of each of `partitions` partitions among `nodes` (names, distinct), as indexes into
// `nodes`, most preferred first (by weight); each partition gets min(replication_factor, nodes)
// distinct owners.
std::vector<std::vector<size_t>> AssignOwners(uint32_t partitions,
                                              const std::vector<std::string>& nodes,
                                              int replication_factor);

class Placement {
 public:
  // `config` must be a loaded configuration (cluster_config.h checks what this relies on).
  static Placement Compute(const ClusterConfig& config);

  const Partitioning& partitioning() const { return partitioning_; }
  // The owners of `partition` in `region`, most preferred first; empty for an unknown region.
  const std::vector<std::string>& Owners(std::string_view region, PartitionId partition) const;
  // The partitions `node` owns; an empty set for an unknown node.
  PartitionSet OwnedBy(std::string_view node) const;
  // Every node of `region` as the configuration lists it (leaving ones too); empty for an unknown
  // region.
  const std::vector<std::string>& NodesOf(std::string_view region) const;
  // Every other node, in any region, that owns a partition `node` owns, with the partitions the
  // two share: the nodes it replicates with.
  std::map<std::string, PartitionSet> PeersOf(std::string_view node) const;
  // A fingerprint of the placement: equal on two nodes exactly when they place alike (barring a
  // 2^-64 collision), so nodes can tell each other which placement they route by.
  uint64_t version() const { return version_; }

 private:
  struct Region {
    std::string name;
    std::vector<std::string> nodes;
    std::vector<std::vector<std::string>> owners;  // per partition
  };

  explicit Placement(uint32_t partitions) : partitioning_(partitions) {}

  Partitioning partitioning_;
  std::vector<Region> regions_;
  std::map<std::string, PartitionSet, std::less<>> owned_;  // node -> partitions
  uint64_t version_ = 0;
};

}  // namespace crdtdb::cluster

#endif  // CRDTDB_CLUSTER_PLACEMENT_H_
