// Copyright (c) crdtdb authors.
//
// The Merkle leaves and counters are written only at a clean close (src/store/store_recovery.cc);
// these tests open copies of a store taken while it was open (what `kill -9` leaves on disk) and
// check that the rebuilt tree, live count and sequence are exactly those of the running store.
// Also: delta-log references to a document's state, opening a format-1 store, and a failed write
// followed by a kill -9.

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include "crdt/codec.h"
#include "crdt/hlc.h"
#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store.h"
#include "store/store_directory.h"
#include "tests/store/store_writes.h"
#include "tests/support/fault_env.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {
namespace {

using crdt::Json;
using store::DeltaLogEntry;
using store::Metadata;
using store::StoreVerification;

// The files of a store copied while it is open: what a process killed at this instant leaves.
// The identity file is linked, not copied, so that the image is the same store instance and not
// a copy of it, which would start a new epoch (store/store_instance.h).
std::string CrashImage(const TempDir& dir, const std::string& from, const std::string& name) {
  const std::string to = dir.Sub(name);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
  const std::string identity = std::string("/") + store::kIdentityFileName;
  std::filesystem::remove(to + identity);
  std::filesystem::create_hard_link(from + identity, to + identity);
  return to;
}

std::string ReadRecord(const std::string& path, const std::string& key) {
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::string value;
  REQUIRE(db->Get(leveldb::ReadOptions(), key, &value).ok());
  return value;
}

void CheckSameState(const Store& recovered, const Metadata& meta, const merkle::Hash& root) {
  CHECK(recovered.merkle_root() == root);
  CHECK(recovered.metadata().sequence == meta.sequence);
  CHECK(recovered.metadata().live_documents == meta.live_documents);
  Result<StoreVerification> v = recovered.Verify();
  REQUIRE(v.ok());
  CHECK_MESSAGE(v->problems.empty(), (v->problems.empty() ? "" : v->problems.front()));
}

TEST_CASE("after an unclean close the Merkle tree, live count and sequence are rebuilt exactly") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto store = OpenStore(path);
    for (int i = 0; i < 300; ++i) Put(*store, "c/" + std::to_string(i), Json{{"i", i}}, 100 + i);
  }  // clean close: this state is the checkpoint
  auto store = OpenStore(path);
  // After the checkpoint: new documents, overwrites, deletions (live count down) and remote joins.
  for (int i = 250; i < 400; ++i) Put(*store, "c/" + std::to_string(i), Json{{"i", -i}}, 1000 + i);
  for (int i = 0; i < 40; ++i) Delete(*store, "c/" + std::to_string(i * 7), 2000 + i);
  crdt::Document remote;
  remote.ApplyDelta(*crdt::PutDelta(crdt::Document(), Json{{"from", "peer"}}, {0xfeed, 5}));
  JoinRemote(*store, "r/1", remote);
  const Metadata meta = store->metadata();
  const merkle::Hash root = store->merkle_root();
  REQUIRE(meta.live_documents == 400 - 40 + 1);

  const std::string image = CrashImage(dir, path, "crashed");
  {
    auto recovered = OpenStore(image);
    CheckSameState(*recovered, meta, root);
    CHECK(recovered->metadata().epoch == meta.epoch);  // a process crash: no new epoch
    // The next write continues the sequence with no hole.
    Put(*recovered, "c/new", Json{{"x", 1}}, 5000);
    CHECK(recovered->metadata().sequence == meta.sequence + 1);
  }
  // The clean close after recovery checkpoints the rebuilt state.
  auto reopened = OpenStore(image);
  Put(*store, "c/new", Json{{"x", 1}}, 5000);
  CHECK(reopened->metadata().sequence == store->metadata().sequence);
  CHECK(reopened->metadata().live_documents == store->metadata().live_documents);
  Result<StoreVerification> v = reopened->Verify();
  REQUIRE(v.ok());
  CHECK(v->problems.empty());
}

TEST_CASE("a crash before any checkpoint recovers from the records alone") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  auto store = OpenStore(path);
  for (int i = 0; i < 50; ++i) Put(*store, "c/" + std::to_string(i), Json{{"i", i}}, 100 + i);
  Delete(*store, "c/3", 500);
  auto recovered = OpenStore(CrashImage(dir, path, "crashed"));
  CheckSameState(*recovered, store->metadata(), store->merkle_root());
}

TEST_CASE("a new document's delta is logged as a reference to its state; smaller deltas inline") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto store = OpenStore(path);
    // Timestamps of today's clocks: the compact delta layout writes the second one in one byte,
    // so a new document's delta is smaller than its state and must still be a reference.
    const crdt::Timestamp now = crdt::Timestamp{1'700'000'000'000} << crdt::kLogicalBits;
    Put(*store, "c/1", Json{{"title", "milk"}, {"note", std::string(200, 'n')}}, now);
    Result<crdt::Document> patch = crdt::SetFieldDelta(
        ReadState(*store, "c/1"), {"title"}, Json("eggs"), {store->metadata().replica_id, now + 1});
    REQUIRE(patch.ok());
    CommitLocal(*store, "c/1", *patch, now + 1);

    Result<std::vector<DeltaLogEntry>> log = store->ReadDeltaLog(1, 10, SIZE_MAX);
    REQUIRE(log.ok());
    REQUIRE(log->size() == 2);
    // The reference reads back as the document's current state, sent as a delta.
    CHECK(log->at(0).delta ==
          crdt::StateAsDelta(crdt::EncodeDocument(ReadState(*store, "c/1"))).value());
    CHECK(log->at(1).delta == crdt::EncodeDelta(*patch));
  }
  const std::string first = ReadRecord(path, store::DeltaLogKey(1));
  CHECK(first.size() == 4 + std::string("c/1").size());
  CHECK(ReadRecord(path, store::DeltaLogKey(2)).size() > first.size());
}

TEST_CASE("a format-1 store opens, even after a crash, and its entries without live flags recover") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  Metadata meta;
  merkle::Hash root;
  {
    auto store = OpenStore(path);
    for (int i = 0; i < 30; ++i) Put(*store, "c/" + std::to_string(i), Json{{"i", i}}, 100 + i);
    Delete(*store, "c/4", 200);
    meta = store->metadata();
    root = store->merkle_root();
  }
  // What format 1 left: digest-only bucket entries, leaves and counters current in every commit,
  // and (a crash) the opened_by record still there.
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string v;
    store::AppendBigEndian64(&v, 1);
    REQUIRE(db->Put(leveldb::WriteOptions(), store::MetaKey(store::kMetaFormat), v).ok());
    std::ifstream boot_id("/proc/sys/kernel/random/boot_id");  // this boot: no new epoch
    std::string boot;
    std::getline(boot_id, boot);
    REQUIRE(db->Put(leveldb::WriteOptions(), store::MetaKey(store::kMetaOpenedBy), boot).ok());
    for (int i = 0; i < 30; ++i) {
      const std::string key = "c/" + std::to_string(i);
      const std::string bucket_key = store::BucketKey(merkle::BucketOf(key), key);
      std::string entry;
      REQUIRE(db->Get(leveldb::ReadOptions(), bucket_key, &entry).ok());
      REQUIRE(entry.size() == 17);
      REQUIRE(db->Put(leveldb::WriteOptions(), bucket_key, entry.substr(0, 16)).ok());
    }
  }
  auto store = OpenStore(path);
  CheckSameState(*store, meta, root);
  const std::string image = CrashImage(dir, path, "crashed");
  auto recovered = OpenStore(image);  // format 2 now: rebuilt, liveness read from the documents
  CheckSameState(*recovered, meta, root);
  store.reset();
  std::string format = ReadRecord(path, store::MetaKey(store::kMetaFormat));
  CHECK(store::ReadBigEndian64(format) == store::kStoreFormatVersion);
}

TEST_CASE("a failed write followed by kill -9 in the same boot starts a new epoch") {
  // A failed fsync may have dropped written pages that peers already hold; the next open must
  // start a new stream epoch. The mark used to be written at a clean close only, which a kill -9
  // never reaches; and after a failed fsync LevelDB refuses every later write, the mark's too.
  for (const bool fail_sync : {false, true}) {
    CAPTURE(fail_sync);
    TempDir dir;
    FaultEnv env;
    StoreOptions options;
    options.path = dir.Sub("store");
    options.env = &env;
    options.sync_writes = true;
    options.boot_id = "boot-1";  // every open below is in the same boot
    Result<std::unique_ptr<Store>> store = Store::Open(options);
    REQUIRE(store.ok());
    Put(**store, "c/1", Json{{"v", 1}}, 100);
    if (fail_sync) {
      env.FailSyncsAfter(0);
    } else {
      env.FailWritesAfter(0);  // a full disk
    }
    Result<crdt::Document> delta = crdt::PutDelta(ReadState(**store, "c/1"), Json{{"v", 2}},
                                                  {(*store)->metadata().replica_id, 200});
    REQUIRE(delta.ok());
    WriteSet writes;
    REQUIRE(writes.PutDocument("c/1", *delta, nullptr).ok());
    writes.AppendLocalDelta("c/1", *delta);
    REQUIRE_FALSE((*store)->Commit(writes).ok());
    env.Heal();
    // kill -9: the files as they are now, and no close.
    StoreOptions reopened = options;
    reopened.path = CrashImage(dir, options.path, "killed");
    reopened.env = nullptr;
    Result<std::unique_ptr<Store>> after = Store::Open(reopened);
    REQUIRE_MESSAGE(after.ok(), after.status().ToString());
    CHECK((*after)->metadata().epoch == 1);
    CHECK((*after)->metadata().sequence == uint64_t{1} << store::kEpochShift);
    CHECK_FALSE(std::filesystem::exists(reopened.path + "/" + store::kFailedWriteFileName));
    after->reset();
    // Its mark did its work: the next open, after a clean close, starts no other epoch.
    Result<std::unique_ptr<Store>> again = Store::Open(reopened);
    REQUIRE(again.ok());
    CHECK((*again)->metadata().epoch == 1);
  }
}

}  // namespace
}  // namespace crdtdb::testing
