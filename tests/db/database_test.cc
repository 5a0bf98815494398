// Copyright (c) crdtdb authors.
//
// The embedded library API, end to end through the store.

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crdtdb/crdtdb.hpp"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using nlohmann::json;

std::atomic<uint64_t> fake_now{1'700'000'000'000};
uint64_t FakeClock() { return fake_now.load(); }

std::unique_ptr<Database> Open(const std::string& path, Durability durability = Durability::kBuffered) {
  Options options;
  options.path = path;
  options.durability = durability;
  options.clock_ms = FakeClock;
  auto db = Database::open(options);
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(db).value();
}

json Parse(const Result<std::string>& r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return json::parse(*r);
}

TEST_CASE("put, get, patch, increment and remove a document") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  CHECK(Parse(db->put("todos/1", R"({"title": "milk", "done": false})")) == json{{"title", "milk"}, {"done", false}});
  CHECK(Parse(db->get("/todos/1")) == json{{"title", "milk"}, {"done", false}});
  CHECK(Parse(db->patch("todos/1", R"({"done": true, "title": null, "tags": {"a": 1}})")) ==
        json{{"done", true}, {"tags", {{"a", 1}}}});
  CHECK(Parse(db->increment("todos/1", "views", 2))["views"] == 2);
  CHECK(Parse(db->increment("todos/1", "/tags/n", -5))["tags"] == json{{"a", 1}, {"n", -5}});
  CHECK(Parse(db->set_add("todos/1", "labels", R"("home")"))["labels"] == json::array({"home"}));
  CHECK(Parse(db->set_remove("todos/1", "labels", R"("home")")).contains("labels") == false);
  CHECK(db->status().documents == 1);
  CHECK(db->remove("todos/1").ok());
  CHECK(db->get("todos/1").status().IsNotFound());
  CHECK(db->remove("todos/1").IsNotFound());
  CHECK(db->status().documents == 0);
  // A deleted document can be written again.
  CHECK(Parse(db->put("todos/1", R"({"title": "again"})"))["title"] == "again");
}

TEST_CASE("bad input is an error value and changes nothing") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  REQUIRE(db->put("c/1", R"({"s": "text", "n": 1})").ok());
  const LocalStatus before = db->status();
  CHECK(db->put("c/1", "[1,2]").status().IsInvalidArgument());
  CHECK(db->put("c/1", "{").status().IsInvalidArgument());
  CHECK(db->put("bad", "{}").status().IsInvalidArgument());
  CHECK(db->patch("c/1", "null").status().IsInvalidArgument());
  CHECK(db->increment("c/1", "s", 1).status().IsInvalidArgument());
  CHECK(db->increment("c/1", "n", 1).status().IsInvalidArgument());  // a number, not a counter
  CHECK(db->set_add("c/1", "s", "1").status().IsInvalidArgument());
  CHECK(db->set_add("c/1", "tags", "[1]").status().IsInvalidArgument());
  CHECK(db->get("c/2").status().IsNotFound());
  const LocalStatus after = db->status();
  CHECK(after.merkle_root == before.merkle_root);
  CHECK(after.last_sequence == before.last_sequence);
  CHECK(Parse(db->get("c/1")) == json{{"s", "text"}, {"n", 1}});
}

TEST_CASE("a write that would grow a document past the encoded size limit is refused") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  const std::string chunk(4'000'000, 'x');
  for (int i = 0; i < 4; ++i) {
    REQUIRE(db->patch("big/1", "{\"f" + std::to_string(i) + "\": \"" + chunk + "\"}").ok());
  }
  const LocalStatus before = db->status();
  Result<std::string> r = db->patch("big/1", "{\"f4\": \"" + chunk + "\"}");
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message().find("size limit") != std::string::npos);
  CHECK(db->status().merkle_root == before.merkle_root);
  CHECK(Parse(db->get("big/1")).size() == 4);
}

TEST_CASE("get_with_conflicts shows the document and its conflicts") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  REQUIRE(db->put("c/1", R"({"a": 1})").ok());
  CHECK(Parse(db->get_with_conflicts("c/1")) == json{{"doc", {{"a", 1}}}, {"conflicts", json::object()}});
}

TEST_CASE("list returns live documents of one collection in pages") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  for (int i = 0; i < 25; ++i) REQUIRE(db->put("items/" + std::to_string(100 + i), "{\"i\": " + std::to_string(i) + "}").ok());
  REQUIRE(db->put("itemsx/1", "{}").ok());  // a collection whose name extends "items"
  REQUIRE(db->put("other/1", "{}").ok());
  REQUIRE(db->remove("items/105").ok());
  std::vector<std::string> ids;
  ListOptions options;
  options.limit = 10;
  int pages = 0;
  while (true) {
    Result<ListPage> page = db->list("/items", options);
    REQUIRE(page.ok());
    ++pages;
    for (const ListedDocument& d : page->documents) ids.push_back(d.id);
    if (!page->next_start_after) break;
    options.start_after = *page->next_start_after;
  }
  CHECK(pages == 3);
  REQUIRE(ids.size() == 24);
  CHECK(ids.front() == "100");
  CHECK(std::find(ids.begin(), ids.end(), "105") == ids.end());
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(db->list("a/b").status().IsInvalidArgument());
}

TEST_CASE("subscribers see committed changes under their prefix until unsubscribed") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  std::vector<Change> seen;
  auto sub = db->subscribe("todos/", [&](const Change& c) { seen.push_back(c); });
  REQUIRE(db->put("todos/1", R"({"a": 1})").ok());
  REQUIRE(db->put("other/1", R"({"a": 1})").ok());
  REQUIRE(db->remove("todos/1").ok());
  CHECK(db->put("todos/2", "[]").status().IsInvalidArgument());
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].key == "todos/1");
  CHECK(json::parse(*seen[0].json) == json{{"a", 1}});
  CHECK_FALSE(seen[0].remote);
  CHECK_FALSE(seen[1].json.has_value());
  sub.reset();
  REQUIRE(db->put("todos/3", "{}").ok());
  CHECK(seen.size() == 2);
}

TEST_CASE("a subscriber may write from its callback") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  int calls = 0;
  auto sub = db->subscribe("in/", [&](const Change& c) {
    ++calls;
    REQUIRE(db->put("out/" + c.key.substr(3), R"({"copied": true})").ok());
  });
  REQUIRE(db->put("in/1", "{}").ok());
  CHECK(calls == 1);
  CHECK(Parse(db->get("out/1"))["copied"] == true);
}

TEST_CASE("concurrent writers from many threads lose no increment, in both durability modes") {
  for (Durability durability : {Durability::kBuffered, Durability::kSync}) {
    testing::TempDir dir;
    auto db = Open(dir.path(), durability);
    const int threads = 8, per_thread = durability == Durability::kSync ? 50 : 300;
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          if (!db->increment("stats/all", "n", 1).ok()) ++failures;
          if (!db->put("t/" + std::to_string(t) + "-" + std::to_string(i), "{}").ok()) ++failures;
        }
      });
    }
    for (auto& w : workers) w.join();
    CHECK(failures == 0);
    CHECK(Parse(db->get("stats/all"))["n"] == threads * per_thread);
    CHECK(db->status().documents == static_cast<uint64_t>(threads * per_thread + 1));
    CHECK(db->status().last_sequence == static_cast<uint64_t>(2 * threads * per_thread));
    Result<VerifyReport> report = db->verify();
    REQUIRE(report.ok());
    CHECK(report->ok());
  }
}

TEST_CASE("a reopened database keeps its replica id, documents and clock") {
  testing::TempDir dir;
  std::string id, root;
  {
    auto db = Open(dir.path());
    REQUIRE(db->put("c/1", R"({"title": "one"})").ok());
    id = db->status().replica_id;
    root = db->status().merkle_root;
    CHECK(id.size() == 16);
    CHECK(root.size() == 32);
  }
  fake_now -= 60'000;  // the wall clock went back a minute across the restart
  auto db = Open(dir.path());
  CHECK(db->status().replica_id == id);
  CHECK(db->status().merkle_root == root);
  // The write after the restart still wins over the one before it.
  REQUIRE(db->patch("c/1", R"({"title": "two"})").ok());
  CHECK(Parse(db->get("c/1"))["title"] == "two");
  CHECK(Parse(db->get_with_conflicts("c/1"))["conflicts"] == json::object());
}

TEST_CASE("opening the same path twice fails with a clear error") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Options options;
  options.path = dir.path();
  auto again = Database::open(options);
  CHECK_FALSE(again.ok());
  CHECK(again.status().message().find("already open") != std::string::npos);
}

}  // namespace
}  // namespace crdtdb
