// Copyright (c) crdtdb authors.
//
// The index work of a write (db/index_entries.h): only the indexed fields are rendered, and a
// local write whose delta names none of an index's root fields skips that index. Whatever the
// write, every index must stay exactly what a rebuild from the documents gives (verify compares
// them): deletes, documents made again after a delete, whole-document puts, nested paths, array
// elements, counters and sets, and local writes over the concurrent values a join left.

#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdtdb/lists.h"
#include "db/database_impl.h"
#include "tests/db/index_wait.h"
#include "tests/db/open_database.h"
#include "tests/support/seed.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using Json = nlohmann::json;

// The ids find returns for `selector` on "c", and the index it used.
std::vector<std::string> Ids(Database& db, const std::string& selector, std::string* index) {
  const Json query{{"selector", Json::parse(selector)}, {"limit", 1000}};
  Result<FindPage> page = db.find("c", query.dump());
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  std::vector<std::string> ids;
  for (const ListedDocument& d : page->documents) ids.push_back(d.id);
  *index = page->plan.index;
  return ids;
}

void CheckVerified(Database& db) {
  Result<VerifyReport> report = db.verify();
  REQUIRE(report.ok());
  CHECK_MESSAGE(report->ok(), report->problems.front());
}

// Sends the state of `key` from `from` to `to`, as anti-entropy does (a join of states).
void Replicate(db::DatabaseImpl& from, db::DatabaseImpl& to, const std::string& key) {
  Result<std::optional<std::string>> state = from.ReadState(key);
  REQUIRE(state.ok());
  if (!state->has_value()) return;
  sync::ApplyResult applied = to.ApplyRemote({{key, crdt::DecodeDocument(**state).value(), true}});
  REQUIRE(applied.updates.size() == 1);
  REQUIRE(applied.updates[0].ok());
}

void CreateIndexes(db::DatabaseImpl& db) {
  for (const char* fields : {"k", "o.p", "a", "k,o.p", "n", "s"}) REQUIRE(db.create_index("c", fields).ok());
  testing::WaitForIndexes(db);
}

TEST_CASE("index writes: a local write of an unindexed field over concurrent values keeps the winner's entry") {
  testing::TempDir dir;
  auto a = testing::OpenDatabase(dir.Sub("a"), 1);
  auto b = testing::OpenDatabase(dir.Sub("b"), 2);
  CreateIndexes(*a);
  REQUIRE(a->put("c/1", R"({"k":"first","b":0})").ok());
  Replicate(*a, *b, "c/1");
  // Concurrent writes of the indexed field; b's wins (same time, the higher replica id).
  REQUIRE(a->patch("c/1", R"({"k":"from a"})").ok());
  REQUIRE(b->patch("c/1", R"({"k":"from b"})").ok());
  Replicate(*b, *a, "c/1");
  std::string index;
  CHECK(Ids(*a, R"({"k":"from b"})", &index) == std::vector<std::string>{"1"});
  CHECK(index.starts_with("k"));  // "k" or "k,o.p"
  // Writes that name only an unindexed field: the entries stay the winner's.
  REQUIRE(a->patch("c/1", R"({"b":1})").ok());
  REQUIRE(a->increment("c/1", "b2", 3).ok());
  CHECK(Ids(*a, R"({"k":"from b"})", &index) == std::vector<std::string>{"1"});
  CHECK(Ids(*a, R"({"k":"from a"})", &index).empty());
  CheckVerified(*a);
}

TEST_CASE("index writes: a document made again with only unindexed fields gets its entries back") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.Sub("a"), 1);
  CreateIndexes(*db);
  REQUIRE(db->put("c/1", R"({"k":"x","o":{"p":1},"a":[1,2]})").ok());
  REQUIRE(db->remove("c/1").ok());
  CheckVerified(*db);
  std::string index;
  CHECK(Ids(*db, R"({"k":{"$exists":false}})", &index).empty());
  // Its delta names "b" only, but the document comes back: every index has an entry again (each
  // field missing).
  REQUIRE(db->patch("c/1", R"({"b":1})").ok());
  CheckVerified(*db);
  CHECK(Ids(*db, R"({"k":"x"})", &index).empty());
  CHECK(index.starts_with("k"));  // "k" or "k,o.p"
  // A put over it replaces the whole document: the fields it drops lose their entries.
  REQUIRE(db->put("c/1", R"({"k":"y","o":{"p":2},"a":[3]})").ok());
  REQUIRE(db->put("c/1", R"({"b":2})").ok());
  CheckVerified(*db);
  CHECK(Ids(*db, R"({"k":"y"})", &index).empty());
  CHECK(Ids(*db, R"({"a":3})", &index).empty());
  CHECK(index == "a");
}

TEST_CASE("index writes: a nested path and the elements of an array move with their writes") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.Sub("a"), 1);
  CreateIndexes(*db);
  REQUIRE(db->put("c/1", R"({"o":{"p":1,"q":1},"a":["x","y"]})").ok());
  // A write beside the indexed path, then on it.
  REQUIRE(db->patch("c/1", R"({"o":{"q":2}})").ok());
  std::string index;
  CHECK(Ids(*db, R"({"o.p":1})", &index) == std::vector<std::string>{"1"});
  CHECK(index == "o.p");
  REQUIRE(db->patch("c/1", R"({"o":{"p":5}})").ok());
  CHECK(Ids(*db, R"({"o.p":5})", &index) == std::vector<std::string>{"1"});
  CHECK(Ids(*db, R"({"o.p":1})", &index).empty());
  // One element of the array replaced, one added: the element entries follow.
  REQUIRE(list_replace(*db, "c/1", "a", 0, R"("z")").ok());
  REQUIRE(list_insert(*db, "c/1", "a", 2, R"(["w"])").ok());
  CHECK(Ids(*db, R"({"a":"x"})", &index).empty());
  CHECK(index == "a");
  CHECK(Ids(*db, R"({"a":"z"})", &index) == std::vector<std::string>{"1"});
  CHECK(Ids(*db, R"({"a":"w"})", &index) == std::vector<std::string>{"1"});
  // The object becomes a scalar: the nested path finds nothing.
  REQUIRE(db->patch("c/1", R"({"o":7})").ok());
  CHECK(Ids(*db, R"({"o.p":5})", &index).empty());
  CheckVerified(*db);
}

// A random write of document `key` on `db`; a write refused (a list op on what is no list, a
// remove of a deleted document) changes nothing and is fine.
void RandomWrite(db::DatabaseImpl& db, const std::string& key, std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto scalar = [&]() -> Json {
    switch (pick(4)) {
      case 0: return pick(3);
      case 1: return std::string(1, static_cast<char>('a' + pick(3)));
      case 2: return pick(2) == 0;
      default: return nullptr;
    }
  };
  auto object = [&]() {
    Json o = Json::object();
    if (pick(2) == 0) o["p"] = scalar();
    if (pick(2) == 0) o["q"] = scalar();
    return o;
  };
  switch (pick(10)) {
    case 0: {
      Json doc = Json::object();
      if (pick(2) == 0) doc["k"] = scalar();
      if (pick(2) == 0) doc["o"] = pick(4) == 0 ? scalar() : object();
      if (pick(2) == 0) doc["a"] = Json::array({scalar(), scalar()});
      if (pick(2) == 0) doc["b"] = scalar();
      (void)db.put(key, doc.dump());
      return;
    }
    case 1: (void)db.patch(key, Json{{"b", scalar()}}.dump()); return;
    case 2: (void)db.patch(key, Json{{"k", pick(4) == 0 ? Json(nullptr) : scalar()}}.dump()); return;
    case 3: (void)db.patch(key, Json{{"o", pick(4) == 0 ? scalar() : object()}}.dump()); return;
    case 4: (void)db.remove(key); return;
    case 5: (void)db.increment(key, pick(2) == 0 ? "n" : "b", pick(5) - 2); return;
    case 6: {
      const std::string element = Json(pick(3)).dump();
      (void)(pick(2) == 0 ? db.set_add(key, "s", element) : db.set_remove(key, "s", element));
      return;
    }
    case 7: (void)list_replace(db, key, "a", 0, scalar().dump()); return;
    case 8: (void)list_insert(db, key, "a", 0, Json::array({scalar()}).dump()); return;
    default: (void)db.patch(key, R"([{"op":"remove","path":"/a/0"}])"); return;
  }
}

TEST_CASE("index writes: random writes on two replicas keep every index equal to a rebuild (property)") {
  for (uint64_t seed : testing::PropertySeeds(20)) {
    INFO("replay: " << testing::ReplayCommand(seed));
    std::mt19937_64 rng(seed);
    testing::TempDir dir;
    auto a = testing::OpenDatabase(dir.Sub("a"), 1);
    auto b = testing::OpenDatabase(dir.Sub("b"), 2, /*offset_ms=*/static_cast<uint64_t>(rng() % 2));
    CreateIndexes(*a);
    CreateIndexes(*b);
    for (int step = 0; step < 60; ++step) {
      const std::string key = "c/" + std::to_string(rng() % 4);
      db::DatabaseImpl& here = rng() % 2 == 0 ? *a : *b;
      db::DatabaseImpl& there = &here == a.get() ? *b : *a;
      if (rng() % 4 == 0) {
        Replicate(there, here, key);  // a join: concurrent values, kinds, deletes meet
      } else {
        RandomWrite(here, key, rng);
      }
      CAPTURE(step);
      CheckVerified(here);
    }
  }
}

}  // namespace
}  // namespace crdtdb
