// Copyright (c) crdtdb authors.

#include "crdt/dot_context.h"

#include <algorithm>

#include "crdt/range_union.h"

namespace crdtdb::crdt {

namespace {

// Inserts `r` into a normalized list and re-normalizes by merging overlapping or adjacent ranges.
void InsertRange(DotContext::RangeList& list, DotRange r) {
  auto it = std::lower_bound(list.begin(), list.end(), r.first,
                             [](const DotRange& x, uint64_t first) { return x.last + 1 < first; });
  // `it` is the first range that overlaps or touches r, or lies after it.
  auto end = it;
  while (end != list.end() && end->first <= r.last + 1) {
    r.first = std::min(r.first, end->first);
    r.last = std::max(r.last, end->last);
    ++end;
  }
  if (it == end) {
    list.insert(it, r);
  } else {
    *it = r;
    list.erase(it + 1, end);
  }
}

}  // namespace

bool DotContext::Contains(const Dot& dot) const {
  auto found = ranges_.find(dot.replica);
  if (found == ranges_.end()) return false;
  const RangeList& list = found->second;
  auto it = std::lower_bound(list.begin(), list.end(), dot.counter,
                             [](const DotRange& x, uint64_t c) { return x.last < c; });
  return it != list.end() && it->first <= dot.counter;
}

bool DotContext::ContainsRange(ReplicaId replica, DotRange range) const {
  auto found = ranges_.find(replica);
  if (found == ranges_.end()) return false;
  const RangeList& list = found->second;
  // Stored ranges are disjoint and non-adjacent: `range` is held only inside one of them.
  auto it = std::lower_bound(list.begin(), list.end(), range.first,
                             [](const DotRange& x, uint64_t c) { return x.last < c; });
  return it != list.end() && it->first <= range.first && range.last <= it->last;
}

void DotContext::AddRange(ReplicaId replica, DotRange range) {
  InsertRange(ranges_[replica], range);
}

bool DotContext::Join(const DotContext& other) {
  bool changed = false;
  for (const auto& [replica, list] : other.ranges_) {
    auto [mine, added] = ranges_.try_emplace(replica, list);
    changed = (added ? true : UniteRanges(mine->second, list)) || changed;
  }
  return changed;
}

uint64_t DotContext::MaxCounter(ReplicaId replica) const {
  auto found = ranges_.find(replica);
  return found == ranges_.end() ? 0 : found->second.back().last;
}

std::map<ReplicaId, uint64_t> DotContext::VersionVector() const {
  std::map<ReplicaId, uint64_t> vv;
  for (const auto& [replica, list] : ranges_) {
    if (list.front().first == 1) vv.emplace(replica, list.front().last);
  }
  return vv;
}

size_t DotContext::range_count() const {
  size_t n = 0;
  for (const auto& entry : ranges_) n += entry.second.size();
  return n;
}

}  // namespace crdtdb::crdt
