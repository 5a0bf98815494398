// Copyright (c) crdtdb authors.

#include "db/write_queue.h"

#include <algorithm>

namespace crdtdb::db {

WriteQueue::WriteQueue(store::Store& store, Subscriptions& subscriptions, const WriteClock& clock)
    : store_(store), subscriptions_(subscriptions), clock_(clock) {}

Status WriteQueue::Submit(std::vector<PreparedWrite> writes, const std::function<void()>& queued) {
  Writer self;
  self.writes = &writes;
  std::unique_lock lock(mu_);
  writers_.push_back(&self);
  if (leader_waiting_ && writers_.size() >= last_group_size_) leader_cv_.notify_one();
  queued();
  self.cv.wait(lock, [&] { return self.done || writers_.front() == &self; });
  if (self.done) return self.status;

  // Leader: take a group and stage it without the lock, so others can queue behind it. Writers
  // that queued meanwhile join the group before it commits, and once the queue is staged the
  // leader waits (once, within GroupWait) for the group it predicts (write_queue.h): otherwise
  // writers released by the previous commit, which come back one at a time, would split into
  // groups that take turns, and in sync mode pay two fsyncs where one does.
  size_t group_size = 0;
  store::WriteSet batch;
  std::vector<Change> changes;
  const size_t predicted = std::min(last_group_size_, kMaxGroupSize);
  const std::chrono::nanoseconds group_wait = GroupWait();
  const auto wait_until = std::chrono::steady_clock::now() + group_wait;
  bool waited = false;
  for (;;) {
    const size_t size = std::min(writers_.size(), kMaxGroupSize);
    if (size == group_size) {
      if (waited || size >= predicted || group_wait == std::chrono::nanoseconds::zero()) break;
      waited = true;
      leader_waiting_ = true;
      leader_cv_.wait_until(lock, wait_until, [&] { return writers_.size() >= predicted; });
      leader_waiting_ = false;
      continue;
    }
    std::vector<Writer*> joining(writers_.begin() + static_cast<std::ptrdiff_t>(group_size),
                                 writers_.begin() + static_cast<std::ptrdiff_t>(size));
    group_size = size;
    lock.unlock();
    for (Writer* writer : joining) {
      for (PreparedWrite& w : *writer->writes) {
        std::string key = w.document.key;
        batch.PutDocument(std::move(w.document));
        if (w.encoded_delta) {
          batch.AppendEncodedLocalDelta(std::move(key), std::move(*w.encoded_delta));
        }
        if (w.change) changes.push_back(std::move(*w.change));
      }
    }
    lock.lock();
  }
  lock.unlock();
  batch.SetClock(clock_.last());
  const auto commit_start = std::chrono::steady_clock::now();
  const Status committed = batch.empty() ? Status::OK() : store_.Commit(batch);
  commit_time_ = (3 * commit_time_ + (std::chrono::steady_clock::now() - commit_start)) / 4;
  if (committed.ok() && !batch.empty()) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    documents_written_.fetch_add(batch.document_count(), std::memory_order_relaxed);
  }
  // Before the next leader can commit: subscribers see changes in commit order.
  if (committed.ok()) subscriptions_.Enqueue(std::move(changes));

  lock.lock();
  last_group_size_ = group_size;
  for (size_t i = 0; i < group_size; ++i) {
    Writer* writer = writers_.front();
    writers_.pop_front();
    writer->status = committed;
    writer->done = true;
    if (writer != &self) writer->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return committed;
}

std::chrono::nanoseconds WriteQueue::GroupWait() const {
  const std::chrono::nanoseconds wait =
      std::min<std::chrono::nanoseconds>(commit_time_ / 2, kMaxGroupWait);
  return wait < kMinGroupWait ? std::chrono::nanoseconds::zero() : wait;
}

}  // namespace crdtdb::db
