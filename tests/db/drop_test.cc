// Copyright (c) crdtdb authors.
//
// DatabaseImpl::DropBuckets: serialized with every write (drop_gate.h), and a delta log whose
// dropped documents are left out of ReadLog; the index entries of dropped documents go with them.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "db/database_impl.h"
#include "db/index_catalog.h"
#include "merkle/merkle_tree.h"
#include "nlohmann/json.hpp"
#include "tests/db/index_wait.h"
#include "tests/db/open_database.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::db {
namespace {

// `count` document keys whose buckets lie in first..last (or outside it, with `inside` false).
std::vector<std::string> KeysIn(uint32_t first, uint32_t last, bool inside, size_t count) {
  std::vector<std::string> keys;
  for (uint64_t i = 0; keys.size() < count; ++i) {
    std::string key = "k/" + std::to_string(i);
    const uint32_t bucket = merkle::BucketOf(key);
    if ((first <= bucket && bucket <= last) == inside) keys.push_back(std::move(key));
  }
  return keys;
}

void CheckVerifies(DatabaseImpl& db) {
  Result<VerifyReport> v = db.verify();
  REQUIRE(v.ok());
  for (const std::string& p : v->problems) FAIL_CHECK(p);
}

constexpr uint32_t kFirst = 0, kLast = 32'767;  // half of the buckets

TEST_CASE("ReadLog leaves out the deltas of dropped documents, the others keeping their sequences") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 7);
  // Six new documents to drop (each logged by reference), then two to keep.
  for (const std::string& key : KeysIn(kFirst, kLast, true, 6)) REQUIRE(db->put(key, R"({"x":1})").ok());
  const std::vector<std::string> kept = KeysIn(kFirst, kLast, false, 2);
  for (const std::string& key : kept) REQUIRE(db->put(key, R"({"y":2})").ok());
  Result<uint64_t> removed = db->DropBuckets(kFirst, kLast);
  REQUIRE(removed.ok());
  CHECK(*removed == 6);

  Result<std::vector<sync::LoggedDelta>> log = db->ReadLog(1, 100, SIZE_MAX);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  REQUIRE(log->size() == 2);
  CHECK((*log)[0].sequence == 7);
  CHECK((*log)[0].key == kept[0]);
  CHECK((*log)[1].sequence == 8);
  // A read whose entries are all gone reads on, so that it does not look like the log's end.
  log = db->ReadLog(1, 3, SIZE_MAX);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 2);
  CHECK((*log)[0].sequence == 7);
  CHECK(db->get(KeysIn(kFirst, kLast, true, 1)[0]).status().IsNotFound());
  CHECK(*db->CountLiveInBuckets(kFirst, kLast) == 0);
  CheckVerifies(*db);
}

TEST_CASE("a drop removes the index entries of the documents it drops, and only theirs") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 7);
  REQUIRE(db->create_index("k", "tags").ok());  // every element of an array has entries too
  testing::WaitForIndexes(*db);
  const std::vector<std::string> inside = KeysIn(kFirst, kLast, true, 40);
  const std::vector<std::string> outside = KeysIn(kFirst, kLast, false, 10);
  for (const std::string& key : inside) REQUIRE(db->put(key, R"({"tags":["x","y"]})").ok());
  for (const std::string& key : outside) REQUIRE(db->put(key, R"({"tags":["x"]})").ok());
  REQUIRE(db->remove(inside[0]).ok());  // a tombstone has no entries to remove
  Result<uint64_t> removed = db->DropBuckets(kFirst, kLast);
  REQUIRE(removed.ok());
  CHECK(*removed == inside.size());
  CheckVerifies(*db);  // an entry left of a dropped document is "an entry that no document has"

  // The index finds the kept documents only, by the whole value and by an element.
  for (const char* selector : {R"({"tags":"x"})", R"({"tags":"y"})", R"({"tags":["x"]})"}) {
    Result<FindPage> page = static_cast<Database&>(*db).find("k", std::string(R"({"selector":)") + selector + "}");
    REQUIRE(page.ok());
    CHECK(page->plan.index == "tags");
    CHECK(page->documents.size() == (std::string(selector) == R"({"tags":"y"})" ? 0 : outside.size()));
    CHECK(page->plan.keys_read == page->documents.size());
  }
}

// A node keeps every index definition whatever it owns (docs/sharding.md, "Indexes"): a drop of
// the partition that holds one leaves it, and the index, in place.
TEST_CASE("a drop keeps the index definitions of the buckets it drops") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 7);
  REQUIRE(db->create_index("k", "n").ok());
  testing::WaitForIndexes(*db);
  const std::vector<std::string> keys = KeysIn(0, merkle::kLeafCount - 1, true, 20);
  for (const std::string& key : keys) REQUIRE(db->put(key, R"({"n":1})").ok());
  Result<uint64_t> removed = db->DropBuckets(0, merkle::kLeafCount - 1);
  REQUIRE(removed.ok());
  CHECK(*removed == keys.size());
  CHECK(db->get("_indexes/" + IndexIdOf("k", "n")).ok());
  Result<std::vector<IndexInfo>> indexes = db->list_indexes("k");
  REQUIRE(indexes.ok());
  REQUIRE(indexes->size() == 1);
  // The index goes on serving the documents written after the drop.
  REQUIRE(db->put(keys[0], R"({"n":2})").ok());
  Result<FindPage> page = static_cast<Database&>(*db).find("k", R"({"selector":{"n":2}})");
  REQUIRE(page.ok());
  CHECK(page->plan.index == "n");
  CHECK(page->documents.size() == 1);
  CheckVerifies(*db);
}

TEST_CASE("writes from another thread during drops survive or are dropped whole") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 7);
  const std::vector<std::string> inside = KeysIn(kFirst, kLast, true, 16);
  const std::vector<std::string> outside = KeysIn(kFirst, kLast, false, 16);
  std::vector<std::string> keys = inside;
  keys.insert(keys.end(), outside.begin(), outside.end());

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> rounds{0}, failures{0};
  std::thread writer([&] {
    for (uint64_t round = 0; !stop.load(); ++round) {
      for (const std::string& key : keys) {
        // Deletes too, so that drops meet tombstones and writes follow them.
        const bool ok = round % 3 == 2 ? db->remove(key).ok() || db->get(key).status().IsNotFound()
                                       : db->put(key, nlohmann::json{{"round", round}}.dump()).ok();
        if (!ok) failures.fetch_add(1);
      }
      rounds.store(round + 1);
    }
  });
  for (int drop = 0; drop < 30; ++drop) {
    // Each drop lands while the writer is busy: after at least one of its rounds.
    const uint64_t seen = rounds.load();
    while (rounds.load() == seen) std::this_thread::yield();
    Result<uint64_t> removed = db->DropBuckets(kFirst, kLast);
    CHECK_MESSAGE(removed.ok(), removed.status().ToString());
  }
  stop.store(true);
  writer.join();
  CHECK(failures.load() == 0);

  // Every document outside the buckets holds its last write; every one inside holds its last
  // write or nothing.
  const uint64_t last_round = rounds.load() - 1;
  for (const std::string& key : keys) {
    Result<std::string> json = db->get(key);
    const bool inside_key = merkle::BucketOf(key) <= kLast;
    if (last_round % 3 == 2 || (inside_key && json.status().IsNotFound())) {
      CHECK_MESSAGE(json.status().IsNotFound(), key);
      continue;
    }
    REQUIRE_MESSAGE(json.ok(), (key + ": " + json.status().ToString()));
    CHECK(nlohmann::json::parse(*json) == nlohmann::json{{"round", last_round}});
  }
  CheckVerifies(*db);
  const uint64_t live = db->status().documents;
  db.reset();
  db = testing::OpenDatabase(dir.path(), 7);
  CHECK(db->status().documents == live);
  CheckVerifies(*db);
}

}  // namespace
}  // namespace crdtdb::db
