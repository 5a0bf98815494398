// Copyright (c) crdtdb authors.
//
// Internal to src/crdt: membership in a DotContext for dots asked in ascending order.

#ifndef CRDTDB_CRDT_ASCENDING_DOT_WALK_H_
#define CRDTDB_CRDT_ASCENDING_DOT_WALK_H_

#include <cstddef>
#include <map>

#include "crdt/dot.h"
#include "crdt/dot_context.h"

namespace crdtdb::crdt {

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

#endif  // CRDTDB_CRDT_ASCENDING_DOT_WALK_H_
