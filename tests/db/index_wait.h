// Copyright (c) crdtdb authors.
//
// Waits (bounded) until every index of a database is built: builds run in the database's own
// thread (db/index_manager.h).

#ifndef CRDTDB_TESTS_DB_INDEX_WAIT_H_
#define CRDTDB_TESTS_DB_INDEX_WAIT_H_

#include <algorithm>
#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "crdtdb/database.h"

namespace crdtdb::testing {

inline void WaitForIndexes(Database& db) {
  for (int i = 0; i < 30'000; ++i) {
    Result<std::vector<IndexInfo>> indexes = db.list_indexes();
    REQUIRE(indexes.ok());
    if (std::all_of(indexes->begin(), indexes->end(), [](const IndexInfo& x) { return x.state == "ready"; })) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FAIL("the indexes were not built within 30,000 waits");
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_DB_INDEX_WAIT_H_
