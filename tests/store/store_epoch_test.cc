// Copyright (c) crdtdb authors.
//
// When an open starts a new stream epoch (docs/storage.md, "Stream epochs"): after an unclean
// close by another boot of the machine, or on a machine whose boot id cannot be read; never after
// a clean close or a process crash within one boot.

#include <string>

#include <doctest/doctest.h>

#include "store/key_schema.h"
#include "store/store.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {
namespace {

using crdt::Json;
using store::kEpochShift;
using store::kMetaOpenedBy;
using store::MetaKey;

std::unique_ptr<Store> OpenWithBoot(const std::string& path, const std::string& boot_id) {
  StoreOptions options;
  options.path = path;
  options.boot_id = boot_id;
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

// A store written once and closed, then marked open by `left_by` as a process that died with it
// open would have left it.
void WriteThenCrash(const std::string& path, const std::string& left_by) {
  {
    auto store = OpenWithBoot(path, left_by);
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
  }
  PatchRecord(path, MetaKey(kMetaOpenedBy), left_by);
}

TEST_CASE("an unclean close within one boot starts no epoch; one by another boot does") {
  TempDir tmp;
  WriteThenCrash(tmp.Sub("same"), "boot-1");
  CHECK(OpenWithBoot(tmp.Sub("same"), "boot-1")->metadata().epoch == 0);
  WriteThenCrash(tmp.Sub("rebooted"), "boot-1");
  auto store = OpenWithBoot(tmp.Sub("rebooted"), "boot-2");
  CHECK(store->metadata().epoch == 1);
  CHECK(store->metadata().sequence == uint64_t{1} << kEpochShift);
}

TEST_CASE("an unclean close on a machine whose boot id cannot be read starts a new epoch") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  WriteThenCrash(path, "");  // the process that died could not read the boot id either
  auto store = OpenWithBoot(path, "");
  CHECK(store->metadata().epoch == 1);
  CHECK(store->metadata().sequence == uint64_t{1} << kEpochShift);
}

TEST_CASE("a clean close starts no epoch, whether or not the boot id can be read") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  {
    auto store = OpenWithBoot(path, "");
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
  }
  CHECK(OpenWithBoot(path, "")->metadata().epoch == 0);
  CHECK(OpenWithBoot(path, "boot-9")->metadata().epoch == 0);
}

}  // namespace
}  // namespace crdtdb::testing
