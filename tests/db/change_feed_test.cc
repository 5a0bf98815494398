// Copyright (c) crdtdb authors.
//
// The change feed of the library (Database::changes and subscribe with a cursor,
// docs/changes.md): every change, local and remote, in apply order with its cursor; a cursor saved
// before the database closed resumes after it with nothing missed; a subscriber that blocks never
// blocks writers, and once the log's retention passes it by, it is cut off with Gone.

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdtdb/database.h"
#include "tests/db/open_database.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {
namespace {

std::unique_ptr<Database> Open(const std::string& path, uint64_t change_log_entries = 1000) {
  Options options;
  options.path = path;
  options.change_log_max_entries = change_log_entries;
  Result<std::unique_ptr<Database>> db = Database::open(options);
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(db).value();
}

// What a subscriber received, waited for without a timed assertion: a bounded wait whose end is
// reported, not a measured delay.
struct Received {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Change> changes;
  std::optional<Status> ended;

  void Add(const Change& c) {
    std::lock_guard lock(mu);
    changes.push_back(c);
    cv.notify_all();
  }
  void End(const Status& s) {
    std::lock_guard lock(mu);
    ended = s;
    cv.notify_all();
  }
  std::vector<std::string> WaitKeys(size_t n) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return changes.size() >= n || ended; });
    std::vector<std::string> keys;
    for (const Change& c : changes) keys.push_back(c.key + (c.json ? "" : "(deleted)"));
    return keys;
  }
};

TEST_CASE("changes pages the feed in commit order, each change with the cursor that resumes after it") {
  TempDir tmp;
  auto db = Open(tmp.Sub("db"));
  Result<ChangePage> head = db->changes("todos/", "");
  REQUIRE(head.ok());
  CHECK(head->changes.empty());
  REQUIRE(db->put("todos/1", R"({"title": "milk"})").ok());
  REQUIRE(db->put("notes/1", R"({"text": "hi"})").ok());
  REQUIRE(db->patch("todos/2", R"({"title": "eggs"})").ok());
  REQUIRE(db->remove("todos/1").ok());
  Result<ChangePage> page = db->changes("todos/", head->cursor);
  REQUIRE(page.ok());
  REQUIRE(page->changes.size() == 3);
  CHECK(page->changes[0].key == "todos/1");
  CHECK(!page->changes[0].json);  // rendered as it is now: deleted since
  CHECK(page->changes[1].key == "todos/2");
  CHECK(*page->changes[1].json == R"({"title":"eggs"})");
  CHECK(page->changes[2].key == "todos/1");
  CHECK(!page->changes[0].remote);
  Result<ChangePage> rest = db->changes("todos/", page->changes[0].cursor, 1);
  REQUIRE(rest.ok());
  REQUIRE(rest->changes.size() == 1);
  CHECK(rest->changes[0].key == "todos/2");
  CHECK(db->changes("", "not-a-cursor").status().IsInvalidArgument());
  CHECK(db->changes("", "0000000000000000-5").status().IsInvalidArgument());
  CHECK(db->changes("", head->cursor, 0).status().IsInvalidArgument());
}

TEST_CASE("a remote change is in the feed, marked remote, in the order it was applied") {
  TempDir tmp;
  auto a = OpenDatabase(tmp.Sub("a"), 1);
  auto b = OpenDatabase(tmp.Sub("b"), 2);
  REQUIRE(a->put("c/1", R"({"v": 1})").ok());
  const std::string start = b->changes("c/", "", 1000)->cursor;
  REQUIRE(b->put("c/0", R"({"v": 0})").ok());
  Result<std::optional<std::string>> state = a->ReadState("c/1");
  REQUIRE((state.ok() && state->has_value()));
  const sync::ApplyResult applied =
      b->ApplyRemote({sync::RemoteUpdate{"c/1", crdt::DecodeDocument(**state).value(), true}});
  REQUIRE(applied.updates[0].ok());
  Result<ChangePage> page = b->changes("c/", start, 1000);
  REQUIRE(page.ok());
  REQUIRE(page->changes.size() == 2);
  CHECK(!page->changes[0].remote);
  CHECK(page->changes[1].key == "c/1");
  CHECK(page->changes[1].remote);
}

TEST_CASE("subscribe with a cursor saved before a restart resumes after it, then follows") {
  TempDir tmp;
  const std::string path = tmp.Sub("db");
  std::string saved;
  {
    auto db = Open(path);
    const std::string start = db->changes("", "")->cursor;
    for (int i = 0; i < 3; ++i) REQUIRE(db->put("t/" + std::to_string(i), R"({"i": 1})").ok());
    Result<ChangePage> page = db->changes("", start);
    REQUIRE(page.ok());
    saved = page->changes[0].cursor;  // the app handled t/0 only
  }
  auto db = Open(path);
  Received got;
  SubscribeOptions options;
  options.since = saved;
  options.on_end = [&](const Status& s) { got.End(s); };
  Result<std::unique_ptr<Subscription>> sub =
      db->subscribe("t/", options, [&](const Change& c) { got.Add(c); });
  REQUIRE(sub.ok());
  REQUIRE(db->put("t/3", R"({"i": 3})").ok());
  CHECK(got.WaitKeys(3) == std::vector<std::string>{"t/1", "t/2", "t/3"});
  sub->reset();
  SubscribeOptions bad;
  bad.since = "zz";
  CHECK(db->subscribe("t/", bad, [](const Change&) {}).status().IsInvalidArgument());
}

TEST_CASE("a blocked subscriber never blocks writers; past the retention it is cut off with Gone") {
  TempDir tmp;
  auto db = Open(tmp.Sub("db"), 10);
  std::mutex gate;
  std::unique_lock closed(gate);  // the subscriber blocks in its first callback until released
  Received got;
  SubscribeOptions options;
  options.batch = 2;
  options.on_end = [&](const Status& s) { got.End(s); };
  Result<std::unique_ptr<Subscription>> sub = db->subscribe("", options, [&](const Change& c) {
    got.Add(c);
    std::lock_guard wait(gate);
  });
  REQUIRE(sub.ok());
  REQUIRE(db->put("t/first", "{}").ok());
  got.WaitKeys(1);
  // The subscriber is stuck in its callback: every write still commits.
  for (int i = 0; i < 50; ++i) REQUIRE(db->put("t/" + std::to_string(i), "{}").ok());
  closed.unlock();
  got.WaitKeys(1000);  // returns once it ended
  REQUIRE(got.ended.has_value());
  CHECK(got.ended->IsGone());
  CHECK(got.ended->message().find("resync") != std::string::npos);
  CHECK(got.changes.size() < 10);
  // Resync: a new subscription from now on works.
  Received again;
  Result<std::unique_ptr<Subscription>> fresh =
      db->subscribe("", SubscribeOptions{}, [&](const Change& c) { again.Add(c); });
  REQUIRE(fresh.ok());
  REQUIRE(db->put("t/after", "{}").ok());
  CHECK(again.WaitKeys(1) == std::vector<std::string>{"t/after"});
}

}  // namespace
}  // namespace crdtdb::testing
