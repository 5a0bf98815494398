// Copyright (c) crdtdb authors.
//
// The change feed over the store's change log (store/change_log.h, docs/changes.md): cursors as
// text, pages of changes rendered as the documents are now, a signal writers raise after every
// commit, and the subscription that follows the feed on a thread of its own.
//
// A watcher never holds changes in memory beyond one page: it reads the durable log from its
// cursor. So a slow watcher never slows writers (they only raise the signal) nor grows memory; it
// falls behind in the log, and once the log's retention trimmed changes it had not read, it is cut
// off with Gone and resyncs.

#ifndef CRDTDB_DB_CHANGE_FEED_H_
#define CRDTDB_DB_CHANGE_FEED_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "crdtdb/database.h"
#include "store/store.h"

namespace crdtdb::db {

// A cursor as text: FEED-SEQUENCE, the feed as 16 hex digits ("0" is the log's beginning).
std::string FormatChangeCursor(const store::ChangeCursor& cursor);
// InvalidArgument naming the text when it is not a cursor FormatChangeCursor writes.
Result<store::ChangeCursor> ParseChangeCursor(std::string_view text);

// The key prefix a watched path stands for: "/todos" or "todos" is the collection (keys
// "todos/..."), "/todos/a" the ids of todos that start with "a", "/" or "" every document.
// InvalidArgument for a path with a control character or longer than a key can be.
Result<std::string> ChangePrefix(std::string_view path);

// Database::changes over `store`.
Result<ChangePage> ReadChanges(const store::Store& store, std::string_view prefix, std::string_view since,
                               size_t limit);

// Raised by the write queue after every commit; followers of the feed wait on it.
class CommitSignal {
 public:
  void Notify();
  uint64_t count() const { return count_.load(std::memory_order_acquire); }
  // Waits until count() passes `seen` or `timeout` passes.
  void WaitPast(uint64_t seen, std::chrono::milliseconds timeout);

 private:
  std::atomic<uint64_t> count_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

// A subscription with a cursor (Database::subscribe with SubscribeOptions): its thread reads a
// page after the cursor, delivers it, and waits for the next commit when it has caught up.
class FeedSubscription : public Subscription {
 public:
  FeedSubscription(const store::Store& store, CommitSignal& signal, std::string prefix, SubscribeOptions options,
                   std::function<void(const Change&)> callback, std::string cursor);
  // Stops the thread: after it returns, the callback is not running (unless the destructor runs
  // inside that very callback) and never runs again.
  ~FeedSubscription() override;

 private:
  // Shared with the thread, which outlives the subscription when the callback destroyed it.
  struct State {
    const store::Store& store;
    CommitSignal& signal;
    const std::string prefix;
    const SubscribeOptions options;
    const std::function<void(const Change&)> callback;
    std::string cursor;
    std::atomic<bool> stop{false};
  };
  static void Run(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_CHANGE_FEED_H_
