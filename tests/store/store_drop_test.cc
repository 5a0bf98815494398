// Copyright (c) crdtdb authors.
//
// Store::DropBuckets: what a node that handed a partition off removes (store_drop.cc).

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include "crdt/mutators.h"
#include "merkle/merkle_tree.h"
#include "store/key_schema.h"
#include "store/store.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

using crdt::Json;
using testing::Delete;
using testing::JoinRemote;
using testing::OpenStore;
using testing::Put;

// A document key that hashes to `bucket`.
std::string KeyInBucket(uint32_t bucket) {
  for (uint64_t i = 0;; ++i) {
    std::string key = "k/" + std::to_string(i);
    if (merkle::BucketOf(key) == bucket) return key;
  }
}

bool InRange(const std::string& key, uint32_t first, uint32_t last) {
  const uint32_t bucket = merkle::BucketOf(key);
  return first <= bucket && bucket <= last;
}

std::unique_ptr<Store> OpenWithChunk(const std::string& path, size_t chunk_documents) {
  StoreOptions options;
  options.path = path;
  options.drop_chunk_documents = chunk_documents;
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

void CheckVerifies(const Store& store) {
  Result<StoreVerification> v = store.Verify();
  REQUIRE(v.ok());
  for (const std::string& p : v->problems) FAIL_CHECK(p);
}

constexpr uint32_t kFirst = 4'096, kLast = 8'191;  // one partition of 16, a level-1 subtree

// Documents on both sides of each bound, tombstones inside and outside, and a spread of others.
std::vector<std::string> WriteMixture(Store& store) {
  std::vector<std::string> keys = {KeyInBucket(kFirst - 1), KeyInBucket(kFirst), KeyInBucket(kLast),
                                   KeyInBucket(kLast + 1)};
  for (int i = 0; i < 200; ++i) keys.push_back("c/" + std::to_string(i));
  crdt::Timestamp ts = 100;
  for (const std::string& key : keys) Put(store, key, Json{{"v", key}}, ++ts);
  for (int i = 0; i < 200; i += 7) Delete(store, "c/" + std::to_string(i), ++ts);
  Delete(store, keys[1], ++ts);  // a tombstone on the first bucket
  return keys;
}

TEST_CASE("DropBuckets removes the documents and tombstones of exactly its buckets") {
  testing::TempDir dir, kept_dir;
  auto store = OpenStore(dir.path());
  const std::vector<std::string> keys = WriteMixture(*store);
  uint64_t in_range = 0, live_before = store->metadata().live_documents;
  Result<uint64_t> live_in_range = store->CountLiveInBuckets(kFirst, kLast);
  REQUIRE(live_in_range.ok());
  REQUIRE(*live_in_range > 0);
  for (const std::string& key : keys) in_range += InRange(key, kFirst, kLast) ? 1 : 0;

  // The store a node that never held the partition would have.
  auto kept = OpenStore(kept_dir.path());
  for (const std::string& key : keys) {
    if (!InRange(key, kFirst, kLast)) JoinRemote(*kept, key, testing::ReadState(*store, key));
  }

  Result<uint64_t> removed = store->DropBuckets(kFirst, kLast);
  REQUIRE(removed.ok());
  CHECK(*removed == in_range);
  for (const std::string& key : keys) {
    Result<std::optional<StoredDocument>> doc = store->Read(key);
    REQUIRE(doc.ok());
    CHECK_MESSAGE(doc->has_value() == !InRange(key, kFirst, kLast), key);
  }
  CHECK(store->metadata().live_documents == live_before - *live_in_range);
  CHECK(store->metadata().live_documents == kept->metadata().live_documents);
  CHECK(*store->CountLiveInBuckets(kFirst, kLast) == 0);
  CHECK(*store->CountLiveInBuckets(0, kFirst - 1) == *kept->CountLiveInBuckets(0, kFirst - 1));
  // The subtree of the dropped buckets is empty, and the tree is the kept store's.
  CHECK(store->merkle_node(merkle::NodeId{1, 1}) == merkle::Hash{});
  CHECK(store->merkle_node(merkle::NodeId{merkle::kDepth, kFirst}) == merkle::Hash{});
  CHECK(!(store->merkle_node(merkle::NodeId{merkle::kDepth, kLast + 1}) == merkle::Hash{}));
  CHECK(store->merkle_root() == kept->merkle_root());
  CheckVerifies(*store);

  // Dropping again finds nothing.
  CHECK(*store->DropBuckets(kFirst, kLast) == 0);
  const merkle::Hash root = store->merkle_root();
  store.reset();
  store = OpenStore(dir.path());
  CHECK(store->merkle_root() == root);
  CHECK(store->metadata().live_documents == kept->metadata().live_documents);
  CheckVerifies(*store);
}

TEST_CASE("DropBuckets keeps the documents its caller names, with their Merkle contributions") {
  testing::TempDir dir, kept_dir;
  auto store = OpenStore(dir.path());
  const std::vector<std::string> keys = WriteMixture(*store);
  // Keep every fifth key: live documents and tombstones, in and out of the range.
  std::set<std::string> named;
  for (size_t i = 0; i < keys.size(); i += 5) named.insert(keys[i]);
  const KeptOnDrop keep = [&](std::string_view key) { return named.count(std::string(key)) > 0; };
  auto kept = OpenStore(kept_dir.path());
  uint64_t dropped = 0;
  for (const std::string& key : keys) {
    if (!InRange(key, kFirst, kLast) || named.count(key) > 0) {
      JoinRemote(*kept, key, testing::ReadState(*store, key));
    } else {
      ++dropped;
    }
  }
  Result<uint64_t> removed = store->DropBuckets(kFirst, kLast, {}, keep);
  REQUIRE(removed.ok());
  CHECK(*removed == dropped);
  for (const std::string& key : keys) {
    Result<std::optional<StoredDocument>> doc = store->Read(key);
    REQUIRE(doc.ok());
    CHECK_MESSAGE(doc->has_value() == (!InRange(key, kFirst, kLast) || named.count(key) > 0), key);
  }
  CHECK(store->merkle_root() == kept->merkle_root());
  CHECK(store->metadata().live_documents == kept->metadata().live_documents);
  CheckVerifies(*store);
}

TEST_CASE("a drop of more documents than a chunk commits chunk by chunk and leaves a consistent store") {
  testing::TempDir dir;
  auto store = OpenWithChunk(dir.path(), 3);
  for (int i = 0; i < 300; ++i) Put(*store, "c/" + std::to_string(i), Json{{"i", i}}, 100 + i);
  Result<uint64_t> live = store->CountLiveInBuckets(0, 32'767);
  REQUIRE(live.ok());
  REQUIRE(*live > 30);
  Result<uint64_t> removed = store->DropBuckets(0, 32'767);
  REQUIRE(removed.ok());
  CHECK(*removed == *live);
  CHECK(store->metadata().live_documents == 300 - *live);
  CHECK(*store->CountLiveInBuckets(0, 32'767) == 0);
  CheckVerifies(*store);
  // An open after a crash rebuilds the tree and count from the records the chunks left.
  store.reset();
  store = OpenWithChunk(dir.path(), 3);
  CHECK(store->metadata().live_documents == 300 - *live);
  CheckVerifies(*store);
}

TEST_CASE("DropBuckets refuses a bad range, a read-only store and a zero chunk") {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.path());
    Put(*store, "c/1", Json{{"x", 1}}, 10);
    CHECK(store->DropBuckets(5, 4).status().IsInvalidArgument());
    CHECK(store->DropBuckets(0, merkle::kLeafCount).status().IsInvalidArgument());
    CHECK(*store->DropBuckets(0, merkle::kLeafCount - 1) == 1);
  }
  StoreOptions options;
  options.path = dir.path();
  options.read_only = true;
  Result<std::unique_ptr<Store>> read_only = Store::Open(options);
  REQUIRE(read_only.ok());
  CHECK(!(*read_only)->DropBuckets(0, 10).ok());
  read_only->reset();
  options.read_only = false;
  options.drop_chunk_documents = 0;
  CHECK(Store::Open(options).status().IsInvalidArgument());
}

// A document of bucket kFirst logged by reference (new), then inline (a small patch of a large
// document), and one outside the range logged by reference.
struct LoggedDocuments {
  std::string dropped = KeyInBucket(kFirst), kept = KeyInBucket(kLast + 1);
  uint64_t dropped_reference = 0, dropped_inline = 0, kept_reference = 0;
};

LoggedDocuments WriteLogged(Store& store) {
  LoggedDocuments d;
  Put(store, d.dropped, Json{{"big", std::string(1'000, 'x')}}, 10);
  d.dropped_reference = store.metadata().sequence;
  Result<crdt::Document> patch =
      crdt::PatchDelta(testing::ReadState(store, d.dropped), Json{{"small", 1}}, {store.metadata().replica_id, 11});
  REQUIRE(patch.ok());
  testing::CommitLocal(store, d.dropped, *patch, 11);
  d.dropped_inline = store.metadata().sequence;
  Put(store, d.kept, Json{{"x", 1}}, 12);
  d.kept_reference = store.metadata().sequence;
  return d;
}

TEST_CASE("after a drop, the delta log returns a reference to a dropped document as gone, also after reopen") {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  const LoggedDocuments d = WriteLogged(*store);
  REQUIRE(store->DropBuckets(kFirst, kLast).ok());
  for (int reopened = 0; reopened < 2; ++reopened) {
    Result<std::vector<DeltaLogEntry>> log = store->ReadDeltaLog(1, 100, SIZE_MAX);
    REQUIRE_MESSAGE(log.ok(), log.status().ToString());
    REQUIRE(log->size() == 3);
    CHECK((*log)[0].sequence == d.dropped_reference);
    CHECK((*log)[0].key == d.dropped);
    CHECK((*log)[0].gone);
    CHECK((*log)[0].delta.empty());
    CHECK((*log)[1].sequence == d.dropped_inline);
    CHECK(!(*log)[1].gone);
    CHECK(!(*log)[1].delta.empty());  // logged inline: unaffected
    CHECK((*log)[2].sequence == d.kept_reference);
    CHECK(!(*log)[2].gone);
    CHECK(!(*log)[2].delta.empty());
    CheckVerifies(*store);
    store.reset();
    store = OpenStore(dir.path());
  }
  // A gone entry counts with its key: a budget of its key returns it alone.
  Result<std::vector<DeltaLogEntry>> first = store->ReadDeltaLog(1, 100, d.dropped.size());
  REQUIRE(first.ok());
  CHECK(first->size() == 1);
}

// Removes a document's records behind the store's back, as damage would.
void LoseDocument(const std::string& path, const std::string& key) {
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  REQUIRE(db->Delete(leveldb::WriteOptions(), DocumentKey(key)).ok());
  REQUIRE(db->Delete(leveldb::WriteOptions(), BucketKey(merkle::BucketOf(key), key)).ok());
}

bool ReportsMissingReference(const Store& store) {
  Result<StoreVerification> v = store.Verify();
  REQUIRE(v.ok());
  return std::any_of(v->problems.begin(), v->problems.end(),
                     [](const std::string& p) { return p.find("refers to a missing document") != std::string::npos; });
}

TEST_CASE("a reference to a missing document that no drop explains is still corruption") {
  testing::TempDir dir;
  std::string written_after_drop;
  {
    auto store = OpenStore(dir.path());
    const LoggedDocuments d = WriteLogged(*store);
    REQUIRE(store->DropBuckets(kFirst, kLast).ok());
    // Written to a dropped bucket after the drop: the drop does not explain its loss.
    written_after_drop = d.dropped;
    Put(*store, written_after_drop, Json{{"again", 1}}, 20);
    CHECK(!ReportsMissingReference(*store));
  }
  LoseDocument(dir.path(), written_after_drop);
  auto store = OpenStore(dir.path());
  CHECK(ReportsMissingReference(*store));
  Result<std::vector<DeltaLogEntry>> log = store->ReadDeltaLog(1, 100, SIZE_MAX);
  CHECK(log.status().IsCorruption());
}

TEST_CASE("a reference to a missing document outside any dropped range is corruption") {
  testing::TempDir dir;
  const std::string key = KeyInBucket(kLast + 1);
  {
    auto store = OpenStore(dir.path());
    Put(*store, key, Json{{"x", 1}}, 10);
    REQUIRE(store->DropBuckets(kFirst, kLast).ok());
  }
  LoseDocument(dir.path(), key);
  auto store = OpenStore(dir.path());
  CHECK(ReportsMissingReference(*store));
  CHECK(store->ReadDeltaLog(1, 100, SIZE_MAX).status().IsCorruption());
}

}  // namespace
}  // namespace crdtdb::store
