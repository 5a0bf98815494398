// Copyright (c) crdtdb authors.
//
// WriteQueue commits writes in groups, after LevelDB's DBImpl::Write: each writer queues its
// prepared writes; the writer at the front becomes the leader, stages every queued writer's
// writes in one store::WriteSet, commits it as one batch (one fsync in sync mode), and wakes the
// others with the result. Concurrent writers therefore share commits, and each write is
// acknowledged only after the commit that holds it.
//
// Writers prepare their writes before they queue, under their keys' locks (key_locks.h), which
// they release once queued: the leader's serial work is only staging and the commit, and the
// next group's writers, even of the same documents (pending_states.h), prepare while a group's
// fsync runs.
//
// A leader also waits, briefly, for the group it predicts: as many writers as the last group had.
// Writers released by a commit come back one by one, and on a machine with fewer cores than
// writers most of them have not even run when the first comes back and leads; committing at once
// would split them into two groups that take turns, each paying an fsync for half the writers. The
// wait is bounded by half the time a commit takes (so it never costs more than the commit it
// saves) and skipped when commits are too fast for a wait to pay, as without fsync.
//
// After a commit the leader hands the group's changes to the Subscriptions, in commit order; the
// writers deliver them (Subscriptions::Drain) once they hold no lock, so a callback may write.

#ifndef CRDTDB_DB_WRITE_QUEUE_H_
#define CRDTDB_DB_WRITE_QUEUE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crdtdb/change.h"
#include "db/subscriptions.h"
#include "db/write_clock.h"
#include "store/store.h"

namespace crdtdb::db {

// One document's write, prepared outside the queue.
struct PreparedWrite {
  store::DocumentWrite document;
  std::optional<std::string> encoded_delta;  // a local write's delta, for the delta log
  std::optional<Change> change;              // set when someone subscribed as it was prepared
};

class WriteQueue {
 public:
  WriteQueue(store::Store& store, Subscriptions& subscriptions, const WriteClock& clock);

  // Commits `writes` (all or none) in the next group and waits until that group is committed.
  // Calls `queued` once the writes hold their place in the queue, before the wait. Returns the
  // commit's status.
  Status Submit(std::vector<PreparedWrite> writes, const std::function<void()>& queued);

  // Successful commits so far, and the document writes they held.
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t documents_written() const { return documents_written_.load(std::memory_order_relaxed); }

 private:
  struct Writer {
    std::vector<PreparedWrite>* writes = nullptr;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };
  static constexpr size_t kMaxGroupSize = 256;
  // Waits shorter than this cost about what they save (a context switch, a timer).
  static constexpr std::chrono::microseconds kMinGroupWait{50};
  static constexpr std::chrono::microseconds kMaxGroupWait{1000};

  // How long the next leader may wait for its predicted group.
  std::chrono::nanoseconds GroupWait() const;

  store::Store& store_;
  Subscriptions& subscriptions_;
  const WriteClock& clock_;

  std::mutex mu_;
  std::deque<Writer*> writers_;
  std::condition_variable leader_cv_;  // a leader waiting for its predicted group
  bool leader_waiting_ = false;
  size_t last_group_size_ = 0;
  std::chrono::nanoseconds commit_time_{0};  // a moving average; leaders only, one at a time
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> documents_written_{0};
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_WRITE_QUEUE_H_
