// Copyright (c) crdtdb authors.

#include "db/write_queue.h"

#include <algorithm>
#include <vector>

namespace crdtdb::db {

WriteQueue::WriteQueue(store::Store& store, Subscriptions& subscriptions, crdt::ReplicaId replica,
                       crdt::Timestamp clock_start, std::function<uint64_t()> clock_ms)
    : store_(store), subscriptions_(subscriptions), replica_(replica), clock_ms_(std::move(clock_ms)), clock_(clock_start) {}

Status WriteQueue::Submit(const Operation& op) {
  Writer self;
  self.op = &op;
  std::unique_lock lock(mu_);
  writers_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || writers_.front() == &self; });
  if (self.done) return self.status;

  // Leader: take a group, run it without the lock so others can queue behind it.
  const size_t size = std::min(writers_.size(), kMaxGroupSize);
  std::vector<Writer*> group(writers_.begin(), writers_.begin() + static_cast<std::ptrdiff_t>(size));
  lock.unlock();

  WriteGroup context(store_, clock_, replica_, clock_ms_(), subscriptions_.any());
  std::vector<Status> results;
  results.reserve(group.size());
  for (Writer* w : group) results.push_back((*w->op)(context));
  Status committed = context.changes().empty() ? Status::OK() : store_.Commit(context.writes());

  lock.lock();
  for (size_t i = 0; i < group.size(); ++i) {
    writers_.pop_front();
    group[i]->status = results[i].ok() ? committed : results[i];
    group[i]->done = true;
    if (group[i] != &self) group[i]->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  lock.unlock();

  // A subscription made while this group ran sees the changes of later groups only.
  if (committed.ok() && context.announces()) subscriptions_.Deliver(context.changes());
  return self.status;
}

}  // namespace crdtdb::db
