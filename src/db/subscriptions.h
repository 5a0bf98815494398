// Copyright (c) crdtdb authors.
//
// Subscriptions delivers committed changes to callbacks registered by key prefix, in commit
// order. The write queue hands changes over as it commits them (Enqueue); writers then call Drain
// once they hold no lock. Whichever thread drains while nobody is delivering becomes the
// deliverer and delivers the queue, calling callbacks with no lock held; changes handed over
// meanwhile (also by a callback's own writes) are delivered by it afterwards. Every Enqueue also
// raises the commit signal that followers of the change feed wait on (change_feed.h).

#ifndef CRDTDB_DB_SUBSCRIPTIONS_H_
#define CRDTDB_DB_SUBSCRIPTIONS_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crdtdb/change.h"
#include "crdtdb/database.h"
#include "db/change_feed.h"

namespace crdtdb::db {

class Subscriptions {
 public:
  using Callback = std::function<void(const Change&)>;

  // The returned handle unsubscribes when destroyed: after its destructor returns, the callback is
  // not running (unless the destructor runs inside that very callback) and never runs again.
  std::unique_ptr<Subscription> Add(std::string prefix, Callback callback);
  void Enqueue(std::vector<Change> changes);
  void Drain();
  // Whether anyone subscribes: writers skip building changes' JSON when nobody would read it.
  bool any() const { return count_.load(std::memory_order_relaxed) > 0; }
  CommitSignal& commit_signal() { return signal_; }

 private:
  struct Entry {
    std::string prefix;
    Callback callback;
    std::recursive_mutex running;  // held while the callback runs
    bool active = true;
  };
  class Handle;

  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Entry>> entries_;
  std::atomic<size_t> count_{0};  // entries_.size(), readable without the lock
  uint64_t next_id_ = 1;
  std::deque<Change> pending_;
  bool delivering_ = false;
  CommitSignal signal_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_SUBSCRIPTIONS_H_
