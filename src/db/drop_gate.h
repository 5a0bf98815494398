// Copyright (c) crdtdb authors.
//
// DropGate keeps a drop of buckets (DatabaseImpl::DropBuckets) apart from every write. A write
// derives its new state from the document's state when it prepares (pending_states.h), before it
// queues: a drop that landed between that read and the write's commit would leave the write
// replacing a document that is gone, and the commit would take the old state's Merkle
// contribution and live count out a second time. Serializing the drop in the write queue alone
// cannot prevent it, since writers prepare outside the queue. So a writer holds the gate, shared,
// from before it reads its documents until its commit returns, and a drop holds it alone: it
// waits for the writes in progress to commit, and the writes that come meanwhile wait for the
// drop, then read the store as the drop left it. While the drop runs, no state is queued
// (PendingStates is empty) and no key lock is held.
//
// Writers pay two atomic operations when no drop is waiting; a waiting drop holds off new writers
// (it would otherwise wait as long as writes keep coming). One drop runs at a time. A thread must
// not hold the gate twice: a writer releases it before it delivers changes to subscribers, whose
// callbacks may write. Thread-safe.

#ifndef CRDTDB_DB_DROP_GATE_H_
#define CRDTDB_DB_DROP_GATE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace crdtdb::db {

class DropGate {
 public:
  // Holds the gate until destroyed or Release'd.
  class Guard {
   public:
    Guard(Guard&& other) noexcept : gate_(other.gate_), drop_(other.drop_) { other.gate_ = nullptr; }
    Guard& operator=(Guard&&) = delete;
    ~Guard() { Release(); }
    void Release() {
      if (gate_ == nullptr) return;
      if (drop_) {
        gate_->EndDrop();
      } else {
        gate_->EndWrite();
      }
      gate_ = nullptr;
    }

   private:
    friend class DropGate;
    Guard(DropGate* gate, bool drop) : gate_(gate), drop_(drop) {}
    DropGate* gate_;
    bool drop_;
  };

  // Shared with other writes; waits while a drop waits or runs.
  Guard Write() {
    for (;;) {
      // Sequentially consistent, against the drop's store of dropping_ then load of writers_:
      // one of the two sees the other.
      writers_.fetch_add(1);
      if (!dropping_.load()) return Guard(this, false);
      EndWrite();
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !dropping_.load(); });
    }
  }

  // Alone: waits for the writes in progress to end, and holds off new ones.
  Guard Drop() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !dropping_.load(); });  // one drop at a time
    dropping_.store(true);
    cv_.wait(lock, [this] { return writers_.load() == 0; });
    return Guard(this, true);
  }

 private:
  void EndWrite() {
    if (writers_.fetch_sub(1) == 1 && dropping_.load()) {
      std::lock_guard lock(mu_);  // a drop checks writers_ under mu_: it cannot miss this
      cv_.notify_all();
    }
  }
  void EndDrop() {
    std::lock_guard lock(mu_);
    dropping_.store(false);
    cv_.notify_all();
  }

  std::atomic<uint64_t> writers_{0};
  std::atomic<bool> dropping_{false};
  std::mutex mu_;
  std::condition_variable cv_;  // writers_ reached 0 during a drop, or a drop ended
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_DROP_GATE_H_
