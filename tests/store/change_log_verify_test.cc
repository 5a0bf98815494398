// Copyright (c) crdtdb authors.
//
// Verify's check of the change log (store/change_log_verify.cc, docs/changes.md "Verify"): a
// healthy log (also after retention trimmed it and after a reopen) has no problem; each kind of
// damage done to the raw LevelDB records is reported with a line that names it.

#include <algorithm>
#include <string>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include "store/key_schema.h"
#include "store/store.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {
namespace {

using crdt::Json;

std::unique_ptr<Store> OpenStore(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.change_log_max_entries = 8;
  options.boot_id = "boot-1";
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

std::vector<std::string> Problems(const std::string& path) {
  auto store = OpenStore(path);
  Result<store::StoreVerification> report = store->Verify();
  REQUIRE(report.ok());
  return report->problems;
}

bool Reports(const std::vector<std::string>& problems, const std::string& part) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

// A store whose change log kept sequences 5..12 of 12 writes (retention 8).
std::string WrittenStore(const TempDir& tmp) {
  const std::string path = tmp.Sub("data");
  auto store = OpenStore(path);
  for (int i = 1; i <= 12; ++i) Put(*store, "todos/" + std::to_string(i % 5), Json{{"n", i}}, 10 + i);
  return path;
}

template <typename Fn>
void Damage(const std::string& path, Fn fn) {
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  fn(*db);
}

TEST_CASE("verify finds nothing wrong with a healthy change log, trimmed and reopened") {
  TempDir tmp;
  const std::string path = WrittenStore(tmp);
  std::string problems;
  for (const std::string& p : Problems(path)) problems += p + "\n";
  CHECK_MESSAGE(problems.empty(), problems);
}

TEST_CASE("verify reports a hole in the change log") {
  TempDir tmp;
  const std::string path = WrittenStore(tmp);
  Damage(path, [](leveldb::DB& db) { REQUIRE(db.Delete({}, store::ChangeLogKey(7)).ok()); });
  CHECK(Reports(Problems(path), "the change log has a hole: sequences 7 are missing"));
}

TEST_CASE("verify reports a record beyond a hole at the log's end") {
  TempDir tmp;
  const std::string path = WrittenStore(tmp);
  Damage(path, [](leveldb::DB& db) { REQUIRE(db.Put({}, store::ChangeLogKey(15), "Ltodos/1").ok()); });
  CHECK(Reports(Problems(path), "the change log has a hole: sequences 13..14 are missing"));
}

TEST_CASE("verify reports a malformed record and a record of a missing document") {
  TempDir tmp;
  const std::string path = WrittenStore(tmp);
  Damage(path, [](leveldb::DB& db) {
    REQUIRE(db.Put({}, store::ChangeLogKey(9), "Xtodos/1").ok());
    REQUIRE(db.Put({}, store::ChangeLogKey(10), "Lnoslash").ok());
    REQUIRE(db.Delete({}, store::DocumentKey("todos/1")).ok());
  });
  const std::vector<std::string> problems = Problems(path);
  CHECK(Reports(problems, "change-log record 9 is malformed"));
  CHECK(Reports(problems, "change-log record 10 is malformed"));
  CHECK(Reports(problems, "change-log record 6 names a missing document /todos/1"));
}

}  // namespace
}  // namespace crdtdb::testing
