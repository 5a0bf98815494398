// Copyright (c) crdtdb authors.
//
// Database::put_many and put_many_values: many documents in one atomic commit, and every error as
// a refusal that writes nothing.

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "crdtdb/limits.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using Batch = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<Database> Open(const std::string& path) {
  Result<std::unique_ptr<Database>> db = Database::open({.path = path});
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(db).value();
}

Batch Todos(int count, const std::string& title) {
  Batch batch;
  for (int i = 0; i < count; ++i) {
    batch.emplace_back("todos/" + std::to_string(i),
                       R"({"n":)" + std::to_string(i) + R"(,"title":")" + title + R"("})");
  }
  return batch;
}

// Every document of the database, by key, as get shows it.
std::vector<std::pair<std::string, std::string>> Everything(Database& db) {
  Result<ListPage> page = db.list("todos", {.limit = 10'000, .start_after = ""});
  REQUIRE(page.ok());
  std::vector<std::pair<std::string, std::string>> out;
  for (ListedDocument& d : page->documents) out.emplace_back(d.id, std::move(d.json));
  return out;
}

TEST_CASE("put_many writes every document in one commit, and get reads each as put wrote it") {
  testing::TempDir dir;
  auto db = Open(dir.path() + "/db");
  const uint64_t commits_before = db->status().commits;
  const Batch batch = Todos(100, "milk");
  REQUIRE(db->put_many(batch).ok());
  CHECK(db->status().commits == commits_before + 1);
  CHECK(db->status().documents == 100);
  for (const auto& [key, json] : batch) {
    Result<std::string> read = db->get(key);
    REQUIRE(read.ok());
    CHECK(*read == json);  // members in name order, as given
  }

  SUBCASE("a second batch replaces documents whole, as put does") {
    REQUIRE(db->put_many({{"todos/1", R"({"done":true})"}, {"todos/100", R"({"n":100})"}}).ok());
    CHECK(*db->get("todos/1") == R"({"done":true})");
    CHECK(*db->get("todos/100") == R"({"n":100})");
    CHECK(*db->get("todos/2") == R"({"n":2,"title":"milk"})");
    CHECK(db->status().documents == 101);
  }
  SUBCASE("a document written by put_many is like any other: patched, removed, written again") {
    REQUIRE(db->patch("todos/3", R"({"done":true})").ok());
    REQUIRE(db->remove("todos/4").ok());
    REQUIRE(db->put_many({{"todos/4", R"({"back":1})"}}).ok());
    CHECK(*db->get("todos/3") == R"({"done":true,"n":3,"title":"milk"})");
    CHECK(*db->get("todos/4") == R"({"back":1})");
  }
}

TEST_CASE("a refused batch writes nothing, whichever entry is wrong") {
  testing::TempDir dir;
  auto db = Open(dir.path() + "/db");
  REQUIRE(db->put("todos/0", R"({"old":true})").ok());
  const auto before = Everything(*db);
  const LocalStatus status_before = db->status();

  Batch batch = Todos(10, "new");
  std::string expected;
  SUBCASE("a bad key") {
    batch[3].first = "no-collection";
    expected = "batch entry 3";
  }
  SUBCASE("JSON that does not parse") {
    batch[5].second = R"({"title":)";
    expected = "batch entry 5";
  }
  SUBCASE("a document that is not an object") {
    batch[9].second = "[1,2]";
    expected = "batch entry 9";
  }
  SUBCASE("a key named twice, also in its two spellings") {
    batch[7].first = "/todos/2";
    expected = "named twice";
  }
  SUBCASE("a document past the size of a JSON input, after good ones") {
    batch[8].second = R"({"big":")" + std::string(kMaxJsonBytes + 1, 'x') + R"("})";
    expected = "batch entry 8";
  }
  SUBCASE("more documents than a batch may hold") {
    batch = Todos(static_cast<int>(Database::kMaxBatchDocuments) + 1, "many");
    expected = "more than 10000";
  }
  Status s = db->put_many(batch);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_MESSAGE(s.ToString().find(expected) != std::string::npos, s.ToString());
  CHECK(Everything(*db) == before);
  CHECK(db->status().commits == status_before.commits);
  CHECK(db->status().merkle_root == status_before.merkle_root);
  // Still usable, and the same batch, mended, goes through.
  REQUIRE(db->put_many(Todos(10, "new")).ok());
  CHECK(db->status().documents == 10);
}

TEST_CASE("an empty batch is fine and commits nothing") {
  testing::TempDir dir;
  auto db = Open(dir.path() + "/db");
  const uint64_t commits = db->status().commits;
  CHECK(db->put_many({}).ok());
  CHECK(db->status().commits == commits);
}

TEST_CASE("subscribers hear every document of a batch, in the batch's order") {
  testing::TempDir dir;
  auto db = Open(dir.path() + "/db");
  REQUIRE(db->put("todos/b", R"({"v":0})").ok());
  std::vector<std::pair<std::string, std::string>> heard;
  auto subscription = db->subscribe("todos/", [&](const Change& c) {
    heard.emplace_back(c.key, c.json.value_or("deleted"));
  });
  REQUIRE(db->put_many({{"todos/c", R"({"v":1})"}, {"todos/a", R"({"v":2})"}, {"todos/b", R"({"v":3})"}}).ok());
  const std::vector<std::pair<std::string, std::string>> expected{
      {"todos/c", R"({"v":1})"}, {"todos/a", R"({"v":2})"}, {"todos/b", R"({"v":3})"}};
  CHECK(heard == expected);
}

TEST_CASE("put_many_values writes typed documents and refuses what a document cannot be") {
  testing::TempDir dir;
  auto db = Open(dir.path() + "/db");
  REQUIRE(db->put_many_values({{"todos/1", Object{{"title", "milk"}, {"tags", Array{"a", 2}}}},
                               {"todos/2", Object{{"done", true}}}})
              .ok());
  CHECK(*db->get("todos/1") == R"({"tags":["a",2],"title":"milk"})");
  CHECK((*db->get_value("todos/2"))["done"].as_bool() == true);

  Status nan = db->put_many_values({{"todos/3", Object{}}, {"todos/4", Object{{"x", std::nan("")}}}});
  CHECK(nan.code() == Status::Code::kInvalidArgument);
  CHECK_MESSAGE(nan.ToString().find("batch entry 1") != std::string::npos, nan.ToString());
  Status array = db->put_many_values({{"todos/3", Array{1}}});
  CHECK(array.code() == Status::Code::kInvalidArgument);
  CHECK(db->get("todos/3").status().code() == Status::Code::kNotFound);
  CHECK(db->status().documents == 2);
}

}  // namespace
}  // namespace crdtdb
