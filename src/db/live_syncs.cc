// Copyright (c) crdtdb authors.

#include "db/live_syncs.h"

#include <algorithm>

namespace crdtdb::db {

Status LiveSyncs::Add(const std::shared_ptr<Task>& task) {
  std::lock_guard lock(mu_);
  if (closing_) return Status::Unavailable("the database is closing");
  std::erase_if(tasks_, [](const std::weak_ptr<Task>& t) { return t.expired(); });
  tasks_.push_back(task);
  return Status::OK();
}

void LiveSyncs::StopAll() {
  std::vector<std::shared_ptr<Task>> running;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    for (const std::weak_ptr<Task>& t : tasks_) {
      if (std::shared_ptr<Task> task = t.lock()) running.push_back(std::move(task));
    }
    tasks_.clear();
  }
  // Without the lock: a sync's last state callback may ask for status().
  for (const std::shared_ptr<Task>& task : running) task->Stop();
}

std::vector<LiveSyncState> LiveSyncs::States() const {
  std::vector<std::shared_ptr<Task>> running;
  {
    std::lock_guard lock(mu_);
    for (const std::weak_ptr<Task>& t : tasks_) {
      if (std::shared_ptr<Task> task = t.lock()) running.push_back(std::move(task));
    }
  }
  std::vector<LiveSyncState> states;
  for (const std::shared_ptr<Task>& task : running) {
    LiveSyncState state = task->State();
    if (state.phase != LiveSyncPhase::kStopped) states.push_back(std::move(state));
  }
  return states;
}

}  // namespace crdtdb::db
