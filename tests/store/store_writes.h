// Copyright (c) crdtdb authors.
//
// Helpers of the store tests: open a store, write to it as the database's write path does, and
// patch raw records of a closed store.

#ifndef CRDTDB_TESTS_STORE_STORE_WRITES_H_
#define CRDTDB_TESTS_STORE_STORE_WRITES_H_

#include <doctest/doctest.h>

#include <leveldb/db.h>

#include <memory>
#include <string>

#include "crdt/mutators.h"
#include "store/store.h"

namespace crdtdb::testing {

using store::StoredDocument;
using store::Store;
using store::StoreOptions;
using store::WriteSet;

// Opens a store with `options`, failing the test when it cannot.
inline std::unique_ptr<Store> OpenStoreWith(const StoreOptions& options) {
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

inline std::unique_ptr<Store> OpenStore(const std::string& path, uint64_t log_entries = 100'000) {
  StoreOptions options;
  options.path = path;
  options.delta_log_max_entries = log_entries;
  return OpenStoreWith(options);
}

// Opens the store at `path` as a machine whose boot id is `boot_id` ("" plays one that cannot be
// read), to test when an open starts a new stream epoch.
inline std::unique_ptr<Store> OpenWithBoot(const std::string& path, const std::string& boot_id) {
  StoreOptions options;
  options.path = path;
  options.boot_id = boot_id;
  return OpenStoreWith(options);
}

// Commits `delta` of this replica to `key` as one local write, as the database's write path does.
inline void CommitLocal(Store& store, const std::string& key, const crdt::Document& delta, crdt::Timestamp ts) {
  Result<std::optional<StoredDocument>> current = store.Read(key);
  REQUIRE(current.ok());
  crdt::Document next = current->has_value() ? (*current)->state : crdt::Document();
  next.ApplyDelta(delta);
  WriteSet writes;
  REQUIRE(writes.PutDocument(key, next, current->has_value() ? &**current : nullptr).ok());
  writes.AppendLocalDelta(key, delta);
  writes.SetClock(ts);
  REQUIRE(store.Commit(writes).ok());
}

inline crdt::Document ReadState(const Store& store, const std::string& key) {
  Result<std::optional<StoredDocument>> current = store.Read(key);
  REQUIRE(current.ok());
  return current->has_value() ? (*current)->state : crdt::Document();
}

// Writes `json` to `key` as one local put.
inline void Put(Store& store, const std::string& key, const crdt::Json& json, crdt::Timestamp ts) {
  Result<crdt::Document> delta = crdt::PutDelta(ReadState(store, key), json, {store.metadata().replica_id, ts});
  REQUIRE(delta.ok());
  CommitLocal(store, key, *delta, ts);
}

// Deletes `key` as one local write.
inline void Delete(Store& store, const std::string& key, crdt::Timestamp ts) {
  CommitLocal(store, key, crdt::DeleteDelta(ReadState(store, key)), ts);
}

// Joins a document state written elsewhere, as a remote write would.
inline void JoinRemote(Store& store, const std::string& key, const crdt::Document& remote) {
  Result<std::optional<StoredDocument>> current = store.Read(key);
  REQUIRE(current.ok());
  crdt::Document next = current->has_value() ? (*current)->state : crdt::Document();
  next.Join(remote);
  WriteSet writes;
  REQUIRE(writes.PutDocument(key, next, current->has_value() ? &**current : nullptr).ok());
  REQUIRE(store.Commit(writes).ok());
}

// Rewrites one raw LevelDB record of a closed store.
inline void PatchRecord(const std::string& path, const std::string& key, const std::string& value) {
  leveldb::DB* raw = nullptr;
  leveldb::Options options;
  REQUIRE(leveldb::DB::Open(options, path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  REQUIRE(db->Put(leveldb::WriteOptions(), key, value).ok());
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_STORE_STORE_WRITES_H_
