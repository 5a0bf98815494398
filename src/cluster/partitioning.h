// Copyright (c) crdtdb authors.
//
// How the key space splits into partitions (docs/sharding.md). There are 2^bits partitions, the
// same number in every region, fixed when the cluster is created; a key belongs to the partition
// named by the top `bits` bits of its Merkle bucket (merkle::BucketOf). So a partition is a set
// of whole subtrees of the Merkle tree every replica already keeps: anti-entropy of one partition
// is the ordinary protocol started at those subtrees, and the root of a region is the XOR of its
// partitions' roots, whichever nodes hold them.
//
// A plain value; thread-compatible.

#ifndef CRDTDB_CLUSTER_PARTITIONING_H_
#define CRDTDB_CLUSTER_PARTITIONING_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "merkle/merkle_tree.h"

namespace crdtdb::cluster {

using PartitionId = uint32_t;

class Partitioning {
 public:
  // `count` must be a power of two from 1 to 4096 (the config loader checks it).
  explicit Partitioning(uint32_t count);

  uint32_t count() const { return count_; }
  PartitionId PartitionOf(std::string_view key) const { return PartitionOfBucket(merkle::BucketOf(key)); }
  PartitionId PartitionOfBucket(uint32_t bucket) const {
    return bits_ == 0 ? 0 : bucket >> (4 * merkle::kDepth - bits_);
  }
  // The Merkle nodes whose subtrees make up `partition`, all on one level, in index order: one
  // node when the partition count is a power of 16, 2, 4 or 8 neighbours otherwise.
  std::vector<merkle::NodeId> SubtreesOf(PartitionId partition) const;
  // The first and last Merkle bucket of `partition`.
  std::pair<uint32_t, uint32_t> BucketsOf(PartitionId partition) const {
    const int shift = 4 * merkle::kDepth - bits_;
    return {partition << shift, ((partition + 1) << shift) - 1};
  }

 private:
  uint32_t count_;
  int bits_;
};

}  // namespace crdtdb::cluster

#endif  // CRDTDB_CLUSTER_PARTITIONING_H_
