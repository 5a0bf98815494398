// Copyright (c) crdtdb authors.
//
// DotContext is the causal context of a document: the set of every dot the state has seen, whether
// the value it named is still present or was since removed. Removals need no tombstones because a
// dot that is in the context but not in the store was observed and deleted.
//
// Representation: per replica, a sorted list of disjoint, non-adjacent inclusive ranges of
// counters. A context that saw every event of a replica holds one range [1, n] for it: the compact
// version vector of the paper. Dots received out of order form further ranges: the dot cloud.
// Adding the missing dots merges ranges, so compaction is automatic and the representation of a
// given set of dots is unique (equal contexts compare and encode equal).
//
// Join is set union; it is commutative, associative and idempotent. The decoder (codec.h) accepts
// at most kMaxContextRanges ranges per context (limits.h).

#ifndef CRDTDB_CRDT_DOT_CONTEXT_H_
#define CRDTDB_CRDT_DOT_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "crdt/dot.h"

namespace crdtdb::crdt {

struct DotRange {
  uint64_t first = 0;  // inclusive, >= 1
  uint64_t last = 0;   // inclusive, >= first

  friend bool operator==(const DotRange&, const DotRange&) = default;
};

class DotContext {
 public:
  using RangeList = std::vector<DotRange>;

  bool Contains(const Dot& dot) const;
  // Whether every dot of `range` of `replica` is in this context.
  bool ContainsRange(ReplicaId replica, DotRange range) const;
  bool empty() const { return ranges_.empty(); }

  void Add(const Dot& dot) { AddRange(dot.replica, {dot.counter, dot.counter}); }
  // Precondition: 1 <= range.first <= range.last.
  void AddRange(ReplicaId replica, DotRange range);
  // Set union, in O(log n + the ranges of this context above other's lowest + other's ranges) per
  // replica (range_union.h). Returns whether this context changed.
  bool Join(const DotContext& other);

  // The highest counter of `replica` this context has seen (0 if none). A replica's next dot in a
  // document is one above it, which keeps its dots unique per document.
  uint64_t MaxCounter(ReplicaId replica) const;

  // The contiguous prefix per replica: the version vector of the paper (replica -> n when dots
  // 1..n were all seen). Replicas whose dot 1 is missing are absent.
  std::map<ReplicaId, uint64_t> VersionVector() const;

  // Ranges per replica, in replica order; every list is non-empty, sorted, disjoint, non-adjacent.
  const std::map<ReplicaId, RangeList>& ranges() const { return ranges_; }

  // Number of distinct replicas and of stored ranges: the context's metadata size.
  size_t replica_count() const { return ranges_.size(); }
  size_t range_count() const;

  friend bool operator==(const DotContext&, const DotContext&) = default;

 private:
  std::map<ReplicaId, RangeList> ranges_;
};

// Membership of dots asked in ascending order (by replica, then counter) in O(1) amortized: one
// merge walk over a context's ranges, where DotContext::Contains pays a map lookup and a binary
// search per dot. For the walks over a list's anchors, which are sorted by id. The context must
// outlive the walker and not change meanwhile.
class AscendingDotWalk {
 public:
  explicit AscendingDotWalk(const DotContext& context)
      : ranges_(context.ranges()), replica_(ranges_.begin()) {}

  // Precondition: `dot` is not below a dot asked before.
  bool Contains(const Dot& dot) {
    while (replica_ != ranges_.end() && replica_->first < dot.replica) {
      ++replica_;
      next_ = 0;
    }
    if (replica_ == ranges_.end() || replica_->first != dot.replica) return false;
    const DotContext::RangeList& list = replica_->second;
    while (next_ < list.size() && list[next_].last < dot.counter) ++next_;
    return next_ < list.size() && list[next_].first <= dot.counter;
  }

 private:
  const std::map<ReplicaId, DotContext::RangeList>& ranges_;
  std::map<ReplicaId, DotContext::RangeList>::const_iterator replica_;
  size_t next_ = 0;  // the first range of *replica_ not below the last dot asked
};

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DOT_CONTEXT_H_
