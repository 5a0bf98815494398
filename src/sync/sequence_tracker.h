// Copyright (c) crdtdb authors.
//
// SequenceTracker records which sequence numbers of one origin's delta log this replica has
// applied, so the delta stream can tell a gap (a delta lost by PUB/SUB) from a duplicate.
// Everything up to `contiguous()` is covered; later sequences received out of order are kept as
// ranges until the gap below them closes. Pure bookkeeping: no I/O.

#ifndef CRDTDB_SYNC_SEQUENCE_TRACKER_H_
#define CRDTDB_SYNC_SEQUENCE_TRACKER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace crdtdb::sync {

class SequenceTracker {
 public:
  // Everything at or below `sequence` counts as covered: where tracking starts, or what
  // anti-entropy repairs when the origin's log no longer has it.
  void CoverThrough(uint64_t sequence);
  // Records one applied sequence; returns false if it was already covered (a duplicate).
  bool Add(uint64_t sequence);
  // Records every sequence from `first` through `last` as covered (those of partitions this
  // replica does not keep, which a partition-filtered log answer leaves out). Nothing if first > last.
  void AddRange(uint64_t first, uint64_t last);
  // The same, but for the sequences of `holes` (ascending), which stay as they were.
  void AddRangeExcept(uint64_t first, uint64_t last, const std::vector<uint64_t>& holes);
  // Notes that the origin has written up to `sequence` (from a batch or a heartbeat).
  void SawUpTo(uint64_t sequence);
  // The origin's own word on where its log ends: sequences announced beyond it are forgotten.
  void OriginEndsAt(uint64_t sequence);
  bool Covered(uint64_t sequence) const;

  uint64_t contiguous() const { return contiguous_; }
  uint64_t highest_seen() const { return highest_seen_; }
  // The first missing sequence, if the origin has written beyond what is covered.
  std::optional<uint64_t> FirstMissing() const;

 private:
  void Settle();  // folds ranges that now touch contiguous_ into it

  uint64_t contiguous_ = 0;
  uint64_t highest_seen_ = 0;
  std::map<uint64_t, uint64_t> beyond_;  // first -> last, disjoint, all above contiguous_ + 1
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_SEQUENCE_TRACKER_H_
