// Copyright (c) crdtdb authors.
//
// WriteClock issues the stamps of local writes: the replica's hybrid logical clock, read by every
// thread that prepares a write (key_locks.h), and the first dot counter of the store's stream
// epoch. Remote writes the replica takes in advance the clock (Observe), so that a write made
// after seeing them is stamped above them. Thread-safe.

#ifndef CRDTDB_DB_WRITE_CLOCK_H_
#define CRDTDB_DB_WRITE_CLOCK_H_

#include <functional>
#include <mutex>

#include "crdt/hlc.h"
#include "crdt/mutators.h"

namespace crdtdb::db {

class WriteClock {
 public:
  // `clock_ms` is the physical clock (ms since the Unix epoch); `start` the last timestamp the
  // replica issued or observed before.
  WriteClock(crdt::ReplicaId replica, crdt::Timestamp start, uint64_t first_counter,
             std::function<uint64_t()> clock_ms)
      : replica_(replica),
        first_counter_(first_counter),
        clock_ms_(std::move(clock_ms)),
        clock_(start) {}

  // A timestamp more than this far ahead of the physical clock is not taken in: a peer whose clock
  // is far in the future would otherwise drag every later local timestamp there with it, for good,
  // since the clock is persisted (store::Metadata::clock).
  static constexpr uint64_t kMaxAheadMs = 60'000;

  crdt::WriteStamp NextStamp() {
    const uint64_t physical_ms = clock_ms_();
    std::lock_guard lock(mu_);
    return crdt::WriteStamp{replica_, clock_.Now(physical_ms), first_counter_};
  }

  // Folds in `remote`, the highest timestamp of a batch of remote writes (one call per batch: the
  // lock and the physical clock are read once), unless it is more than kMaxAheadMs ahead of the
  // physical clock; those are counted instead.
  void Observe(crdt::Timestamp remote) {
    const uint64_t physical_ms = clock_ms_();
    std::lock_guard lock(mu_);
    if (crdt::PhysicalMs(remote) > physical_ms + kMaxAheadMs) {
      ++ignored_ahead_;
      return;
    }
    clock_.Observe(remote);
  }

  // Remote timestamps Observe did not take in, since open.
  uint64_t ignored_ahead() const {
    std::lock_guard lock(mu_);
    return ignored_ahead_;
  }

  // At least every timestamp issued so far: a commit records it (store::WriteSet::SetClock).
  crdt::Timestamp last() const {
    std::lock_guard lock(mu_);
    return clock_.last();
  }

 private:
  const crdt::ReplicaId replica_;
  const uint64_t first_counter_;
  const std::function<uint64_t()> clock_ms_;
  mutable std::mutex mu_;
  crdt::HybridClock clock_;
  uint64_t ignored_ahead_ = 0;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_WRITE_CLOCK_H_
