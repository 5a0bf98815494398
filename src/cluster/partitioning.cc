// Copyright (c) crdtdb authors.

#include "cluster/partitioning.h"

#include <bit>

namespace crdtdb::cluster {

Partitioning::Partitioning(uint32_t count)
    : count_(count), bits_(std::countr_zero(count)) {}

std::vector<merkle::NodeId> Partitioning::SubtreesOf(PartitionId partition) const {
  // The shallowest level with at least one node per partition; 4 bits of the bucket per level.
  const int level = (bits_ + 3) / 4;
  const uint32_t span = 1u << (4 * level - bits_);
  std::vector<merkle::NodeId> nodes;
  nodes.reserve(span);
  for (uint32_t i = 0; i < span; ++i) nodes.push_back(merkle::NodeId{level, partition * span + i});
  return nodes;
}

}  // namespace crdtdb::cluster
