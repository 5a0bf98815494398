// Copyright (c) crdtdb authors.
//
// The change log (store/change_log.h, docs/changes.md): every committed document write in commit
// order, local and remote alike, kept across reopens, bounded by its retention, and a cursor that
// it cannot serve exactly (too old, of lost changes, of another store) is refused, never misread.

#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <leveldb/db.h>

#include <leveldb/write_batch.h>

#include "store/change_log.h"
#include "store/key_schema.h"
#include "store/store.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {
namespace {

using crdt::Json;
using store::ChangeCursor;
using store::ChangeLogPage;

std::unique_ptr<Store> OpenWith(const std::string& path, uint64_t change_log_entries,
                                const std::string& boot_id = "boot-1") {
  StoreOptions options;
  options.path = path;
  options.change_log_max_entries = change_log_entries;
  options.boot_id = boot_id;
  return OpenStoreWith(options);
}

ChangeLogPage ReadAll(const Store& store, const ChangeCursor& after, std::string_view prefix = "") {
  Result<ChangeLogPage> page = store.ReadChangeLog(after, prefix, 1000, 1000);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  return std::move(page).value();
}

std::vector<std::string> Keys(const ChangeLogPage& page) {
  std::vector<std::string> keys;
  for (const auto& e : page.entries) keys.push_back(e.key + (e.remote ? "(remote)" : ""));
  return keys;
}

// Runs `fn` on the raw LevelDB database of a closed store.
template <typename Fn>
void WithRawDb(const std::string& path, Fn fn) {
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  fn(*db);
}

TEST_CASE("the change log holds local and remote writes in commit order, across a reopen") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  ChangeCursor start, after_two;
  {
    auto store = OpenWith(path, 100);
    start = store->ChangeLogHead();
    Put(*store, "todos/1", Json{{"title", "milk"}}, 10);
    crdt::Document remote;
    REQUIRE(remote.ApplyDelta(*crdt::PutDelta(crdt::Document(), Json{{"title", "eggs"}}, {77, 11})));
    JoinRemote(*store, "todos/2", remote);
    after_two = store->ChangeLogHead();
    Put(*store, "notes/1", Json{{"text", "hi"}}, 12);
    Delete(*store, "todos/1", 13);
    const ChangeLogPage page = ReadAll(*store, start);
    CHECK(Keys(page) == std::vector<std::string>{"todos/1", "todos/2(remote)", "notes/1", "todos/1"});
    CHECK(page.entries[1].cursor == after_two);
    CHECK(page.next == store->ChangeLogHead());
  }
  auto store = OpenWith(path, 100);
  CHECK(Keys(ReadAll(*store, start, "todos/")) == std::vector<std::string>{"todos/1", "todos/2(remote)", "todos/1"});
  // A cursor resumes right after its change; a read past a prefix's changes still moves on.
  const ChangeLogPage rest = ReadAll(*store, after_two, "todos/");
  CHECK(Keys(rest) == std::vector<std::string>{"todos/1"});
  CHECK(rest.next == store->ChangeLogHead());
  CHECK(ReadAll(*store, store->ChangeLogHead()).entries.empty());
  // The beginning of the log, while nothing was trimmed.
  CHECK(ReadAll(*store, ChangeCursor{}).entries.size() == 4);
}

TEST_CASE("a read is bounded by its entry and scan budgets and goes on where it stopped") {
  TempDir tmp;
  auto store = OpenWith(tmp.Sub("data"), 100);
  const ChangeCursor start = store->ChangeLogHead();
  for (int i = 0; i < 10; ++i) Put(*store, (i % 2 ? "a/" : "b/") + std::to_string(i), Json{{"i", i}}, 10 + i);
  Result<ChangeLogPage> first = store->ReadChangeLog(start, "a/", 100, 4);
  REQUIRE(first.ok());
  CHECK(Keys(*first) == std::vector<std::string>{"a/1", "a/3"});
  CHECK(first->read_through == 4);  // four records read: b/0, a/1, b/2, a/3
  Result<ChangeLogPage> second = store->ReadChangeLog(first->next, "a/", 2, 100);
  REQUIRE(second.ok());
  CHECK(Keys(*second) == std::vector<std::string>{"a/5", "a/7"});
  CHECK(second->read_through == 8);  // stopped at its second change
}

TEST_CASE("retention trims the oldest changes, and a cursor before them is refused as too old") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  auto store = OpenWith(path, 5);
  const ChangeCursor start = store->ChangeLogHead();
  std::vector<ChangeCursor> cursors;
  for (int i = 0; i < 12; ++i) {
    Put(*store, "t/" + std::to_string(i), Json{{"i", i}}, 10 + i);
    cursors.push_back(store->ChangeLogHead());
  }
  Result<ChangeLogPage> old = store->ReadChangeLog(start, "", 100, 100);
  REQUIRE(old.status().IsGone());
  CHECK(old.status().message().find("older than the change log keeps") != std::string::npos);
  CHECK(store->ReadChangeLog(ChangeCursor{}, "", 100, 100).status().IsGone());
  CHECK(store->ReadChangeLog(cursors[5], "", 100, 100).status().IsGone());
  // The oldest kept change is t/7: the cursor right before it still serves every change after it.
  CHECK(Keys(ReadAll(*store, cursors[6])) == std::vector<std::string>{"t/7", "t/8", "t/9", "t/10", "t/11"});
  store.reset();
  // At most five records are kept on disk.
  int records = 0;
  WithRawDb(path, [&](leveldb::DB& db) {
    std::unique_ptr<leveldb::Iterator> it(db.NewIterator(leveldb::ReadOptions()));
    for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next()) ++records;
  });
  CHECK(records == 5);
  CHECK(OpenWith(path, 5)->ReadChangeLog(cursors[5], "", 100, 100).status().IsGone());
}

TEST_CASE("a cursor of another store, or with a sequence ahead of the log, is refused") {
  TempDir tmp;
  auto a = OpenWith(tmp.Sub("a"), 100);
  auto b = OpenWith(tmp.Sub("b"), 100);
  Put(*a, "t/1", Json{{"i", 1}}, 10);
  Put(*b, "t/1", Json{{"i", 1}}, 10);
  CHECK(b->ReadChangeLog(a->ChangeLogHead(), "", 10, 10).status().IsGone());
  ChangeCursor ahead = b->ChangeLogHead();
  ahead.sequence += 1;
  CHECK(b->ReadChangeLog(ahead, "", 10, 10).status().IsGone());
  CHECK(b->ReadChangeLog(ChangeCursor{0, 3}, "", 10, 10).status().IsInvalidArgument());
}

TEST_CASE("a crash of the machine that lost the log's tail starts a new feed; cursors of lost changes are refused") {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  std::vector<ChangeCursor> cursors;
  {
    auto store = OpenWith(path, 100, "boot-1");
    for (int i = 0; i < 3; ++i) {
      Put(*store, "t/" + std::to_string(i), Json{{"i", i}}, 10 + i);
      cursors.push_back(store->ChangeLogHead());
    }
  }
  // The machine crashed before LevelDB synced the last change: its record is gone, and the store
  // was left open by the boot that crashed.
  WithRawDb(path, [&](leveldb::DB& db) {
    REQUIRE(db.Delete(leveldb::WriteOptions(), store::ChangeLogKey(cursors[2].sequence)).ok());
    REQUIRE(db.Put(leveldb::WriteOptions(), store::MetaKey(store::kMetaOpenedBy), "boot-1").ok());
  });
  auto store = OpenWith(path, 100, "boot-2");
  REQUIRE(store->metadata().epoch == 1);
  CHECK(store->ChangeLogHead().feed != cursors[0].feed);
  Put(*store, "t/new", Json{{"i", 9}}, 20);  // takes the lost change's sequence
  Result<ChangeLogPage> lost = store->ReadChangeLog(cursors[2], "", 10, 10);
  REQUIRE(lost.status().IsGone());
  CHECK(lost.status().message().find("no longer has") != std::string::npos);
  // A watcher that saw only what survived goes on into the new feed without a gap.
  const ChangeLogPage page = ReadAll(*store, cursors[1]);
  CHECK(Keys(page) == std::vector<std::string>{"t/new"});
  CHECK(page.entries[0].cursor.feed == store->ChangeLogHead().feed);
  CHECK(Keys(ReadAll(*store, cursors[0])) == std::vector<std::string>{"t/1", "t/new"});
}

TEST_CASE("a restored copy of the store refuses cursors of changes its original made after the copy") {
  TempDir tmp;
  const std::string original = tmp.Sub("original");
  const std::string copy = tmp.Sub("copy");
  ChangeCursor copied;
  {
    auto store = OpenWith(original, 100);
    Put(*store, "t/1", Json{{"i", 1}}, 10);
    copied = store->ChangeLogHead();
  }
  std::filesystem::copy(original, copy, std::filesystem::copy_options::recursive);
  ChangeCursor later;
  {
    auto store = OpenWith(original, 100);
    Put(*store, "t/2", Json{{"i", 2}}, 11);
    later = store->ChangeLogHead();
  }
  auto restored = OpenWith(copy, 100);
  REQUIRE(restored->metadata().epoch == 1);  // store_instance.h: a copy starts a new epoch
  Put(*restored, "t/other", Json{{"i", 3}}, 12);
  CHECK(restored->ReadChangeLog(later, "", 10, 10).status().IsGone());
  CHECK(Keys(ReadAll(*restored, copied)) == std::vector<std::string>{"t/other"});
}

}  // namespace
}  // namespace crdtdb::testing

namespace crdtdb::testing {
namespace {

// Found by bench/feed_bench: a subscriber reading while a writer committed was cut off with Gone.
TEST_CASE("a read stops at the last published sequence while a commit's batch is being written") {
  TempDir tmp;
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(options, tmp.Sub("raw"), &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  store::ChangeLog log(100);
  REQUIRE(log.Open(db.get(), 1, /*writable=*/true).ok());
  const ChangeCursor head = log.Head();
  leveldb::WriteBatch batch;
  store::DocumentWrite write;
  write.key = "t/1";
  const store::ChangeLog::Staged staged = log.Stage({write}, {}, &batch);
  REQUIRE(db->Write(leveldb::WriteOptions(), &batch).ok());
  // Written, not yet published: nothing to read yet, and the cursor stays one the log serves.
  Result<ChangeLogPage> page = log.Read(db.get(), head, "", 10, 10);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  CHECK(page->entries.empty());
  CHECK(page->next == head);
  log.Published(staged);
  page = log.Read(db.get(), page->next, "", 10, 10);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  REQUIRE(page->entries.size() == 1);
  CHECK(page->entries[0].key == "t/1");
}

}  // namespace
}  // namespace crdtdb::testing
