// Copyright (c) crdtdb authors.

#include "db/change_feed.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "crdt/state_json.h"
#include "crdtdb/limits.h"
#include "db/key.h"

namespace crdtdb::db {

namespace {

// Records of the log read per page at most, matching the prefix or not: one page never holds a
// reader (or a server's event loop) long, whatever the prefix.
constexpr size_t kMaxScannedPerPage = 10'000;
// A follower that missed a signal still looks again this often.
constexpr std::chrono::milliseconds kFollowPoll{200};

Status BadCursor(std::string_view text) {
  std::string shown(text.substr(0, 64));
  return Status::InvalidArgument("malformed change-feed cursor \"" + shown +
                                 "\": expected a cursor as watch prints it (FEED-SEQUENCE), or 0");
}

}  // namespace

std::string FormatChangeCursor(const store::ChangeCursor& cursor) {
  if (cursor.feed == 0 && cursor.sequence == 0) return "0";
  char feed[17];
  std::snprintf(feed, sizeof feed, "%016llx", static_cast<unsigned long long>(cursor.feed));
  return std::string(feed) + "-" + std::to_string(cursor.sequence);
}

Result<store::ChangeCursor> ParseChangeCursor(std::string_view text) {
  if (text == "0") return store::ChangeCursor{};
  if (text.size() < 18 || text.size() > 37 || text[16] != '-') return BadCursor(text);
  store::ChangeCursor cursor;
  const char* feed_end = text.data() + 16;
  auto [p, ec] = std::from_chars(text.data(), feed_end, cursor.feed, 16);
  if (ec != std::errc() || p != feed_end || cursor.feed == 0) return BadCursor(text);
  const char* end = text.data() + text.size();
  if (!std::all_of(feed_end + 1, end, [](char c) { return c >= '0' && c <= '9'; })) return BadCursor(text);
  auto [q, ec2] = std::from_chars(feed_end + 1, end, cursor.sequence);
  if (ec2 != std::errc() || q != end) return BadCursor(text);
  return cursor;
}

Result<std::string> ChangePrefix(std::string_view path) {
  std::string_view rest = path;
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest.size() > 2 * kMaxKeyPartBytes + 1) {
    return Status::InvalidArgument("watch path is longer than a document path can be");
  }
  if (std::any_of(rest.begin(), rest.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Status::InvalidArgument("watch path may not contain control characters");
  }
  std::string prefix(rest);
  if (!prefix.empty() && prefix.find('/') == std::string::npos) prefix += '/';  // a whole collection
  return prefix;
}

Result<ChangePage> ReadChanges(const store::Store& store, std::string_view prefix, std::string_view since,
                               size_t limit) {
  if (limit == 0) return Status::InvalidArgument("a page of changes holds at least one change");
  ChangePage page;
  if (since.empty()) {
    page.cursor = FormatChangeCursor(store.ChangeLogHead());
    return page;
  }
  Result<store::ChangeCursor> after = ParseChangeCursor(since);
  if (!after.ok()) return after.status();
  Result<store::ChangeLogPage> log = store.ReadChangeLog(*after, prefix, limit, kMaxScannedPerPage);
  if (!log.ok()) return log.status();
  for (store::ChangeLogEntry& entry : log->entries) {
    Result<std::optional<std::string>> state = store.ReadEncodedState(entry.key);
    if (!state.ok()) return state.status();
    // A document a node dropped with its partition (Store::DropBuckets) is no longer its to report.
    if (!state->has_value()) continue;
    Result<std::optional<std::string>> json = crdt::StateJson(**state);
    if (!json.ok()) return json.status().WithContext("document /" + entry.key);
    page.changes.push_back(Change{std::move(entry.key), std::move(*json), entry.remote,
                                  FormatChangeCursor(entry.cursor)});
  }
  page.cursor = FormatChangeCursor(log->next);
  return page;
}

void CommitSignal::Notify() {
  {
    std::lock_guard lock(mu_);
    count_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
}

void CommitSignal::WaitPast(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return count_.load(std::memory_order_acquire) != seen; });
}

FeedSubscription::FeedSubscription(const store::Store& store, CommitSignal& signal, std::string prefix,
                                   SubscribeOptions options, std::function<void(const Change&)> callback,
                                   std::string cursor)
    : state_(std::make_shared<State>(store, signal, std::move(prefix), std::move(options), std::move(callback),
                                     std::move(cursor))) {
  thread_ = std::thread([state = state_] { Run(state); });
}

FeedSubscription::~FeedSubscription() {
  state_->stop.store(true);
  state_->signal.Notify();  // wakes the thread if it waits
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // destroyed by its own callback: the thread ends once the callback returns
  } else {
    thread_.join();
  }
}

void FeedSubscription::Run(const std::shared_ptr<State>& state) {
  while (!state->stop.load()) {
    const uint64_t seen = state->signal.count();
    Result<ChangePage> page =
        ReadChanges(state->store, state->prefix, state->cursor, std::max<size_t>(state->options.batch, 1));
    if (!page.ok()) {
      if (state->options.on_end) state->options.on_end(page.status());
      return;
    }
    for (const Change& change : page->changes) {
      if (state->stop.load()) return;
      state->callback(change);
    }
    // Caught up when the read moved nothing: then wait for the next commit.
    const bool caught_up = page->cursor == state->cursor;
    state->cursor = std::move(page->cursor);
    if (caught_up && !state->stop.load()) state->signal.WaitPast(seen, kFollowPoll);
  }
}

}  // namespace crdtdb::db
