// Copyright (c) crdtdb authors.

#include "sync/sequence_tracker.h"

#include <algorithm>
#include <iterator>

namespace crdtdb::sync {

void SequenceTracker::CoverThrough(uint64_t sequence) {
  if (sequence <= contiguous_) return;
  contiguous_ = sequence;
  highest_seen_ = std::max(highest_seen_, sequence);
  // Ranges now entirely below the covered prefix are redundant; one straddling it is clipped.
  while (!beyond_.empty() && beyond_.begin()->first <= contiguous_ + 1) {
    contiguous_ = std::max(contiguous_, beyond_.begin()->second);
    beyond_.erase(beyond_.begin());
  }
}

bool SequenceTracker::Covered(uint64_t sequence) const {
  if (sequence <= contiguous_) return true;
  auto it = beyond_.upper_bound(sequence);
  if (it == beyond_.begin()) return false;
  --it;
  return sequence <= it->second;
}

bool SequenceTracker::Add(uint64_t sequence) {
  if (Covered(sequence)) return false;
  SawUpTo(sequence);
  uint64_t first = sequence, last = sequence;
  auto next = beyond_.upper_bound(sequence);
  if (next != beyond_.end() && next->first == sequence + 1) {
    last = next->second;
    next = beyond_.erase(next);
  }
  if (next != beyond_.begin()) {
    auto previous = std::prev(next);
    if (previous->second + 1 == sequence) {
      first = previous->first;
      beyond_.erase(previous);
    }
  }
  beyond_.emplace(first, last);
  Settle();
  return true;
}

void SequenceTracker::AddRange(uint64_t first, uint64_t last) {
  if (first > last) return;
  if (first <= contiguous_ + 1) {
    CoverThrough(last);
    return;
  }
  SawUpTo(last);
  // Merges with every range it overlaps or touches (first >= contiguous_ + 2 here, so first - 1
  // does not wrap; last + 1 may, hence `touches`).
  const uint64_t touches = last == UINT64_MAX ? last : last + 1;
  auto it = beyond_.upper_bound(first);
  if (it != beyond_.begin() && std::prev(it)->second >= first - 1) --it;
  while (it != beyond_.end() && it->first <= touches) {
    first = std::min(first, it->first);
    last = std::max(last, it->second);
    it = beyond_.erase(it);
  }
  beyond_.emplace(first, last);
  Settle();
}

void SequenceTracker::AddRangeExcept(uint64_t first, uint64_t last,
                                     const std::vector<uint64_t>& holes) {
  for (uint64_t hole : holes) {
    if (hole < first || hole > last) continue;
    AddRange(first, hole - 1);
    if (hole == last) return;
    first = hole + 1;
  }
  AddRange(first, last);
}

void SequenceTracker::SawUpTo(uint64_t sequence) { highest_seen_ = std::max(highest_seen_, sequence); }

void SequenceTracker::OriginEndsAt(uint64_t sequence) {
  uint64_t highest = std::max(contiguous_, sequence);
  if (!beyond_.empty()) highest = std::max(highest, beyond_.rbegin()->second);
  highest_seen_ = std::min(highest_seen_, highest);
}

std::optional<uint64_t> SequenceTracker::FirstMissing() const {
  if (highest_seen_ <= contiguous_) return std::nullopt;
  return contiguous_ + 1;
}

void SequenceTracker::Settle() {
  while (!beyond_.empty() && beyond_.begin()->first == contiguous_ + 1) {
    contiguous_ = beyond_.begin()->second;
    beyond_.erase(beyond_.begin());
  }
}

}  // namespace crdtdb::sync
