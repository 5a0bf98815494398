// Copyright (c) crdtdb authors.

#include "db/subscriptions.h"

#include <iterator>

namespace crdtdb::db {

class Subscriptions::Handle : public Subscription {
 public:
  Handle(Subscriptions& owner, uint64_t id, std::shared_ptr<Entry> entry)
      : owner_(owner), id_(id), entry_(std::move(entry)) {}
  ~Handle() override {
    {
      std::lock_guard lock(owner_.mu_);
      owner_.entries_.erase(id_);
      owner_.count_ = owner_.entries_.size();
    }
    // Wait for a running callback to return, then make sure it never starts again.
    std::lock_guard running(entry_->running);
    entry_->active = false;
  }

 private:
  Subscriptions& owner_;
  const uint64_t id_;
  std::shared_ptr<Entry> entry_;
};

std::unique_ptr<Subscription> Subscriptions::Add(std::string prefix, Callback callback) {
  auto entry = std::make_shared<Entry>();
  entry->prefix = std::move(prefix);
  entry->callback = std::move(callback);
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  entries_.emplace(id, entry);
  count_ = entries_.size();
  return std::make_unique<Handle>(*this, id, std::move(entry));
}

void Subscriptions::Enqueue(std::vector<Change> changes) {
  signal_.Notify();
  if (changes.empty()) return;
  std::lock_guard lock(mu_);
  if (entries_.empty()) return;
  pending_.insert(pending_.end(), std::make_move_iterator(changes.begin()),
                  std::make_move_iterator(changes.end()));
}

void Subscriptions::Drain() {
  std::unique_lock lock(mu_);
  if (delivering_ || pending_.empty()) return;
  delivering_ = true;
  while (!pending_.empty()) {
    Change change = std::move(pending_.front());
    pending_.pop_front();
    std::vector<std::shared_ptr<Entry>> targets;
    for (const auto& [id, entry] : entries_) {
      if (change.key.compare(0, entry->prefix.size(), entry->prefix) == 0) targets.push_back(entry);
    }
    lock.unlock();
    for (const auto& entry : targets) {
      std::lock_guard running(entry->running);
      if (entry->active) entry->callback(change);
    }
    lock.lock();
  }
  delivering_ = false;
}

}  // namespace crdtdb::db
