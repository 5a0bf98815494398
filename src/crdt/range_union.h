// Copyright (c) crdtdb authors.
//
// The union of two sorted lists of disjoint, non-adjacent inclusive ranges (DotContext's list per
// replica), in one linear pass. Inserting range by range into the middle of a vector would cost
// O(|mine| x |theirs|) element moves: two contexts of interleaved single dots, each a few MiB on
// the wire, would take ~10^12 moves before any size check could refuse the result.
//
// It is a template over the range type only so that a test can count the element copies and moves
// it makes (tests/crdt/range_union_test.cc); DotContext uses it with DotRange.

#ifndef CRDTDB_CRDT_RANGE_UNION_H_
#define CRDTDB_CRDT_RANGE_UNION_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace crdtdb::crdt {

// Makes `mine` the union of `mine` and `theirs`, both normalized (sorted, disjoint, non-adjacent,
// first <= last), and keeps it normalized. Returns whether `mine` changed.
//
// Cost: O(log |mine|) to find the first range of `mine` that `theirs` reaches, then
// O(|mine after it| + |theirs|). Ranges of `mine` below `theirs` are not touched, so a delta's new
// dots, which lie above every dot the context holds, cost O(log |mine| + |theirs|).
template <typename Range>
bool UniteRanges(std::vector<Range>& mine, const std::vector<Range>& theirs) {
  if (theirs.empty()) return false;
  // The first range of mine that overlaps or touches theirs.front(), or lies above it.
  const auto keep_end =
      std::lower_bound(mine.begin(), mine.end(), theirs.front().first,
                       [](const Range& x, auto first) { return x.last + 1 < first; });
  const size_t kept = static_cast<size_t>(keep_end - mine.begin());
  std::vector<Range> tail;
  tail.reserve(mine.size() - kept + theirs.size());
  auto append = [&tail](const Range& r) {
    if (!tail.empty() && r.first <= tail.back().last + 1) {
      tail.back().last = std::max(tail.back().last, r.last);
    } else {
      tail.push_back(r);
    }
  };
  auto a = keep_end;
  auto b = theirs.begin();
  while (a != mine.end() || b != theirs.end()) {
    if (b == theirs.end() || (a != mine.end() && a->first < b->first)) {
      append(*a++);
    } else {
      append(*b++);
    }
  }
  // Equal sizes and equal ranges: theirs held nothing new (a union only grows the set).
  if (tail.size() == mine.size() - kept && std::equal(tail.begin(), tail.end(), keep_end))
    return false;
  mine.resize(kept);
  mine.insert(mine.end(), tail.begin(), tail.end());
  return true;
}

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_RANGE_UNION_H_
