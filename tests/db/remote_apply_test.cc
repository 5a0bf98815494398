// Copyright (c) crdtdb authors.
//
// DatabaseImpl::ApplyRemote, the one door of remote updates: each document succeeds or fails on
// its own (sync/local_replica.h), a join is bounded by what a store holds and not by what a local
// write may make, and a dot that arrives with another value than the one held here is refused.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/limits.h"
#include "db/database_impl.h"
#include "nlohmann/json.hpp"
#include "tests/db/open_database.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::db {
namespace {

using nlohmann::json;
using testing::OpenDatabase;

sync::RemoteUpdate StateOf(DatabaseImpl& db, const std::string& key) {
  Result<std::optional<std::string>> state = db.ReadState(key);
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  return sync::RemoteUpdate{key, crdt::DecodeDocument(**state).value(), true};
}

TEST_CASE("remote updates fail per document: the others of the batch are applied") {
  testing::TempDir a_dir, b_dir;
  auto a = OpenDatabase(a_dir.path() + "/a", 1);
  auto b = OpenDatabase(b_dir.path() + "/b", 2);
  REQUIRE(a->put("c/1", R"({"v":1})").ok());
  REQUIRE(a->put("c/2", R"({"v":2})").ok());
  std::vector<sync::RemoteUpdate> updates{StateOf(*a, "c/1"), StateOf(*a, "c/2")};
  updates.insert(updates.begin() + 1, sync::RemoteUpdate{"not a key/", updates[0].document, true});
  const sync::ApplyResult result = b->ApplyRemote(std::move(updates));
  REQUIRE(result.updates.size() == 3);
  CHECK(result.updates[0].ok());
  CHECK(result.updates[1].IsInvalidArgument());
  CHECK(result.updates[2].ok());
  CHECK(b->get("c/1").value() == R"({"v":1})");
  CHECK(b->get("c/2").value() == R"({"v":2})");
}

TEST_CASE("each remote update says whether it changed its document here") {
  // What anti-entropy tells a repair that changes nothing by (sync/anti_entropy.h).
  testing::TempDir a_dir, b_dir;
  auto a = OpenDatabase(a_dir.path() + "/a", 1);
  auto b = OpenDatabase(b_dir.path() + "/b", 2);
  REQUIRE(a->put("c/1", R"({"v":1})").ok());
  const sync::ApplyResult first =
      b->ApplyRemote({StateOf(*a, "c/1"), {"not a key/", crdt::Document(), true}});
  REQUIRE(first.changed.size() == 2);
  CHECK(first.changed[0]);
  CHECK_FALSE(first.changed[1]);  // failed
  const sync::ApplyResult again = b->ApplyRemote({StateOf(*a, "c/1")});
  REQUIRE(again.ok());
  CHECK_FALSE(again.changed[0]);  // held here already
  REQUIRE(b->patch("c/1", R"({"w":2})").ok());
  const sync::ApplyResult older = b->ApplyRemote({StateOf(*a, "c/1")});
  REQUIRE(older.ok());
  CHECK_FALSE(older.changed[0]);  // contained in what b holds
}

TEST_CASE("an array put on one replica, then changed by patches on two, merges as a list") {
  testing::TempDir a_dir, b_dir;
  auto a = OpenDatabase(a_dir.path() + "/a", 1);
  auto b = OpenDatabase(b_dir.path() + "/b", 2);
  REQUIRE(a->put("c/1", R"({"l":["a","c"],"n":1})").ok());
  REQUIRE(b->ApplyRemote({StateOf(*a, "c/1")}).ok());
  // Concurrently: a inserts "b" in the middle, b appends "d" and removes nothing it did not see.
  REQUIRE(a->patch("c/1", R"({"l":["a","b","c"]})").ok());
  REQUIRE(b->patch("c/1", R"({"l":["a","c","d"],"n":2})").ok());
  REQUIRE(b->ApplyRemote({StateOf(*a, "c/1")}).ok());
  REQUIRE(a->ApplyRemote({StateOf(*b, "c/1")}).ok());
  CHECK(a->get("c/1").value() == R"({"l":["a","b","c","d"],"n":2})");
  CHECK(b->get("c/1").value() == a->get("c/1").value());
  CHECK(a->ReadState("c/1").value() == b->ReadState("c/1").value());
}

TEST_CASE("a dot held here with another value is refused with its document, and named") {
  // Two stores with one replica id issue the same dots: what a store restored from a copy, or a
  // client forging another replica's dots, would send.
  testing::TempDir a_dir, b_dir;
  auto a = OpenDatabase(a_dir.path() + "/a", 7);
  auto twin = OpenDatabase(b_dir.path() + "/twin", 7);
  REQUIRE(a->put("c/1", R"({"v":"mine"})").ok());
  REQUIRE(twin->put("c/1", R"({"v":"forged"})").ok());
  REQUIRE(twin->put("c/2", R"({"v":"fine"})").ok());
  const std::string root_before = a->status().merkle_root;
  const sync::ApplyResult result = a->ApplyRemote({StateOf(*twin, "c/1"), StateOf(*twin, "c/2")});
  REQUIRE(result.updates.size() == 2);
  CHECK(result.updates[0].IsCorruption());
  CHECK(result.updates[0].message().find("/c/1") != std::string::npos);
  CHECK(result.updates[0].message().find("another value") != std::string::npos);
  CHECK(result.updates[1].ok());
  CHECK(a->get("c/1").value() == R"({"v":"mine"})");
  CHECK(a->get("c/2").value() == R"({"v":"fine"})");
  CHECK(a->status().merkle_root != root_before);  // c/2 only
}

TEST_CASE("a join past the size limit of a write is stored; a local write may not grow it further") {
  testing::TempDir a_dir, b_dir;
  auto a = OpenDatabase(a_dir.path() + "/a", 1);
  auto b = OpenDatabase(b_dir.path() + "/b", 2);
  const std::string chunk(3'900'000, 'x');
  for (int i = 0; i < 3; ++i) REQUIRE(a->patch("big/1", json{{"f" + std::to_string(i), chunk}}.dump()).ok());
  REQUIRE(b->ApplyRemote({StateOf(*a, "big/1")}).ok());
  const std::string side(3'000'000, 'y');
  REQUIRE(a->patch("big/1", json{{"x", side + "a"}}.dump()).ok());
  REQUIRE(b->patch("big/1", json{{"x", side + "b"}}.dump()).ok());
  const sync::ApplyResult joined = a->ApplyRemote({StateOf(*b, "big/1")});
  REQUIRE_MESSAGE(joined.ok(), joined.status().ToString());
  CHECK(a->ReadState("big/1").value()->size() > crdt::kMaxWriteBytes);
  const Result<std::string> grow = a->patch("big/1", json{{"y", 1}}.dump());
  CHECK(grow.status().IsInvalidArgument());
  CHECK(grow.status().message().find("size limit of a write") != std::string::npos);
  CHECK(a->patch("big/1", json{{"x", "resolved"}}.dump()).ok());
}

TEST_CASE("a causal context past the limit of a write is stored; a local write may not add ranges to it") {
  testing::TempDir dir;
  auto db = OpenDatabase(dir.path() + "/a", 1);
  // A state of another replica whose context holds 300,000 separate dots: more ranges than a
  // write may make (kMaxWriteContextRanges), fewer than a replica holds (kMaxContextRanges).
  crdt::DotContext context;
  for (uint64_t c = 1; c <= 2 * 300'000; c += 2) context.Add(crdt::Dot{9, c});
  REQUIRE(context.range_count() > crdt::kMaxWriteContextRanges);
  const sync::ApplyResult applied = db->ApplyRemote({sync::RemoteUpdate{"c/1", crdt::Document(context, {}), true}});
  REQUIRE_MESSAGE(applied.ok(), applied.status().ToString());
  // This replica's first dot in the document is a new range.
  const Result<std::string> write = db->patch("c/1", R"({"a":1})");
  CHECK(write.status().IsInvalidArgument());
  CHECK(write.status().message().find("past the limit of a write") != std::string::npos);
}

// b has seen a's write (on another document) and then writes y; c, whose clock is behind a's, wrote
// y concurrently: which of the two concurrent values of y does b show? `a_ahead_ms` is how far
// a's clock is ahead of b's; c's is 5 s ahead.
std::string WinnerAfterSeeingA(uint64_t a_ahead_ms, uint64_t* clock_ahead_ignored) {
  testing::TempDir dir;
  auto a = OpenDatabase(dir.path() + "/a", 1, a_ahead_ms);
  auto b = OpenDatabase(dir.path() + "/b", 2, 0);
  auto c = OpenDatabase(dir.path() + "/c", 3, 5'000);
  REQUIRE(a->put("c/seen", R"({"x":"a"})").ok());
  REQUIRE(b->ApplyRemote({StateOf(*a, "c/seen")}).ok());
  REQUIRE(c->put("c/doc", R"({"y":"c"})").ok());
  REQUIRE(b->put("c/doc", R"({"y":"b"})").ok());
  REQUIRE(b->ApplyRemote({StateOf(*c, "c/doc")}).ok());
  *clock_ahead_ignored = b->status().clock_ahead_ignored;
  return b->get("c/doc").value();
}

TEST_CASE(
    "remote writes advance the hybrid clock: a write made after seeing one is stamped above it") {
  // a's clock is 10 s ahead of b's: b's write after seeing a's is stamped above a's, so above c's
  // concurrent one (5 s ahead), and wins among the concurrent values (docs/crdt.md section 4).
  uint64_t ignored = 0;
  CHECK(WinnerAfterSeeingA(10'000, &ignored) == R"({"y":"b"})");
  CHECK(ignored == 0);
}

TEST_CASE("a remote timestamp far ahead of the physical clock is not taken in, and is counted") {
  // a's clock is a day ahead: folding it in would drag b's clock a day ahead for good. b ignores
  // it, so its write keeps its own time and c's concurrent write, 5 s ahead, wins.
  uint64_t ignored = 0;
  CHECK(WinnerAfterSeeingA(86'400'000, &ignored) == R"({"y":"c"})");
  CHECK(ignored == 1);
}

}  // namespace
}  // namespace crdtdb::db
