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

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DOT_CONTEXT_H_
