// Copyright (c) crdtdb authors.
//
// OverlayEnv (store/overlay_env.h): what LevelDB writes, renames and removes through it is seen
// through it, and never reaches the directory below.

#include "store/overlay_env.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

std::string Read(leveldb::Env* env, const std::string& path) {
  std::string out;
  REQUIRE(leveldb::ReadFileToString(env, path, &out).ok());
  return out;
}

std::vector<std::string> Children(leveldb::Env* env, const std::string& dir) {
  std::vector<std::string> names;
  REQUIRE(env->GetChildren(dir, &names).ok());
  std::erase_if(names, [](const std::string& n) { return n == "." || n == ".."; });
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("changes made through an OverlayEnv are seen through it and never reach the disk") {
  testing::TempDir tmp;
  const std::string dir = tmp.path();
  std::ofstream(dir + "/CURRENT") << "MANIFEST-000001\n";
  std::ofstream(dir + "/000003.log") << "old log";
  leveldb::Env* disk = leveldb::Env::Default();
  std::unique_ptr<leveldb::Env> overlay = NewOverlayEnv(disk);

  REQUIRE(
      leveldb::WriteStringToFile(overlay.get(), "MANIFEST-000004\n", dir + "/000005.dbtmp").ok());
  REQUIRE(overlay->RenameFile(dir + "/000005.dbtmp", dir + "/CURRENT").ok());
  REQUIRE(overlay->RemoveFile(dir + "/000003.log").ok());
  REQUIRE(leveldb::WriteStringToFile(overlay.get(), "new table", dir + "/000006.ldb").ok());

  CHECK(Read(overlay.get(), dir + "/CURRENT") == "MANIFEST-000004\n");
  CHECK_FALSE(overlay->FileExists(dir + "/000003.log"));
  CHECK(overlay->RemoveFile(dir + "/000003.log").IsNotFound());
  uint64_t size = 0;
  REQUIRE(overlay->GetFileSize(dir + "/000006.ldb", &size).ok());
  CHECK(size == 9);
  CHECK(Children(overlay.get(), dir) == std::vector<std::string>{"000006.ldb", "CURRENT"});

  // The directory itself is as it was.
  CHECK(Read(disk, dir + "/CURRENT") == "MANIFEST-000001\n");
  CHECK(Read(disk, dir + "/000003.log") == "old log");
  CHECK(Children(disk, dir) == std::vector<std::string>{"000003.log", "CURRENT"});

  // A LOCK that is not on disk is not created to be locked.
  leveldb::FileLock* lock = nullptr;
  REQUIRE(overlay->LockFile(dir + "/LOCK", &lock).ok());
  CHECK_FALSE(std::filesystem::exists(dir + "/LOCK"));
  REQUIRE(overlay->UnlockFile(lock).ok());
}

}  // namespace
}  // namespace crdtdb::store
