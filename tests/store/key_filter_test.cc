// Copyright (c) crdtdb authors.

#include "store/key_filter.h"

#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

std::string Key(int i) { return "docs/" + std::to_string(i); }

TEST_CASE("the key filter never forgets a key and grows past its first capacity") {
  KeyFilter filter(/*first_capacity=*/1000);
  const size_t first_bytes = filter.memory_bytes();
  for (int i = 0; i < 100'000; ++i) filter.Add(Key(i));
  CHECK(filter.memory_bytes() > 100 * first_bytes);   // levels were added as it filled
  CHECK(filter.memory_bytes() < 100'000 * 10 / 8 * 3);  // ~1.25 bytes per key, at most twice over
  for (int i = 0; i < 100'000; ++i) REQUIRE(filter.MayContain(Key(i)));
  int false_positives = 0;
  for (int i = 100'000; i < 200'000; ++i) false_positives += filter.MayContain(Key(i)) ? 1 : 0;
  // About 1% per level, 7 levels: the rate stays far below one in ten.
  CHECK(false_positives < 10'000);
}

TEST_CASE("keys added by one thread are found by readers as soon as Add returns") {
  KeyFilter filter(/*first_capacity=*/256);
  std::atomic<int> added{0};
  std::thread writer([&] {
    for (int i = 0; i < 50'000; ++i) {
      filter.Add(Key(i));
      added.store(i + 1, std::memory_order_release);
    }
  });
  int missed = 0;
  for (int round = 0; round < 200; ++round) {
    const int upto = added.load(std::memory_order_acquire);
    for (int i = std::max(0, upto - 100); i < upto; ++i) missed += filter.MayContain(Key(i)) ? 0 : 1;
  }
  writer.join();
  CHECK(missed == 0);
}

TEST_CASE("a reopened store finds every stored document once its key filter is filled") {
  testing::TempDir dir;
  {
    auto store = testing::OpenStore(dir.path());
    for (int i = 0; i < 3000; ++i) testing::Put(*store, Key(i), crdt::Json{{"i", i}}, 100 + i);
  }
  auto store = testing::OpenStore(dir.path());
  // The filter fills in the background: reads before, during and after it must all find them.
  for (int pass = 0; pass < 20; ++pass) {
    for (int i = 0; i < 3000; i += 7) {
      Result<std::optional<StoredDocument>> doc = store->Read(Key(i));
      REQUIRE(doc.ok());
      REQUIRE_MESSAGE(doc->has_value(), Key(i));
    }
    CHECK_FALSE(store->Read(Key(5000 + pass))->has_value());
  }
  testing::Put(*store, "docs/new", crdt::Json{{"x", 1}}, 9000);
  CHECK(store->Read("docs/new")->has_value());
}

// The filter's fill scans bucket entries ('b' + bucket + key): the shortest key is one byte.
TEST_CASE(
    "a one-byte key is in the key filter after reopen: found, and a second write sees the first") {
  testing::TempDir dir;
  {
    auto store = testing::OpenStore(dir.path());
    testing::CommitLocal(*store, "k",
                         *crdt::PatchDelta(crdt::Document(), crdt::Json{{"a", 1}},
                                           {store->metadata().replica_id, 100}),
                         100);
  }
  auto store = testing::OpenStore(dir.path());
  store->WaitForKeyFilter();
  Result<std::optional<StoredDocument>> doc = store->Read("k");
  REQUIRE(doc.ok());
  REQUIRE(doc->has_value());
  const crdt::Document before = testing::ReadState(*store, "k");
  testing::CommitLocal(
      *store, "k",
      *crdt::PatchDelta(before, crdt::Json{{"b", 2}}, {store->metadata().replica_id, 200}), 200);
  CHECK(crdt::ToJson(testing::ReadState(*store, "k")) == crdt::Json{{"a", 1}, {"b", 2}});
  CHECK(store->metadata().live_documents == 1);
}

}  // namespace
}  // namespace crdtdb::store
