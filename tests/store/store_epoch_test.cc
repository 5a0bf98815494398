// Copyright (c) crdtdb authors.
//
// When an open starts a new stream epoch (docs/storage.md, "Stream epochs"): after an unclean
// close by another boot of the machine, or on a machine whose boot id cannot be read, and when the
// store's files are a copy or a restored backup (store/store_instance.h); never after a clean
// close, a process crash within one boot, or a move of the directory.

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include "store/key_schema.h"
#include "store/store.h"
#include "store/store_directory.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {
namespace {

using crdt::Json;
using store::kEpochShift;
using store::kMetaInstance;
using store::kMetaOpenedBy;
using store::MetaKey;


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

// A closed store holding one document, opened by "boot-1".
void WriteStore(const std::string& path) {
  auto store = OpenWithBoot(path, "boot-1");
  Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
}

// Copies the files of the store in `from` one by one to the new directory `to`, as cp, tar or a
// restore of a backup does.
void CopyFiles(const std::string& from, const std::string& to) {
  std::filesystem::create_directory(to);
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename());
  }
}

// Every file of a directory and its contents.
std::map<std::string, std::string> Files(const std::string& path) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[entry.path().filename()] = bytes.str();
  }
  return files;
}

TEST_CASE("a copy of a closed store's files starts a new epoch; the original does not") {
  TempDir tmp;
  const std::string original = tmp.Sub("data"), copy = tmp.Sub("copy");
  WriteStore(original);
  CopyFiles(original, copy);
  {
    auto store = OpenWithBoot(copy, "boot-1");
    CHECK(store->metadata().epoch == 1);
    CHECK(store->metadata().sequence == uint64_t{1} << kEpochShift);
    CHECK(store->new_epoch_reason().find("a copy or a restored backup") != std::string::npos);
    CHECK(ReadState(*store, "todos/1").live());
  }
  // The copy recorded its own files: it is a store of its own now.
  CHECK(OpenWithBoot(copy, "boot-1")->metadata().epoch == 1);
  auto store = OpenWithBoot(original, "boot-1");
  CHECK(store->metadata().epoch == 0);
  CHECK(store->new_epoch_reason().empty());
  CHECK(store->metadata().sequence == 1);
}

TEST_CASE("a store whose directory was moved (renamed) is the same store: no new epoch") {
  TempDir tmp;
  WriteStore(tmp.Sub("data"));
  std::filesystem::rename(tmp.Sub("data"), tmp.Sub("moved"));
  auto store = OpenWithBoot(tmp.Sub("moved"), "boot-1");
  CHECK(store->metadata().epoch == 0);
  CHECK(store->new_epoch_reason().empty());
}

TEST_CASE("a read-only open of a copy changes no file; the next writable open starts the epoch") {
  TempDir tmp;
  const std::string copy = tmp.Sub("copy");
  WriteStore(tmp.Sub("data"));
  CopyFiles(tmp.Sub("data"), copy);
  const std::map<std::string, std::string> before = Files(copy);
  {
    StoreOptions options;
    options.path = copy;
    options.read_only = true;
    options.boot_id = "boot-1";
    Result<std::unique_ptr<Store>> store = Store::Open(options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    CHECK((*store)->metadata().epoch == 0);
    CHECK((*store)->new_epoch_reason().empty());
  }
  CHECK(Files(copy) == before);
  CHECK(OpenWithBoot(copy, "boot-1")->metadata().epoch == 1);
}

TEST_CASE(
    "a store from before the identity record gets one at its next open; copies are caught after") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  WriteStore(path);
  {  // what an older crdtdb left: no identity file, no instance record
    std::filesystem::remove(path + "/" + store::kIdentityFileName);
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Delete(leveldb::WriteOptions(), MetaKey(kMetaInstance)).ok());
  }
  CHECK(OpenWithBoot(path, "boot-1")->metadata().epoch == 0);
  CHECK(std::filesystem::exists(path + "/" + store::kIdentityFileName));
  CopyFiles(path, tmp.Sub("copy"));
  CHECK(OpenWithBoot(tmp.Sub("copy"), "boot-1")->metadata().epoch == 1);
  CHECK(OpenWithBoot(path, "boot-1")->metadata().epoch == 0);
}

TEST_CASE(
    "a store whose identity file is gone (a backup of the database files only) starts an epoch") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  WriteStore(path);
  std::filesystem::remove(path + "/" + store::kIdentityFileName);
  CHECK(OpenWithBoot(path, "boot-1")->metadata().epoch == 1);
  CHECK(OpenWithBoot(path, "boot-1")->metadata().epoch == 1);
}

}  // namespace
}  // namespace crdtdb::testing
