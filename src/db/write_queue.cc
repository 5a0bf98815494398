// Copyright (c) crdtdb authors.

#include "db/write_queue.h"

#include <algorithm>
#include <optional>
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

  // Leader: take a group and run it without the lock, so others can queue behind it. Writers that
  // queued meanwhile join the group before it commits: otherwise writers released by the previous
  // commit, which come back one at a time, would alternate groups of one and of all the others,
  // and in sync mode pay two fsyncs where one does.
  std::vector<Writer*> group;
  std::vector<Status> results;
  std::optional<WriteGroup> context;
  for (;;) {
    const size_t size = std::min(writers_.size(), kMaxGroupSize);
    const size_t first_new = group.size();
    group.insert(group.end(), writers_.begin() + static_cast<std::ptrdiff_t>(first_new),
                 writers_.begin() + static_cast<std::ptrdiff_t>(size));
    lock.unlock();
    if (group.size() == first_new) break;
    if (!context) context.emplace(store_, clock_, replica_, clock_ms_(), subscriptions_.any());
    for (size_t i = first_new; i < group.size(); ++i) results.push_back((*group[i]->op)(*context));
    lock.lock();
  }
  Status committed = context->changes().empty() ? Status::OK() : store_.Commit(context->writes());

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
  if (committed.ok() && context->announces()) subscriptions_.Deliver(context->changes());
  return self.status;
}

}  // namespace crdtdb::db
