// Copyright (c) crdtdb authors.

#include "cluster/partitioning.h"

#include <set>
#include <string>

#include <doctest/doctest.h>

#include "cluster/partition_set.h"

namespace crdtdb::cluster {
namespace {

// The bucket range a Merkle node covers.
std::pair<uint32_t, uint32_t> BucketsUnder(merkle::NodeId node) {
  const uint32_t width = 1u << (4 * (merkle::kDepth - node.level));
  return {node.index * width, (node.index + 1) * width};
}

TEST_CASE("a partition is the set of whole Merkle subtrees its keys hash under") {
  for (uint32_t count = 1; count <= 4096; count *= 2) {
    CAPTURE(count);
    const Partitioning partitioning(count);
    // The subtrees of all partitions tile the bucket space, in partition order.
    uint32_t next_bucket = 0;
    for (PartitionId p = 0; p < count; ++p) {
      const std::vector<merkle::NodeId> subtrees = partitioning.SubtreesOf(p);
      REQUIRE_FALSE(subtrees.empty());
      CHECK(subtrees.size() <= 8);
      for (const merkle::NodeId& node : subtrees) {
        CHECK(node.level == subtrees.front().level);
        CHECK(node.level < merkle::kDepth);  // inner nodes: a TreeRequest can start there
        const auto [first, end] = BucketsUnder(node);
        CHECK(first == next_bucket);
        CHECK(partitioning.PartitionOfBucket(first) == p);
        CHECK(partitioning.PartitionOfBucket(end - 1) == p);
        CHECK(partitioning.BucketsOf(p).first <= first);
        CHECK(partitioning.BucketsOf(p).second >= end - 1);
        next_bucket = end;
      }
    }
    CHECK(next_bucket == merkle::kLeafCount);
    CHECK(partitioning.BucketsOf(0).first == 0);
    CHECK(partitioning.BucketsOf(count - 1).second == merkle::kLeafCount - 1);
    // A key's partition holds its bucket.
    for (int i = 0; i < 200; ++i) {
      const std::string key = "/c/" + std::to_string(i);
      const PartitionId p = partitioning.PartitionOf(key);
      REQUIRE(p < count);
      bool under = false;
      for (const merkle::NodeId& node : partitioning.SubtreesOf(p)) {
        const auto [first, end] = BucketsUnder(node);
        under = under || (merkle::BucketOf(key) >= first && merkle::BucketOf(key) < end);
      }
      CHECK(under);
    }
  }
  CHECK(Partitioning(1).SubtreesOf(0) == std::vector<merkle::NodeId>{merkle::NodeId{0, 0}});
  CHECK(Partitioning(256).SubtreesOf(3) == std::vector<merkle::NodeId>{merkle::NodeId{2, 3}});
}

TEST_CASE("partition sets add, remove, intersect and count") {
  PartitionSet a(100), b(100);
  for (PartitionId p : {0u, 5u, 64u, 99u}) a.Add(p);
  for (PartitionId p : {5u, 63u, 99u}) b.Add(p);
  CHECK(a.size() == 4);
  CHECK(a.Contains(64));
  CHECK_FALSE(a.Contains(63));
  CHECK_FALSE(a.Contains(100));  // outside the universe
  CHECK(a.Intersect(b).ToVector() == std::vector<PartitionId>{5, 99});
  a.Remove(64);
  CHECK_FALSE(a.Contains(64));
  CHECK(PartitionSet::All(100).full());
  CHECK(PartitionSet(100).empty());
}

}  // namespace
}  // namespace crdtdb::cluster
