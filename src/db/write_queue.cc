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
  queued();
  self.cv.wait(lock, [&] { return self.done || writers_.front() == &self; });
  if (self.done) return self.status;

  // Leader: take a group and stage it without the lock, so others can queue behind it. Writers
  // that queued meanwhile join the group before it commits: otherwise writers released by the
  // previous commit, which come back one at a time, would alternate groups of one and of all the
  // others, and in sync mode pay two fsyncs where one does.
  size_t group_size = 0;
  store::WriteSet batch;
  std::vector<Change> changes;
  for (;;) {
    const size_t size = std::min(writers_.size(), kMaxGroupSize);
    if (size == group_size) break;
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
  const Status committed = batch.empty() ? Status::OK() : store_.Commit(batch);
  // Before the next leader can commit: subscribers see changes in commit order.
  if (committed.ok()) subscriptions_.Enqueue(std::move(changes));

  lock.lock();
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

}  // namespace crdtdb::db
