// Copyright (c) crdtdb authors.
//
// A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014) stamps register writes
// so that a read can pick one deterministic winner among concurrent values: the highest timestamp,
// then the highest replica id. The clock follows physical time when it can and never runs
// backwards, even when the wall clock does or when a peer's clock is ahead: every timestamp a
// replica issues is above every timestamp it has issued or observed.
//
// The clock holds no time source; the caller passes the physical time in, which keeps this module
// free of I/O and makes tests deterministic. Not thread-safe.

#ifndef CRDTDB_CRDT_HLC_H_
#define CRDTDB_CRDT_HLC_H_

#include <cstdint>

namespace crdtdb::crdt {

// A timestamp packs milliseconds since the Unix epoch into the high 48 bits and a logical counter
// into the low 16 bits, so timestamps compare as plain integers.
using Timestamp = uint64_t;

constexpr int kLogicalBits = 16;
constexpr uint64_t kLogicalMask = (uint64_t{1} << kLogicalBits) - 1;

constexpr uint64_t PhysicalMs(Timestamp ts) { return ts >> kLogicalBits; }
constexpr uint64_t Logical(Timestamp ts) { return ts & kLogicalMask; }
constexpr Timestamp MakeTimestamp(uint64_t physical_ms, uint64_t logical) {
  return (physical_ms << kLogicalBits) | (logical & kLogicalMask);
}

class HybridClock {
 public:
  explicit HybridClock(Timestamp last = 0) : last_(last) {}

  // A timestamp for a local event, strictly above every earlier one. When the logical counter
  // would overflow, the clock borrows the next millisecond instead.
  Timestamp Now(uint64_t physical_ms) {
    const Timestamp wall = MakeTimestamp(physical_ms, 0);
    last_ = wall > last_ ? wall : last_ + 1;
    return last_;
  }

  // Folds in a timestamp seen on a remote write, so later local writes order after it.
  void Observe(Timestamp remote) {
    if (remote > last_) last_ = remote;
  }

  Timestamp last() const { return last_; }

 private:
  Timestamp last_;
};

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_HLC_H_
