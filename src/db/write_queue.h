// Copyright (c) crdtdb authors.
//
// WriteQueue serializes writers and commits them in groups, after LevelDB's DBImpl::Write: each
// writer queues its operation; the writer at the front becomes the leader, runs every queued
// operation in order in one WriteGroup, commits the group as one store batch (one fsync in sync
// mode), and wakes the others with their results. Concurrent writers therefore share commits,
// and each write is acknowledged only after the commit that holds it.
//
// After a commit, the leader hands the group's changes to the Subscriptions, which deliver them
// in commit order after the leader has released the queue, so a callback may write again.

#ifndef CRDTDB_DB_WRITE_QUEUE_H_
#define CRDTDB_DB_WRITE_QUEUE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "crdt/hlc.h"
#include "db/subscriptions.h"
#include "db/write_group.h"
#include "store/store.h"

namespace crdtdb::db {

class WriteQueue {
 public:
  // An operation stages its writes in the group. A non-OK status fails that operation only; local
  // writes fail before they stage anything, while a batch of remote updates (independent joins,
  // safe to repeat) keeps what it staged before the failure.
  using Operation = std::function<Status(WriteGroup&)>;

  WriteQueue(store::Store& store, Subscriptions& subscriptions, crdt::ReplicaId replica,
             crdt::Timestamp clock_start, std::function<uint64_t()> clock_ms);

  // Runs `op` in the next group and waits until that group is committed. Returns the operation's
  // own error, or the commit's.
  Status Submit(const Operation& op);

 private:
  struct Writer {
    const Operation* op = nullptr;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };
  static constexpr size_t kMaxGroupSize = 256;

  store::Store& store_;
  Subscriptions& subscriptions_;
  const crdt::ReplicaId replica_;
  const std::function<uint64_t()> clock_ms_;
  crdt::HybridClock clock_;  // used by the leader only

  std::mutex mu_;
  std::deque<Writer*> writers_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_WRITE_QUEUE_H_
