// Copyright (c) crdtdb authors.
//
// Secondary indexes in the database (db/index_manager.h, docs/queries.md "Indexes"): a build runs
// while writes go on and ends consistent; a definition replicates and the replica builds it;
// verify finds a damaged entry; a drop removes every entry; a build resumes after a restart.

#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "db/database_impl.h"
#include "db/index_catalog.h"
#include "query/index_key.h"
#include "store/key_schema.h"
#include "store/store_snapshot.h"
#include "tests/db/index_wait.h"
#include "tests/db/open_database.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

std::string Doc(int n) { return R"({"n":)" + std::to_string(n) + R"(,"k":")" + std::to_string(n % 5) + R"("})"; }

// The ids find returns for `query` on "c", over every page.
std::vector<std::string> Ids(Database& db, const std::string& selector, FindPlan* plan = nullptr) {
  std::vector<std::string> ids;
  nlohmann::json query{{"selector", nlohmann::json::parse(selector)}, {"limit", 10'000}};
  Result<FindPage> page = db.find("c", query.dump());
  REQUIRE(page.ok());
  REQUIRE_FALSE(page->bookmark.has_value());
  for (const ListedDocument& d : page->documents) ids.push_back(d.id);
  if (plan != nullptr) *plan = page->plan;
  return ids;
}

size_t EntriesOf(const std::string& path, const std::string& collection, const std::string& name) {
  store::StoreOptions options;
  options.path = path;
  options.create_if_missing = false;
  options.read_only = true;
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  REQUIRE(store.ok());
  size_t entries = 0;
  REQUIRE((*store)->NewSnapshot()->ScanIndex(db::IndexIdOf(collection, name), "", "", [&](std::string_view) {
    ++entries;
    return true;
  }).ok());
  return entries;
}

TEST_CASE("index: a build runs while writes go on, and ends with every document indexed once") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.Sub("a"), 1);
  for (int i = 0; i < 3000; ++i) REQUIRE(db->put("c/" + std::to_string(i), Doc(i)).ok());
  REQUIRE(db->create_index("c", "k,n").ok());
  // Writes during the build: new documents, changed values (their entries move), deletes.
  for (int i = 0; i < 600; ++i) {
    REQUIRE(db->put("c/" + std::to_string(3000 + i), Doc(i)).ok());
    REQUIRE(db->patch("c/" + std::to_string(i * 5), R"({"k":"moved"})").ok());
    if (i % 3 == 0) REQUIRE(db->remove("c/" + std::to_string(i * 5 + 1)).ok());
  }
  testing::WaitForIndexes(*db);
  Result<VerifyReport> report = db->verify();
  REQUIRE(report.ok());
  CHECK_MESSAGE(report->ok(), report->problems.front());
  FindPlan plan;
  const std::vector<std::string> moved = Ids(*db, R"({"k":"moved"})", &plan);
  CHECK(plan.index == "k,n");
  CHECK(plan.documents_read == 600);
  CHECK(moved.size() == 600);
  FindOptions scan;  // the same query by scan: equal results
  const std::vector<std::string> in_range = Ids(*db, R"({"k":"2","n":{"$gte":100,"$lt":400}})", &plan);
  CHECK(plan.index == "k,n");
  std::vector<std::string> expected;
  for (int i = 0; i < 3600; ++i) {
    const int n = i < 3000 ? i : i - 3000;
    const bool patched = i < 3000 && i % 5 == 0;
    const bool deleted = i < 3000 && i % 5 == 1 && (i / 5) % 3 == 0 && i / 5 < 600;
    if (!patched && !deleted && n % 5 == 2 && n >= 100 && n < 400) expected.push_back(std::to_string(i));
  }
  std::sort(expected.begin(), expected.end());
  CHECK(in_range == expected);
}

TEST_CASE("index: a definition replicates; the replica builds it and keeps it with replicated writes") {
  testing::TempDir dir;
  auto a = testing::OpenDatabase(dir.Sub("a"), 1);
  auto b = testing::OpenDatabase(dir.Sub("b"), 2);
  REQUIRE(a->create_index("c", "n").ok());
  for (int i = 0; i < 50; ++i) REQUIRE(a->put("c/" + std::to_string(i), Doc(i)).ok());
  std::vector<sync::RemoteUpdate> updates;
  for (const std::string& key : {"_indexes/" + db::IndexIdOf("c", "n"), std::string("c/7"), std::string("c/8")}) {
    Result<std::optional<std::string>> state = a->ReadState(key);
    REQUIRE(state.ok());
    REQUIRE(state->has_value());
    updates.push_back({key, crdt::DecodeDocument(**state).value(), true});
  }
  REQUIRE(b->ApplyRemote(std::move(updates)).ok());
  testing::WaitForIndexes(*b);
  Result<std::vector<IndexInfo>> indexes = b->list_indexes("c");
  REQUIRE(indexes.ok());
  REQUIRE(indexes->size() == 1);
  CHECK(indexes->front().name == "n");
  // A replicated write after the build moves its entry in the same batch.
  REQUIRE(a->patch("c/8", R"({"n":700})").ok());
  Result<std::optional<std::string>> state = a->ReadState("c/8");
  REQUIRE(state.ok());
  REQUIRE(b->ApplyRemote({{"c/8", crdt::DecodeDocument(**state).value(), true}}).ok());
  FindPlan plan;
  CHECK(Ids(*b, R"({"n":{"$gt":5}})", &plan) == std::vector<std::string>{"7", "8"});
  CHECK(plan.index == "n");
  CHECK(Ids(*b, R"({"n":8})").empty());
  Result<VerifyReport> report = b->verify();
  REQUIRE(report.ok());
  CHECK_MESSAGE(report->ok(), report->problems.front());
}

// The definition document's state on `from`, joined into `to` as replication would.
void ReplicateDefinition(db::DatabaseImpl& from, db::DatabaseImpl& to, const std::string& key) {
  Result<std::optional<std::string>> state = from.ReadState(key);
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  REQUIRE(to.ApplyRemote({{key, crdt::DecodeDocument(**state).value(), true}}).ok());
}

size_t IndexCount(Database& db) {
  Result<std::vector<IndexInfo>> indexes = db.list_indexes("c");
  REQUIRE(indexes.ok());
  return indexes->size();
}

// Arrays merge as lists: two replicas that wrote the same array of fields concurrently hold each
// field twice, which no definition may; the index then vanished from both.
TEST_CASE("index: the same index created on two replicas at once stays one index on both") {
  testing::TempDir dir;
  auto a = testing::OpenDatabase(dir.Sub("a"), 1);
  auto b = testing::OpenDatabase(dir.Sub("b"), 2);
  const std::string key = "_indexes/" + db::IndexIdOf("c", "k,n");
  SUBCASE("created by index create") {
    REQUIRE(a->create_index("c", "k,n").ok());
    REQUIRE(b->create_index("c", "k,n").ok());
  }
  SUBCASE("an array of fields, as builds before this one wrote it") {
    REQUIRE(a->put(key, R"({"collection":"c","fields":["k","n"]})").ok());
    REQUIRE(b->put(key, R"({"collection":"c","fields":["k","n"]})").ok());
  }
  ReplicateDefinition(*a, *b, key);
  ReplicateDefinition(*b, *a, key);
  for (db::DatabaseImpl* db : {a.get(), b.get()}) {
    testing::WaitForIndexes(*db);
    REQUIRE(IndexCount(*db) == 1);
    Result<std::vector<IndexInfo>> indexes = db->list_indexes("c");
    CHECK(indexes->front().name == "k,n");
  }
}

TEST_CASE("index: verify reports a missing and an extra entry") {
  testing::TempDir dir;
  const std::string path = dir.Sub("a");
  {
    auto db = testing::OpenDatabase(path, 1);
    for (int i = 0; i < 20; ++i) REQUIRE(db->put("c/" + std::to_string(i), Doc(i)).ok());
    REQUIRE(db->create_index("c", "n").ok());
    testing::WaitForIndexes(*db);
    REQUIRE(db->verify()->ok());
  }
  {
    // Damage: the entry of c/3 goes, and one for a document that does not exist appears.
    store::StoreOptions options;
    options.path = path;
    Result<std::unique_ptr<store::Store>> store = store::Store::Open(options);
    REQUIRE(store.ok());
    const std::string id = db::IndexIdOf("c", "n");
    std::string entry3, ghost;
    const nlohmann::json three = 3, many = 99;
    query::AppendIndexValue(&three, &entry3);
    query::AppendIndexValue(&many, &ghost);
    store::WriteSet damage;
    damage.ChangeIndex({store::IndexEntryKey(id, entry3 + "3"), std::nullopt});
    damage.ChangeIndex({store::IndexEntryKey(id, ghost + "ghost"), std::string()});
    REQUIRE((*store)->Commit(damage).ok());
  }
  auto db = testing::OpenDatabase(path, 1);
  Result<VerifyReport> report = db->verify();
  REQUIRE(report.ok());
  REQUIRE(report->problems.size() == 2);
  CHECK(report->problems[0] == "index \"n\" of /c: no entry for document /c/3");
  CHECK(report->problems[1] == "index \"n\" of /c: an entry that no document has, for /c/ghost");
}

TEST_CASE("index: a drop removes every entry; a build resumes after a restart") {
  testing::TempDir dir;
  const std::string path = dir.Sub("a");
  {
    auto db = testing::OpenDatabase(path, 1);
    for (int i = 0; i < 2000; ++i) REQUIRE(db->put("c/" + std::to_string(i), Doc(i)).ok());
    REQUIRE(db->create_index("c", "n").ok());
    REQUIRE(db->create_index("c", "k").ok());
    // Closed at once: the builds stop wherever they are (most likely not done).
  }
  {
    auto db = testing::OpenDatabase(path, 1);
    testing::WaitForIndexes(*db);
    Result<VerifyReport> report = db->verify();
    REQUIRE(report.ok());
    CHECK_MESSAGE(report->ok(), report->problems.front());
    REQUIRE(db->drop_index("c", "k").ok());
    CHECK(db->drop_index("c", "k").IsNotFound());
    CHECK(db->drop_index("c", "nope").IsNotFound());
    CHECK(db->list_indexes("c")->size() == 1);
    testing::WaitForIndexes(*db);  // also until the dropped one is gone
    CHECK(db->list_indexes("")->size() == 1);
  }
  CHECK(EntriesOf(path, "c", "k") == 0);
  CHECK(EntriesOf(path, "c", "n") == 2000);
}

}  // namespace
}  // namespace crdtdb
