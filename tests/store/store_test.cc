// Copyright (c) crdtdb authors.

#include "store/store.h"

#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include "crdt/codec.h"
#include "crdt/limits.h"
#include "crdt/mutators.h"
#include "store/document_record.h"
#include "store/key_schema.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

using crdt::Json;
using testing::JoinRemote;
using testing::OpenStore;
using testing::PatchRecord;
using testing::Put;

TEST_CASE("a new store gets a replica id that survives reopening, with clock and sequence") {
  testing::TempDir dir;
  crdt::ReplicaId id = 0;
  {
    auto store = OpenStore(dir.path());
    id = store->metadata().replica_id;
    CHECK(id != 0);
    Put(*store, "todos/1", Json{{"title", "milk"}}, 12345);
    Put(*store, "todos/2", Json{{"title", "eggs"}}, 12346);
  }
  auto store = OpenStore(dir.path());
  CHECK(store->metadata().replica_id == id);
  CHECK(store->metadata().clock == 12346);
  CHECK(store->metadata().sequence == 2);
  CHECK(store->metadata().live_documents == 2);
  Result<std::optional<StoredDocument>> doc = store->Read("todos/1");
  REQUIRE(doc.ok());
  REQUIRE(doc->has_value());
  CHECK(crdt::EncodeDocument((*doc)->state).size() > 0);
}

TEST_CASE("two stores with equal document states have equal Merkle roots, whatever the write order") {
  testing::TempDir a_dir, b_dir, c_dir;
  auto a = OpenStore(a_dir.path());
  auto b = OpenStore(b_dir.path());
  Put(*a, "c/1", Json{{"x", 1}}, 10);
  Put(*a, "c/2", Json{{"y", 2}}, 11);
  Put(*a, "d/9", Json{{"z", 3}}, 12);
  for (const char* key : {"d/9", "c/2", "c/1"}) {
    Result<std::optional<StoredDocument>> doc = a->Read(key);
    REQUIRE(doc.ok());
    JoinRemote(*b, key, (*doc)->state);
  }
  CHECK(a->merkle_root() == b->merkle_root());
  CHECK_FALSE(a->merkle_root() == crdt::Digest{});
  Put(*b, "c/1", Json{{"x", 2}}, 20);
  CHECK_FALSE(a->merkle_root() == b->merkle_root());
  // The root survives a restart without a rebuild, and verify agrees with it.
  const merkle::Hash root = b->merkle_root();
  b.reset();
  b = OpenStore(b_dir.path());
  CHECK(b->merkle_root() == root);
  Result<StoreVerification> v = b->Verify();
  REQUIRE(v.ok());
  CHECK(v->problems.empty());
  CHECK(v->documents == 3);
}

TEST_CASE("the delta log is read by range and bounded by its retention") {
  testing::TempDir dir;
  auto store = OpenStore(dir.path(), /*log_entries=*/5);
  for (int i = 1; i <= 12; ++i) Put(*store, "c/" + std::to_string(i), Json{{"i", i}}, 100 + i);
  Result<std::vector<DeltaLogEntry>> log = store->ReadDeltaLog(1, 100, SIZE_MAX);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 5);  // sequences 8..12 remain
  CHECK(log->front().sequence == 8);
  CHECK(log->back().sequence == 12);
  CHECK(log->back().key == "c/12");
  CHECK(crdt::DecodeDelta(log->back().delta).ok());
  Result<std::vector<DeltaLogEntry>> page = store->ReadDeltaLog(10, 2, SIZE_MAX);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  CHECK(page->front().sequence == 10);
  Result<StoreVerification> v = store->Verify();
  REQUIRE(v.ok());
  CHECK(v->problems.empty());
}

TEST_CASE("a delta log that would keep no delta is refused, and nothing is created") {
  testing::TempDir dir;
  StoreOptions options;
  options.path = dir.path() + "/db";
  options.delta_log_max_entries = 0;
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE(store.status().IsInvalidArgument());
  CHECK(store.status().message().find("delta_log_max_entries must be at least 1") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(options.path));
  // One entry is the least: the log keeps the last delta.
  auto one = OpenStore(dir.path() + "/one", /*log_entries=*/1);
  for (int i = 1; i <= 3; ++i) Put(*one, "c/" + std::to_string(i), Json{{"i", i}}, 100 + i);
  Result<std::vector<DeltaLogEntry>> log = one->ReadDeltaLog(1, 100, SIZE_MAX);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1);
  CHECK(log->front().sequence == 3);
}

TEST_CASE("the delta log is read within a byte budget, a referenced state counting with its size") {
  testing::TempDir dir;
  auto store = OpenStore(dir.path(), /*log_entries=*/100);
  // New documents: each logged as a reference to its state (~1 KiB).
  for (int i = 1; i <= 6; ++i)
    Put(*store, "c/" + std::to_string(i), Json{{"s", std::string(1000, 'x')}}, 100 + i);
  Result<std::vector<DeltaLogEntry>> all = store->ReadDeltaLog(1, 100, SIZE_MAX);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 6);
  const size_t entry_bytes = all->front().key.size() + all->front().delta.size();
  CHECK(entry_bytes > 1000);  // the state, not the empty reference
  // Stops before the entry that would pass the budget...
  Result<std::vector<DeltaLogEntry>> page = store->ReadDeltaLog(2, 100, 3 * entry_bytes - 1);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  CHECK(page->front().sequence == 2);
  page = store->ReadDeltaLog(2, 100, 3 * entry_bytes);
  REQUIRE(page.ok());
  CHECK(page->size() == 3);
  // ...but returns the first entry whatever its size, so that a reader always makes progress.
  page = store->ReadDeltaLog(4, 100, 0);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK(page->front().sequence == 4);
}

TEST_CASE("a state whose causal context the decoder would refuse is never written") {
  crdt::Document doc;
  for (uint64_t i = 0; i <= crdt::kMaxContextRanges; ++i)
    doc.mutable_context().Add(crdt::Dot{1, 1 + 2 * i});
  Result<DocumentWrite> w = EncodeDocumentWrite("c/1", doc, nullptr, crdt::kMaxEncodedBytes);
  REQUIRE(w.status().IsInvalidArgument());
  CHECK(w.status().message().find("dot ranges") != std::string::npos);
}

TEST_CASE("the same directory cannot be opened twice") {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  StoreOptions options;
  options.path = dir.path();
  Result<std::unique_ptr<Store>> again = Store::Open(options);
  CHECK(again.status().IsIOError());
  CHECK(again.status().message().find("already open") != std::string::npos);
}

TEST_CASE("a newer on-disk format is refused with a clear error") {
  testing::TempDir dir;
  OpenStore(dir.path());
  std::string v;
  AppendBigEndian64(&v, kStoreFormatVersion + 1);
  PatchRecord(dir.path(), MetaKey(kMetaFormat), v);
  StoreOptions options;
  options.path = dir.path();
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  CHECK(store.status().IsCorruption());
  CHECK(store.status().message().find("newer than this crdtdb supports") != std::string::npos);
}

TEST_CASE(
    "document records keep a 4-byte checksum; version-1 records with the whole digest still read") {
  testing::TempDir dir;
  std::string record;
  {
    auto store = OpenStore(dir.path());
    Put(*store, "c/1", Json{{"title", "milk"}}, 10);
  }
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Get(leveldb::ReadOptions(), DocumentKey("c/1"), &record).ok());
  }
  REQUIRE(record.size() > 5);
  CHECK(record[0] == 2);
  const std::string state = record.substr(5);
  const crdt::Digest digest = crdt::DigestOf(state);
  {
    auto store = OpenStore(dir.path());
    Result<std::optional<StoredDocument>> doc = store->Read("c/1");
    REQUIRE(doc.ok());
    REQUIRE(doc->has_value());
    CHECK((*doc)->digest == digest);  // recomputed from the state, as the Merkle tree needs it
  }

  // As a store written before checksums holds it: [1][digest: 16][state].
  PatchRecord(dir.path(), DocumentKey("c/1"),
              std::string(1, '\x01') + EncodeDigest(digest) + state);
  {
    auto store = OpenStore(dir.path());
    Result<std::optional<StoredDocument>> doc = store->Read("c/1");
    REQUIRE(doc.ok());
    REQUIRE(doc->has_value());
    CHECK((*doc)->digest == digest);
    Result<std::optional<std::string>> encoded = store->ReadEncodedState("c/1");
    REQUIRE(encoded.ok());
    CHECK(encoded->value_or("") == state);
    Result<StoreVerification> v = store->Verify();
    REQUIRE(v.ok());
    CHECK(v->problems.empty());
  }

  std::string flipped = std::string(1, '\x01') + EncodeDigest(digest) + state;
  flipped.back() ^= 0x01;
  PatchRecord(dir.path(), DocumentKey("c/1"), flipped);
  auto store = OpenStore(dir.path());
  CHECK(store->Read("c/1").status().message().find("digest does not match") != std::string::npos);
  CHECK(store->ReadEncodedState("c/1").status().IsCorruption());
}

TEST_CASE("a corrupted document record is reported, never served, and found by verify") {
  testing::TempDir dir;
  std::string record;
  {
    auto store = OpenStore(dir.path());
    Put(*store, "c/1", Json{{"title", "milk"}}, 10);
    Put(*store, "c/2", Json{{"title", "eggs"}}, 11);
  }
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Get(leveldb::ReadOptions(), DocumentKey("c/1"), &record).ok());
  }
  std::string flipped = record;
  flipped.back() ^= 0x01;  // one bit of the state: the checksum no longer matches
  PatchRecord(dir.path(), DocumentKey("c/1"), flipped);
  auto store = OpenStore(dir.path());
  Result<std::optional<StoredDocument>> doc = store->Read("c/1");
  CHECK(doc.status().IsCorruption());
  CHECK(doc.status().message().find("c/1") != std::string::npos);
  CHECK(store->Read("c/2").ok());
  Result<StoreVerification> v = store->Verify();
  REQUIRE(v.ok());
  CHECK_FALSE(v->problems.empty());

  store.reset();
  std::string future = record;
  future[0] = 9;  // a record version from the future
  PatchRecord(dir.path(), DocumentKey("c/1"), future);
  store = OpenStore(dir.path());
  CHECK(store->Read("c/1").status().message().find("unknown record version 9") != std::string::npos);
}

TEST_CASE("verify finds a Merkle tree that disagrees with the documents") {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.path());
    Put(*store, "c/1", Json{{"title", "milk"}}, 10);
  }
  PatchRecord(dir.path(), MerkleLeafKey(merkle::BucketOf("c/1")), std::string(16, '\x07'));
  auto store = OpenStore(dir.path());
  Result<StoreVerification> v = store->Verify();
  REQUIRE(v.ok());
  REQUIRE_FALSE(v->problems.empty());
  CHECK(v->problems.front().find("Merkle") != std::string::npos);
}

}  // namespace
}  // namespace crdtdb::store
