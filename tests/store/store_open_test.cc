// Copyright (c) crdtdb authors.
//
// Store::Open never destroys what is on disk (issue 17 §1): where it may create a store, what a
// read-only open changes (nothing), and what a refused or failed open leaves (everything as it
// was).

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <doctest/doctest.h>
#include <leveldb/status.h>

#include "crdt/mutators.h"
#include "store/key_schema.h"
#include "store/store.h"
#include "store/store_directory.h"
#include "store/store_impl.h"
#include "tests/support/dir_files.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

namespace fs = std::filesystem;
using testing::DirFiles;
using crdt::Json;
using testing::OpenStore;
using testing::PatchRecord;
using testing::Put;

Result<std::unique_ptr<Store>> Open(const std::string& path, bool read_only) {
  StoreOptions options;
  options.path = path;
  options.read_only = read_only;
  return Store::Open(options);
}

TEST_CASE("LevelDB's NotFound, a missing file, is an I/O error and never a missing document") {
  const Status s = FromLevelDb(
      leveldb::Status::NotFound("/proc/1/LOCK", "No such file or directory"), "opening");
  CHECK(s.IsIOError());
  CHECK(s.message().find("/proc/1/LOCK") != std::string::npos);
}

TEST_CASE("a read-only open of a missing or empty directory fails and creates nothing") {
  testing::TempDir tmp;
  Result<std::unique_ptr<Store>> missing = Open(tmp.Sub("none"), /*read_only=*/true);
  CHECK(missing.status().IsIOError());
  CHECK(missing.status().message() ==
        "no crdtdb store in " + tmp.Sub("none") + " (a write creates one)");
  CHECK_FALSE(fs::exists(tmp.Sub("none")));
  CHECK(Open(tmp.path(), /*read_only=*/true).status().IsIOError());
  CHECK(fs::is_empty(tmp.path()));
}

TEST_CASE("a read-only open reads everything and changes no file, even after an unclean close") {
  testing::TempDir tmp;
  {
    auto store = OpenStore(tmp.path());
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
  }
  {
    auto store = OpenStore(tmp.path());
    Put(*store, "todos/2", Json{{"title", "eggs"}}, 11);
  }
  // As a crash leaves it: the store marked open, its leaves and counters to be rebuilt.
  PatchRecord(tmp.path(), MetaKey(kMetaOpenedBy), "another-boot");
  const std::map<std::string, std::string> before = DirFiles(tmp.path());
  {
    Result<std::unique_ptr<Store>> store = Open(tmp.path(), /*read_only=*/true);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    CHECK((*store)->metadata().live_documents == 2);
    CHECK((*store)->metadata().sequence == 2);
    Result<std::optional<StoredDocument>> doc = (*store)->Read("todos/2");
    REQUIRE(doc.ok());
    CHECK(doc->has_value());
    Result<StoreVerification> v = (*store)->Verify();
    REQUIRE(v.ok());
    CHECK(v->problems.empty());
    WriteSet writes;
    REQUIRE(writes.PutDocument("todos/3", crdt::Document(), nullptr).ok());
    CHECK((*store)->Commit(writes).IsIOError());
  }
  CHECK(DirFiles(tmp.path()) == before);
}

TEST_CASE("a store whose files are damaged is refused, and no file in it changes") {
  testing::TempDir tmp;
  {
    auto store = OpenStore(tmp.path());
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
  }
  fs::remove(tmp.Sub("CURRENT"));
  const std::map<std::string, std::string> before = DirFiles(tmp.path());
  for (bool read_only : {true, false}) {
    Result<std::unique_ptr<Store>> store = Open(tmp.path(), read_only);
    CHECK(store.status().IsCorruption());
    CHECK(store.status().message().find("CURRENT file is missing") != std::string::npos);
    CHECK(DirFiles(tmp.path()) == before);
  }
}

TEST_CASE("a store whose load fails is not checkpointed at close, so it stays refused") {
  testing::TempDir tmp;
  {
    auto store = OpenStore(tmp.path());
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
  }
  PatchRecord(tmp.path(), MetaKey(kMetaCounters), "short");
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<std::unique_ptr<Store>> store = Open(tmp.path(), /*read_only=*/false);
    CHECK(store.status().IsCorruption());
    CHECK(store.status().message().find("counters is malformed") != std::string::npos);
  }
}

TEST_CASE("a creation that was cut short is completed; a directory of other files is refused") {
  testing::TempDir tmp;
  const std::string cut = tmp.Sub("cut");
  fs::create_directory(cut);
  REQUIRE(WriteIdentityFile(leveldb::Env::Default(), cut).ok());
  std::ofstream(cut + "/LOCK").flush();
  std::ofstream(cut + "/LOG") << "a LevelDB that stopped before CURRENT\n";
  CHECK(Open(cut, /*read_only=*/true).status().IsIOError());
  Result<std::unique_ptr<Store>> completed = Open(cut, /*read_only=*/false);
  REQUIRE_MESSAGE(completed.ok(), completed.status().ToString());
  CHECK((*completed)->metadata().replica_id != 0);

  const std::string other = tmp.Sub("other");
  fs::create_directory(other);
  std::ofstream(other + "/photo.jpg") << "not a store\n";
  Result<std::unique_ptr<Store>> refused = Open(other, /*read_only=*/false);
  CHECK(refused.status().IsIOError());
  CHECK(refused.status().message().find("holds no crdtdb store") != std::string::npos);
  CHECK(DirFiles(other).size() == 1);
}

}  // namespace
}  // namespace crdtdb::store
