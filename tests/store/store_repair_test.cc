// Copyright (c) crdtdb authors.
//
// RepairStoreCopy (store/store_repair.h): the repaired copy starts a stream epoch above every
// number the damaged store may have issued, even when the damage took the epoch record.

#include "store/store_repair.h"

#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include "crdt/mutators.h"
#include "store/key_schema.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

using crdt::Json;
using testing::PatchRecord;
using testing::Put;

using testing::OpenWithBoot;

TEST_CASE(
    "a repaired copy starts an epoch above the damaged store's, even without its epoch record") {
  testing::TempDir tmp;
  const std::string damaged = tmp.Sub("data");
  OpenWithBoot(damaged, "boot-1");
  PatchRecord(damaged, MetaKey(kMetaOpenedBy), "boot-1");  // left open when the machine went down
  uint64_t sequence = 0;
  {
    auto store = OpenWithBoot(damaged, "boot-2");  // starts epoch 1
    REQUIRE(store->metadata().epoch == 1);
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
    sequence = store->metadata().sequence;
  }
  REQUIRE(sequence > (uint64_t{1} << kEpochShift));
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), damaged, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Delete(leveldb::WriteOptions(), MetaKey(kMetaEpoch)).ok());
  }
  Result<RepairReport> report = RepairStoreCopy(damaged, tmp.Sub("repaired"));
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->metadata.epoch == 2);
  CHECK(report->metadata.sequence >= (uint64_t{2} << kEpochShift));
  CHECK(report->documents_kept == 1);
  CHECK(report->verification.problems.empty());
}

}  // namespace
}  // namespace crdtdb::store
