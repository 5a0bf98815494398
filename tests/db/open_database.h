// Copyright (c) crdtdb authors.
//
// Opens a DatabaseImpl for the tests of src/db: on a store opened with the given options (a new
// store takes the replica id given, so that dots and digests are the same on every run), with a
// clock that stands still, `offset_ms` past FixedClock().

#ifndef CRDTDB_TESTS_DB_OPEN_DATABASE_H_
#define CRDTDB_TESTS_DB_OPEN_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "db/database_impl.h"
#include "store/store.h"

namespace crdtdb::testing {

inline uint64_t FixedClock() { return 1'700'000'000'000; }

inline std::unique_ptr<db::DatabaseImpl> OpenDatabase(const store::StoreOptions& options,
                                                      uint64_t offset_ms = 0) {
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::make_unique<db::DatabaseImpl>(std::move(store).value(),
                                            [offset_ms] { return FixedClock() + offset_ms; });
}

inline std::unique_ptr<db::DatabaseImpl> OpenDatabase(const std::string& path, crdt::ReplicaId id,
                                                      uint64_t offset_ms = 0) {
  store::StoreOptions options;
  options.path = path;
  options.new_replica_id = id;
  return OpenDatabase(options, offset_ms);
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_DB_OPEN_DATABASE_H_
