// Copyright (c) crdtdb authors.
//
// A set of partitions (cluster/partitioning.h), as a bitmap: which partitions a node owns, or
// shares with a peer. A plain value; thread-compatible.

#ifndef CRDTDB_CLUSTER_PARTITION_SET_H_
#define CRDTDB_CLUSTER_PARTITION_SET_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cluster/partitioning.h"

namespace crdtdb::cluster {

class PartitionSet {
 public:
  PartitionSet() = default;
  // An empty set of partitions out of `count`.
  explicit PartitionSet(uint32_t count) : count_(count), words_((count + 63) / 64, 0) {}
  // Every partition out of `count`.
  static PartitionSet All(uint32_t count) {
    PartitionSet set(count);
    for (PartitionId p = 0; p < count; ++p) set.Add(p);
    return set;
  }

  uint32_t universe() const { return count_; }
  bool Contains(PartitionId p) const { return p < count_ && ((words_[p / 64] >> (p % 64)) & 1) != 0; }
  void Add(PartitionId p) { words_[p / 64] |= uint64_t{1} << (p % 64); }
  void Remove(PartitionId p) { words_[p / 64] &= ~(uint64_t{1} << (p % 64)); }
  size_t size() const {
    size_t n = 0;
    for (uint64_t w : words_) n += static_cast<size_t>(std::popcount(w));
    return n;
  }
  bool empty() const { return size() == 0; }
  bool full() const { return size() == count_; }

  // The partitions in both sets (of the same universe).
  PartitionSet Intersect(const PartitionSet& other) const {
    PartitionSet out = *this;
    for (size_t i = 0; i < out.words_.size(); ++i) out.words_[i] &= other.words_[i];
    return out;
  }
  // Ascending.
  std::vector<PartitionId> ToVector() const {
    std::vector<PartitionId> out;
    for (PartitionId p = 0; p < count_; ++p) {
      if (Contains(p)) out.push_back(p);
    }
    return out;
  }

  friend bool operator==(const PartitionSet&, const PartitionSet&) = default;

 private:
  uint32_t count_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace crdtdb::cluster

#endif  // CRDTDB_CLUSTER_PARTITION_SET_H_
